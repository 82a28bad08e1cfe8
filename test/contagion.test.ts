/**
 * Contagion across markets: the co-movement fit (data/pair-fit.ts) recovers a known regression
 * per regime; the second market's path drawn from it (data/correlated-path.ts) has the fitted
 * slope and residual at the path's own resolution; and a loss in one market liquidates a
 * position in the other through the shared cross-margin account, while the other market's price
 * never moved.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { correlatedCandles, loadCoMovement, regimesOf } from '../data/correlated-path.ts';
import { fitPair, readDailyCloses, regress } from '../data/pair-fit.ts';
import { pathToCandles } from '../data/path-candles.ts';
import { Rng } from '../data/prng.ts';
import { floatPriceToWei, weiToFloat } from '../data/wei-text.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { PopulationSchema, withPopulation } from '../scenarios/population.ts';
import type { LoggedEvent } from '../sim/engine/event-log.ts';
import { hostFor, runSimulation } from '../sim/engine/run-simulation.ts';
import { Simulation } from '../sim/engine/simulation.ts';
import { weiToNumber } from '../sim/math/units.ts';

const dir = mkdtempSync(join(tmpdir(), 'vamm-contagion-'));

/** Two daily close series whose returns follow y = β_regime·x + σ_regime·ε, the regime by x. */
function synthetic(n: number, seed: number) {
  const rng = new Rng(seed);
  const eth = new Map<number, number>();
  const other = new Map<number, number>();
  let [pe, po] = [2000, 30000];
  eth.set(0, pe);
  other.set(0, po);
  for (let d = 1; d <= n; d++) {
    const x = 0.045 * rng.normal();
    const [beta, sigma] = x <= Math.log(0.95) ? [0.9, 0.01] : x >= Math.log(1.05) ? [0.4, 0.03] : [0.7, 0.015];
    pe *= Math.exp(x);
    po *= Math.exp(beta * x + sigma * rng.normal());
    eth.set(d, pe);
    other.set(d, po);
  }
  return { eth, other };
}

describe('co-movement fit', () => {
  it('recovers each regime’s slope and residual inside its interval, and finds the days aligned at lag 0', () => {
    const { eth, other } = synthetic(6000, 7);
    const fit = fitPair(eth, other, { resamples: 200 });
    const truth = { down: [0.9, 0.01], calm: [0.7, 0.015], up: [0.4, 0.03] } as const;
    for (const [name, [beta, sigma]] of Object.entries(truth)) {
      const r = fit.regimes[name as keyof typeof truth];
      expect(r.betaInterval[0]).toBeLessThan(beta);
      expect(r.betaInterval[1]).toBeGreaterThan(beta);
      expect(r.residualVolInterval[0]).toBeLessThan(sigma);
      expect(r.residualVolInterval[1]).toBeGreaterThan(sigma);
    }
    expect(fit.days).toBe(6000);
    expect(fit.lagCorrelation['0']).toBeGreaterThan(0.8);
    expect(Math.abs(fit.lagCorrelation['-1'])).toBeLessThan(0.1);
    expect(Math.abs(fit.lagCorrelation['1'])).toBeLessThan(0.1);
    // A shifted series is found out: its peak is at lag 1, not 0.
    const shifted = new Map([...other].map(([d, p]) => [d + 1, p]));
    const off = fitPair(eth, shifted, { resamples: 10 });
    expect(Math.abs(off.lagCorrelation['0'])).toBeLessThan(0.1);
    expect(off.lagCorrelation['-1']).toBeGreaterThan(0.8);
  });

  it('reads an Investing.com daily export and names the file, line and field of a bad row', () => {
    const good = join(dir, 'btc.csv');
    writeFileSync(good, 'Date,Price,Open,High,Low,Vol.,Change %\n3/13/2020,"5,625.40","4,873.10","5,965.30","4,001.00",102.82K,14.17%\n3/12/2020,"4,927.00","7,975.30","8,001.70","4,612.10",116.68K,-38.18%\n');
    const closes = readDailyCloses(good);
    expect(closes.get(Date.UTC(2020, 2, 13) / 86400_000)).toBe(5625.4);
    expect(closes.get(Date.UTC(2020, 2, 12) / 86400_000)).toBe(4927);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'Date,Price\n3/13/2020,"5,625.40"\n3/12/2020,n/a\n');
    expect(() => readDailyCloses(bad)).toThrow(`${bad}:3: Price: cannot read "n/a"`);
  });

  it('the shipped BTC/ETH fit states its source, commit and window, and is steeper in ETH’s down days than in calm ones', () => {
    const m = loadCoMovement('btc-usd-eth-usd');
    expect(m.regimes.down.beta).toBeGreaterThan(m.regimes.calm.beta);
    expect(m.threshold).toBe(0.05);
    const record = JSON.parse(readFileSync(m.source, 'utf8'));
    expect(record.sources.btc.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(record.sources.btc.repository).toBe('jay-darvas/btcusd');
    expect(record.window.returns).toBeGreaterThan(1000);
    expect(record.fit.lagCorrelation['0']).toBeGreaterThan(Math.abs(record.fit.lagCorrelation['1']));
  });
});

