/**
 * The fast feed's walk through a candle: its four points (open, the extremes, close), and with a
 * tick interval the straight lines between them, one tick every interval, so a wick arrives as a
 * run of small moves instead of one jump. The hedge venue trades on the same walk.
 */
import { describe, expect, it } from 'vitest';
import type { CandleSeries } from '../data/candle-series.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { MemorySink } from '../sim/engine/event-log.ts';
import { candlePath, fastTicks } from '../sim/engine/price-timeline.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';

const usd = (x: number) => BigInt(x) * 10n ** 18n;

/** Two 5-minute candles: a fall with its high first, then a rise with its low first. */
const series: CandleSeries = {
  source: 'two bars',
  resolution: 300,
  time: [0, 300],
  open: [usd(100), usd(90)],
  high: [usd(103), usd(97)],
  low: [usd(85), usd(88)],
  close: [usd(90), usd(96)],
  volume: [0n, 0n],
  segments: [{ start: 0, end: 2, resolution: 300, source: 'two bars' }],
};

describe('the walk through a candle', () => {
  it('without an interval, is the candle’s four points', () => {
    expect(fastTicks(series).map((t) => [t.time, t.price])).toEqual(candlePath(series, 0).concat(candlePath(series, 1)).map((p) => [p.time, p.price]));
  });

  it('stamps every tick, walked point or between points, as published when it reaches the chain (the feed reads its publish time without a missing field: ~1.2 µs a block of the 1-minute month)', () => {
    for (const ticks of [fastTicks(series), fastTicks(series, 12)]) for (const t of ticks) expect(t.publishTime).toBe(t.time);
  });

  it('with an interval, joins the four points by straight lines, one tick every interval, and keeps every point and the confidence', () => {
    const ticks = fastTicks(series, 12);
    const times = ticks.map((t) => t.time);
    // Strictly increasing, never further apart than the interval, inside each candle.
    for (let i = 1; i < times.length; i++) {
      expect(times[i] as number).toBeGreaterThan(times[i - 1] as number);
      expect((times[i] as number) - (times[i - 1] as number)).toBeLessThanOrEqual(12);
    }
    // Every point of the four-point walk is a tick, at its time and price.
    for (const i of [0, 1]) for (const p of candlePath(series, i)) expect(ticks.find((t) => t.time === p.time)?.price).toBe(p.price);
    // Between two points the price is on the line (rounded to the feed's 8 decimals): open 100 at 0 → high 103 at 100.
    expect(ticks.find((t) => t.time === 48)?.price).toBe(usd(100) + (usd(3) * 48n) / 100n);
    // high 103 at 100 → low 85 at 200: at 196, 103 − 18·96/100.
    expect(ticks.find((t) => t.time === 196)?.price).toBe(usd(103) - (usd(18) * 96n) / 100n);
    // The largest move between two ticks is the steepest segment over one interval, not the whole wick.
    const moves = ticks.slice(1).map((t, i) => Number(t.price - (ticks[i] as (typeof ticks)[number]).price) / 1e18);
    expect(Math.max(...moves.map(Math.abs))).toBeLessThanOrEqual((18 * 12) / 100 + 1e-9);
    for (const t of ticks.filter((x) => x.time < 300)) expect(t.confidence).toBe(usd(9));
  });

  it('publishes every walked tick at the feed\'s 8 decimals, so the contracts\' Pyth price holds it exactly', () => {
    // A segment whose line falls between the feed's units: 100 → 100.00000007 over 100 s.
    const top = usd(100) + 7n * 10n ** 10n;
    const odd: CandleSeries = { source: 'one bar', resolution: 300, time: [0], open: [usd(100)], high: [top], low: [usd(100)], close: [top], volume: [0n], segments: [{ start: 0, end: 1, resolution: 300, source: 'one bar' }] };
    const ticks = fastTicks(odd, 7);
    expect(ticks.length).toBeGreaterThan(4);
    for (const t of ticks) expect(t.price % 10n ** 10n).toBe(0n);
  });

  it('a run with `tickInterval` feeds the chain and the hedge venue on that walk', async () => {
    const scenario = (tickInterval?: number) =>
      parseRunScenario(
        JSON.stringify({
          name: 'walk',
          profile: 'default',
          seed: 1,
          market: { id: 'ETH', depth: '2000000' },
          prices: { file: 'w1_black_thursday', gapPolicy: 'carry-forward', from: '2020-03-12T10:00', to: '2020-03-12T11:00', ...(tickInterval ? { tickInterval } : {}) },
          insuranceFund: '100000',
          agents: [{ kind: 'arbitrageur', count: 2, capital: '300000' }],
        }),
      );
    const run = async (tickInterval?: number) => {
      const sink = new MemorySink();
      await runSimulation(await resolveRun(scenario(tickInterval)), { sinks: [sink] });
      return sink.events;
    };
    const fourPoints = await run();
    const walked = await run(12);
    const feed = (events: typeof walked) => events.filter((e) => e.type === 'FastPrice');
    expect(feed(fourPoints).length).toBeLessThanOrEqual(4 * 12);
    expect(feed(walked).length).toBeGreaterThan(4 * feed(fourPoints).length);
    // The 10:55 candle fell from 151 to 130 in one tick; walked, no tick moves the feed by 3 %.
    const jumps = (events: typeof walked) => {
      const p = feed(events).map((e) => Number(BigInt(e.price as string)) / 1e18);
      return Math.max(...p.slice(1).map((x, i) => Math.abs(x / (p[i] as number) - 1)));
    };
    expect(jumps(fourPoints)).toBeGreaterThan(0.1);
    expect(jumps(walked)).toBeLessThan(0.03);
    // The hedges fill on the walk: at prices the feed published.
    const published = new Set(feed(walked).map((e) => Math.round(Number(BigInt(e.price as string)) / 1e12)));
    const fills = walked.filter((e) => e.type === 'HedgeFill');
    expect(fills.length).toBeGreaterThan(0);
    for (const f of fills) expect(published.has(Math.round((f.price as number) * 1e6))).toBe(true);
  }, 120_000);
});
