/**
 * Oracle synthesis: the feed's rules hold on any candles (property), synthetic rounds load into
 * the model's ChainlinkFeed like real ones, and against the real ETH/USD rounds the synthesis is
 * within the stated tolerances (see docs/DATA.md for the figures).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCandles } from '../data/candle-loader.ts';
import { type CandleSeries, emptyColumns } from '../data/candle-series.ts';
import { roundsCsv } from '../data/csv-writers.ts';
import { compareRounds } from '../data/oracle-comparison.ts';
import { ETH_USD_RULES, synthesiseRounds } from '../data/oracle-synthesis.ts';
import { loadRounds, phaseRoundId } from '../data/round-loader.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { Journal } from '../sim/journal.ts';
import { ChainlinkFeed, type ChainlinkRound } from '../sim/oracle/chainlink-feed.ts';

const DATA = findDataDir();
const REAL = join(DATA, 'chainlink', 'chainlink_eth_usd_mainnet_rounds_2023-04-05_2024-01-29.csv');
const M5 = join(DATA, 'normalized', 'eth_usdt_binance_spot_5m_2022-01-01_2023-09-27.csv');
const H1 = join(DATA, 'normalized', 'eth_usdt_binance_spot_1h_2017-08-17_2026-05-13.csv');

/** Random candles: a multiplicative walk with wicks, prices with 2 decimals. */
const candlesArb = fc
  .array(fc.tuple(fc.integer({ min: -300, max: 300 }), fc.nat({ max: 150 }), fc.nat({ max: 150 }), fc.integer({ min: 1, max: 3 })), { minLength: 2, maxLength: 200 })
  .map((steps): CandleSeries => {
    const c = emptyColumns();
    let price = 200_000n; // cents
    let t = 1_600_000_000;
    for (const [move, up, down, skip] of steps) {
      const open = price;
      const close = (price * BigInt(10_000 + move)) / 10_000n;
      const high = (open > close ? open : close) + BigInt(up);
      const low = (open < close ? open : close) - BigInt(down);
      const wei = (x: bigint) => x * 10n ** 16n;
      c.time.push(t);
      c.open.push(wei(open));
      c.high.push(wei(high));
      c.low.push(wei(low));
      c.close.push(wei(close));
      c.volume.push(0n);
      price = close;
      t += 300 * skip;
    }
    return { source: 'arb', resolution: 300, ...c, segments: [{ source: 'arb', resolution: 300, start: 0, end: c.time.length }] };
  });

describe('oracle synthesis: the feed rules hold on any candles (property)', () => {
  it('ids consecutive, times ordered, heartbeat never exceeded, every early round a real deviation', () => {
    fc.assert(
      fc.property(candlesArb, fc.constantFrom(0, 12, 45), fc.constantFrom(5000n, 2500n), fc.constantFrom(600, 3600), (s, latency, deviationPpm, heartbeat) => {
        const rules = { ...ETH_USD_RULES, latency, deviationPpm, heartbeat };
        const rounds = synthesiseRounds(s, rules);
        expect(rounds.length).toBeGreaterThan(0);
        expect(rounds[0]).toMatchObject({ roundId: phaseRoundId(1n, 1n), updatedAt: (s.time[0] as number) + latency });
        const observed = new Set([...s.open, ...s.high, ...s.low, ...s.close].map((p) => p / 10n ** 10n));
        const end = (s.time[s.time.length - 1] as number) + 300;
        for (let i = 0; i < rounds.length; i++) {
          const r = rounds[i] as ChainlinkRound;
          expect(observed.has(r.answer)).toBe(true);
          expect(r.startedAt).toBe(r.updatedAt);
          if (i === 0) continue;
          const p = rounds[i - 1] as ChainlinkRound;
          expect(r.roundId).toBe(p.roundId + 1n);
          const dt = r.updatedAt - p.updatedAt;
          expect(dt).toBeGreaterThanOrEqual(latency === 0 ? 0 : 1);
          // Heartbeat rounds land exactly heartbeat + latency apart; anything sooner is a deviation.
          expect(dt).toBeLessThanOrEqual(heartbeat + latency);
          if (dt < heartbeat + latency) {
            const diff = r.answer > p.answer ? r.answer - p.answer : p.answer - r.answer;
            expect(diff * 1_000_000n).toBeGreaterThan(p.answer * deviationPpm);
          }
        }
        // The heartbeat keeps the feed alive to the end of the data.
        expect(end - (rounds[rounds.length - 1] as ChainlinkRound).updatedAt).toBeLessThanOrEqual(heartbeat);
      }),
      { numRuns: 150 },
    );
  });

  it('a flat market gets heartbeats only, exactly heartbeat + latency apart', () => {
    const c = emptyColumns();
    for (let k = 0; k < 48; k++) {
      c.time.push(1_700_000_000 + k * 3600);
      for (const col of [c.open, c.high, c.low, c.close]) col.push(2000n * 10n ** 18n);
      c.volume.push(0n);
    }
    const rounds = synthesiseRounds({ source: 'flat', resolution: 3600, ...c, segments: [{ source: 'flat', resolution: 3600, start: 0, end: 48 }] });
    const gaps = rounds.slice(1).map((r, i) => r.updatedAt - (rounds[i] as ChainlinkRound).updatedAt);
    expect(new Set(gaps)).toEqual(new Set([3612]));
    expect(rounds.length).toBe(Math.floor((48 * 3600 - 12) / 3612) + 1);
  });
});