describe('correlated second path', () => {
  it('has the fitted slope and residual at the path’s own resolution, per regime, and is the same for the same stream', () => {
    // An hourly first path: calm with two 12 % falls in a day (down regime) and one rally.
    const rng = new Rng(3);
    const hours = 24 * 400;
    const returns = Array.from({ length: hours }, (_, i) => 0.006 * rng.normal() + (i % 2400 < 24 ? -0.005 : i % 2400 > 1200 && i % 2400 < 1224 ? 0.005 : 0));
    const price: bigint[] = [floatPriceToWei(2000)];
    for (const r of returns) price.push(floatPriceToWei(weiToFloat(price.at(-1) as bigint) * Math.exp(r)));
    const first = pathToCandles({ time: price.map((_, i) => 1_600_000_000 + i * 3600), price }, 'test path');
    const motion = { threshold: 0.05, regimes: { down: { beta: 0.9, residualVol: 0.02 }, calm: { beta: 0.6, residualVol: 0.016 }, up: { beta: 0.3, residualVol: 0.03 } } };
    const second = correlatedCandles(first, motion, floatPriceToWei(30000), new Rng(11), 'BTC');
    expect(second.open[0]).toBe(floatPriceToWei(30000));
    const regimes = regimesOf(first, 0.05);
    expect(regimes.filter((r) => r === 'down').length).toBeGreaterThan(20);
    for (const name of ['down', 'calm', 'up'] as const) {
      const idx = regimes.map((r, i) => (r === name ? i : -1)).filter((i) => i >= 0);
      const x = idx.map((i) => Math.log(weiToFloat(first.close[i] as bigint) / weiToFloat(first.open[i] as bigint)));
      const y = idx.map((i) => Math.log(weiToFloat(second.close[i] as bigint) / weiToFloat(second.open[i] as bigint)));
      const f = regress(x, y);
      const se = f.residualVol / (Math.sqrt(idx.length) * f.volEth);
      expect(Math.abs(f.beta - motion.regimes[name].beta)).toBeLessThan(4 * se);
      expect(f.residualVol / (motion.regimes[name].residualVol * Math.sqrt(1 / 24))).toBeCloseTo(1, 1);
    }
    for (let i = 0; i < second.time.length; i++) {
      expect(second.high[i]! >= second.open[i]! && second.high[i]! >= second.close[i]!).toBe(true);
      expect(second.low[i]! <= second.open[i]! && second.low[i]! <= second.close[i]!).toBe(true);
      if (i > 0) expect(second.open[i]).toBe(second.close[i - 1]);
    }
    expect(correlatedCandles(first, motion, floatPriceToWei(30000), new Rng(11), 'BTC').close).toEqual(second.close);
  });
});

describe('contagion through the cross-margin account', () => {
  const population = PopulationSchema.parse({
    openInterest: { long: '6000000', short: '6000000' },
    accounts: { long: 12, short: 12 },
    concentration: { top1: 0.15, top10: 0.9 },
    leverage: [{ leverage: 8, share: 1 }],
    depth: '30000000',
    feeShare: 0.2,
  });
  const environment = {
    name: 'contagion',
    profile: 'default',
    market: { id: 'ETH' },
    insuranceFund: '1000000000',
    invariants: 'block',
    snapshotInterval: 86400,
    // ETH's arbitrageur moves ETH's mark to the crash; BTC has none, so only liquidations move its mark.
    agents: [
      { kind: 'arbitrageur', count: 1, capital: '20000000', params: { interval: 60, latency: 12, leverage: 2 } },
      { kind: 'liquidator', count: 1, capital: '1000', params: { latency: 12 } },
      { kind: 'keeper', count: 1, capital: '1000' },
    ],
  };
  // Black Thursday's fall, from its 5-minute candles: ETH fell about 40 % within the day.
  const crash = { replay: 'w1_black_thursday', gapPolicy: 'carry-forward', startPrice: '2000', from: '2020-03-12T00:00', to: '2020-03-13T00:00' };
  // A second asset that does not move at all: whatever is liquidated in it is the first market's doing.
  const still = join(dir, 'still.json');
  writeFileSync(still, JSON.stringify({ fit: { threshold: 0.05, regimes: { down: { beta: 0, residualVol: 0 }, calm: { beta: 0, residualVol: 0 }, up: { beta: 0, residualVol: 0 } } } }));

  async function run(share: number | null) {
    const secondMarket = { id: 'BTC', depth: '30000000', startPrice: '30000', fit: still, ...(share ? { book: { share, side: 'same' } } : {}) };
    const scenario = parseRunScenario(JSON.stringify({ ...withPopulation(environment, population), prices: crash, secondMarket }));
    const config = await resolveRun(scenario);
    const events: LoggedEvent[] = [];
    const { summary, result } = await runSimulation(config, { sinks: [{ needsLine: false, write: (e) => events.push(e), close() {} }] });
    return { config, events, summary, ch: result.ch };
  }

  it('a loss in ETH liquidates the same accounts’ BTC positions while BTC’s price never moved', async () => {
    const { config, events, ch } = await run(0.5);
    const btc = config.markets[1]!;
    expect(new Set(btc.candles.close).size).toBe(1);
    const liquidated = events.filter((e) => e.type === 'PositionLiquidated');
    const inBtc = liquidated.filter((e) => e.market === 'BTC');
    const inEth = liquidated.filter((e) => e.market === 'ETH');
    expect(inEth.length).toBeGreaterThan(0);
    expect(inBtc.length).toBeGreaterThan(0);
    // Only longs (the side ETH's fall hurt) lose their BTC positions, and each was liquidated in ETH too.
    for (const e of inBtc) {
      expect(String(e.trader)).toMatch(/^long-/);
      expect(inEth.some((x) => x.trader === e.trader)).toBe(true);
    }
    // BTC's mark fell only because the liquidations sold into its vAMM.
    expect(weiToNumber(ch.market('BTC').vamm.spotPrice())).toBeLessThan(30000);
  }, 300_000);

  it('without the cross-margined BTC book nothing is liquidated in BTC, and the same crash liquidates ETH', async () => {
    const { events, config, summary } = await run(null);
    // The fund's flows name the book's accounts as holders (they never act, so no action names them).
    const byPayer = summary.insuranceFund.byPayer as Record<string, Record<string, string>>;
    expect(Number(byPayer.holder?.['bad-debt'])).toBeLessThan(0);
    expect(byPayer.unknown).toBeUndefined();
    expect(config.markets.map((m) => m.id)).toEqual(['ETH', 'BTC']);
    expect(events.filter((e) => e.type === 'PositionLiquidated' && e.market === 'BTC')).toEqual([]);
    expect(events.filter((e) => e.type === 'PositionLiquidated' && e.market === 'ETH').length).toBeGreaterThan(0);
  }, 300_000);

  it('opens each account in both markets at its stated account leverage over both notionals, half of it in BTC', async () => {
    const secondMarket = { id: 'BTC', depth: '30000000', startPrice: '30000', fit: still, book: { share: 0.5, side: 'same' } };
    const config = await resolveRun(parseRunScenario(JSON.stringify({ ...withPopulation(environment, population), prices: crash, secondMarket })));
    const ch = new Simulation(config, hostFor(config, 1), { needsLine: false, write() {}, close() {} }).ch;
    for (const id of ['long-1-1', 'short-12-1']) {
      let notional = 0;
      let pnl = 0;
      const held: Record<string, number> = {};
      for (const m of ['ETH', 'BTC']) {
        const pos = ch.position(id, m);
        const value = Math.abs(weiToNumber(pos.size)) * weiToNumber(ch.market(m).vamm.spotPrice());
        held[m] = value;
        notional += value;
        pnl += pos.size > 0n ? value - weiToNumber(pos.openNotional) : weiToNumber(pos.openNotional) - value;
      }
      const equity = weiToNumber(ch.accounts.get(id)!.collateral) + pnl;
      expect(notional / equity).toBeCloseTo(8, 3);
      expect(held.BTC! / held.ETH!).toBeCloseTo(0.5, 2);
    }
  });

  it('enters every position within 0.3 % of its market’s start price, on a skewed book, whichever side the second book takes', async () => {
    // Found by test/engine-run-property.test.ts: the slices were interleaved over both markets'
    // entries at once, so one market's longs were balanced by the other's shorts and each curve
    // wandered while the book went on (positions opened 6-9 % off the start price, each account
    // starting with that much unrealised PnL, and an opposite book refused at 8x).
    const skewed = PopulationSchema.parse({ ...population, openInterest: { long: '9000000', short: '3000000' } });
    for (const side of ['same', 'opposite']) {
      const secondMarket = { id: 'BTC', depth: '30000000', startPrice: '30000', fit: still, book: { share: 0.5, side } };
      const config = await resolveRun(parseRunScenario(JSON.stringify({ ...withPopulation(environment, skewed), prices: crash, secondMarket })));
      const ch = new Simulation(config, hostFor(config, 1), { needsLine: false, write() {}, close() {} }).ch;
      let checked = 0;
      for (const m of ['ETH', 'BTC']) {
        const start = weiToNumber(ch.market(m).vamm.spotPrice());
        for (const [id, account] of ch.accounts) {
          const pos = account.positions.get(m);
          if (!pos || pos.size === 0n || id.startsWith('skew')) continue;
          const entered = weiToNumber(pos.openNotional) / Math.abs(weiToNumber(pos.size));
          expect(Math.abs(entered / start - 1), `${side} ${m} ${id}`).toBeLessThan(0.003);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(40);
    }
  });

  it('refuses a second market named like the first, naming the field', () => {
    const text = JSON.stringify({ ...withPopulation(environment, population), prices: crash, secondMarket: { id: 'ETH', depth: '1000000', startPrice: '30000' } });
    expect(() => parseRunScenario(text, 'c.json')).toThrow(/secondMarket\.id.*first market's id/);
  });
});