describe('oracle synthesis against the real ETH/USD rounds (2023-04-05 → 2023-09-27, Binance 5m)', () => {
  let real: ChainlinkRound[];
  let synthetic: ChainlinkRound[];
  let from: number;
  let to: number;

  beforeAll(async () => {
    real = (await loadRounds(REAL)).rounds;
    from = (real[0] as ChainlinkRound).updatedAt;
    const m5 = await loadCandles(M5, { gapPolicy: 'skip', from: from - 86_400 });
    to = (m5.time[m5.time.length - 1] as number) + 300;
    synthetic = synthesiseRounds(m5);
  });

  it('round count within 10 % of the real one (the issue target)', () => {
    const c = compareRounds(real, synthetic, from, to);
    expect(c.rounds.real).toBe(5893);
    expect(Math.abs(c.rounds.ratio - 1)).toBeLessThan(0.1);
  });

  it('prices at each real round: median within 0.15 %, p99 within 1.5 % (target 0.1 % not met: see DATA.md)', () => {
    const c = compareRounds(real, synthetic, from, to);
    expect(c.priceDiff.compared).toBe(c.rounds.real);
    // Measured 0.113 %: the real feed's own answer moves 0.16 % (median) from one round to the
    // next, so two faithful feeds updating at different moments differ about this much.
    expect(c.priceDiff.median).toBeLessThan(0.0015);
    expect(c.priceDiff.median).toBeLessThan(c.realSelfChange.median);
    expect(c.priceDiff.p99).toBeLessThan(0.015);
  });

  it('update intervals: the same heartbeat ceiling and a similar spread', () => {
    const c = compareRounds(real, synthetic, from, to);
    expect(c.intervals.synthetic.max).toBe(3612);
    expect(c.intervals.real.max).toBeLessThanOrEqual(3720);
    expect(Math.abs(c.intervals.synthetic.median - c.intervals.real.median)).toBeLessThan(120);
    expect(Math.abs(c.intervals.synthetic.heartbeatShare - c.intervals.real.heartbeatShare)).toBeLessThan(0.15);
  });

  it('hourly candles alone miss intra-hour moves: fewer rounds than from 5-minute candles', async () => {
    const h1 = await loadCandles(H1, { gapPolicy: 'skip', from: from - 86_400, to });
    const hourly = compareRounds(real, synthesiseRounds(h1), from, to);
    const fine = compareRounds(real, synthetic, from, to);
    expect(hourly.rounds.synthetic).toBeLessThan(fine.rounds.synthetic * 0.9);
  });

  it('synthetic and real rounds go through the same model feed and the same file format', async () => {
    for (const rounds of [real.slice(0, 500), synthetic.slice(0, 500)]) {
      const feed = new ChainlinkFeed(new Journal());
      for (const r of rounds) feed.addRound(r.answer, r.updatedAt, r.roundId);
      const last = rounds[rounds.length - 1] as ChainlinkRound;
      expect(feed.price()).toBe(last.answer * 10n ** 10n);
      const twap = feed.twap(3600, last.updatedAt + 1800);
      expect(twap).toBeGreaterThan(0n);
    }
    const file = join(mkdtempSync(join(tmpdir(), 'vamm-oracle-')), 'synthetic.csv');
    writeFileSync(file, roundsCsv(synthetic));
    expect((await loadRounds(file)).rounds).toEqual(synthetic);
  });
});

describe('oracle synthesis on a composed series read back from CSV', () => {
  it('gives the same rounds as on the composed series in memory', async () => {
    const { composeSeries } = await import('../data/compose.ts');
    const { candlesCsv } = await import('../data/csv-writers.ts');
    const from = Date.UTC(2022, 10, 1) / 1000;
    const to = Date.UTC(2022, 10, 20) / 1000;
    const base = await loadCandles(H1, { gapPolicy: 'skip', from, to });
    const w = await loadCandles(join(DATA, 'windows', 'w5_ftx_2022-11-05_2022-11-13_binance_spot_5m.csv'), { gapPolicy: 'refuse' });
    const { series } = composeSeries(base, [w]);
    const file = join(mkdtempSync(join(tmpdir(), 'vamm-compose-')), 'composed.csv');
    writeFileSync(file, candlesCsv(series));
    const back = await loadCandles(file, { gapPolicy: 'skip' });
    expect(back.segments.map((x) => x.resolution)).toEqual([3600, 300, 3600]);
    expect(synthesiseRounds(back)).toEqual(synthesiseRounds(series));
    // And the crash days, at 5 minutes, trigger far more rounds than the hourly bars alone.
    expect(synthesiseRounds(series).length).toBeGreaterThan(synthesiseRounds(base).length * 1.3);
  });
});
