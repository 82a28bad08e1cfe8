/**
 * The cascade screen (scenarios/studies/cascade-screen.ts) and stratification on it: the screen is
 * a pure function of a path (same walk, same result, whatever was screened before; a study's
 * screen of the same returns and donor draws); it ranks a fall that brings the leveraged book to
 * maintenance, and the shipped Black Thursday crash, above calm paths; it sees a wick inside an
 * hour that closes flat (the drawn 5-minute shape) and closes a fast fall late (the 15-minute
 * TWAP); the stratified estimator on its strata is unbiased (a synthetic population with a known
 * P); and a study config naming an unknown score is refused with the file and field.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCandles } from '../data/candle-loader.ts';
import { resolveDataFile } from '../data/catalog.ts';
import { intrabarLibrary, libraryOf } from '../data/intrabar.ts';
import { Rng } from '../data/prng.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { weiToFloat } from '../data/wei-text.ts';
import { fastTicks } from '../sim/engine/price-timeline.ts';
import { type IndexPoints, cascadeScreen, screenScore } from '../scenarios/studies/cascade-screen.ts';
import { STUDIES, loadStudyConfig } from '../scenarios/studies/registry.ts';
import { DEFAULT_SCREEN, arbitrageRoom, screenMarket, studyScreen } from '../scenarios/studies/screen-market.ts';
import { indexWalk } from '../scenarios/studies/screen-walk.ts';
import { cutStrata, stratumOf } from '../scenarios/studies/strata.ts';
import { exceedance, stratifiedSamples } from '../scenarios/studies/tail.ts';
import type { InsuranceConfig } from '../scenarios/studies/insurance.ts';

const study = STUDIES.insurance;
const bundled = loadStudyConfig(study, study.defaultConfig) as InsuranceConfig;
const market = screenMarket(bundled);

/** A calm hourly path: Gaussian returns of `sigma` an hour. */
function calm(rng: Rng, hours: number, sigma: number): Float64Array {
  return Float64Array.from({ length: hours }, () => sigma * rng.normal());
}

/** The walk of a path's hourly closes (no intrabar shapes), copied out of the walk's buffers. */
function hourly(returns: Float64Array): IndexPoints {
  const w = indexWalk(market.startPrice, null)(returns, null);
  return { time: w.time.slice(), price: w.price.slice() };
}

describe('cascade screen', () => {
  it('is a pure function of the walk: the same walk gives the same result whatever was screened before', () => {
    const screen = cascadeScreen(market);
    const fresh = () => cascadeScreen(market);
    fc.assert(
      fc.property(fc.array(fc.double({ min: -0.08, max: 0.08, noNaN: true }), { minLength: 1, maxLength: 168 }), fc.array(fc.double({ min: -0.08, max: 0.08, noNaN: true }), { minLength: 1, maxLength: 168 }), (a, b) => {
        const path = hourly(Float64Array.from(a));
        const first = screen(path);
        screen(hourly(Float64Array.from(b)));
        expect(screen(path)).toEqual(first);
        expect(fresh()(path)).toEqual(first);
        expect(first.drawdown).toBeGreaterThanOrEqual(0);
        expect(first.badDebt).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 60 },
    );
  });

  it("is, for a study, a pure function of the path's returns and its donor draws", async () => {
    const screen = studyScreen(bundled, await intrabarLibrary(findDataDir()));
    const fresh = studyScreen(bundled, await intrabarLibrary(findDataDir()));
    const rng = new Rng(17);
    const paths = Array.from({ length: 6 }, () => calm(rng, 168, 0.012));
    const first = paths.map((r, i) => screen(r, i));
    // Other paths, and the same returns under other donor draws, screened in between.
    paths.forEach((r, i) => screen(r, i + 100));
    expect(paths.map((r, i) => screen(r, i))).toEqual(first);
    expect(paths.map((r, i) => fresh(r, i))).toEqual(first);
    // The donors are the path's own: the same returns with another path's draws walk other shapes.
    expect(paths.map((r, i) => screen(r, i + 100))).not.toEqual(first);
  });

  it('sees nothing on a flat path and ranks a fall that brings the 10x/12x longs to maintenance together above calm paths', () => {
    const screen = cascadeScreen(market);
    expect(screen(hourly(new Float64Array(168)))).toEqual({ drawdown: 0, badDebt: 0, liquidated: 0, liquidations: 0 });
    // 8 % down at one tick: the 12x longs (8.3 % margin) and the 10x ones (10 %) are past
    // maintenance together, the TWAP holds their closes back for minutes, and those closes sell
    // into a curve the arbitrageurs cannot refill in time: bad debt.
    const fast = new Float64Array(168);
    fast[24] = Math.log(0.92);
    const cascade = screen(hourly(fast));
    expect(cascade.drawdown).toBeGreaterThan(0);
    expect(cascade.badDebt).toBeGreaterThan(0);
    // The same fall over 12 hours: the partial liquidations keep pace and the arbitrageurs refill the curve.
    const slow = new Float64Array(168);
    for (let t = 24; t < 36; t++) slow[t] = Math.log(0.92) / 12;
    expect(screenScore(screen(hourly(slow)))).toBeLessThan(screenScore(cascade));
    const rng = new Rng(3);
    const calmScores = Array.from({ length: 200 }, () => screenScore(screen(hourly(calm(rng, 168, 0.002)))));
    expect(Math.max(...calmScores)).toBeLessThan(screenScore(cascade));
  });

  it('ranks the shipped Black Thursday week, walked as the fast feed walks its candles, above calm paths, and above the same week with the arbitrageurs holding twice the room', async () => {
    const candles = await loadCandles(resolveDataFile('w1_black_thursday', () => findDataDir()), { gapPolicy: 'carry-forward' });
    // The week rescaled to the study's start price, at the feed's ticks (seconds from its start).
    const ticks = fastTicks(candles);
    const scale = market.startPrice / weiToFloat(candles.open[0] as bigint);
    const crash = { time: Float64Array.from(ticks, (t) => t.time - (candles.time[0] as number)), price: Float64Array.from(ticks, (t) => weiToFloat(t.price) * scale) };
    const screen = cascadeScreen(market);
    const crashScore = screenScore(screen(crash));
    const rng = new Rng(5);
    const hours = Math.round((crash.time.at(-1) as number) / 3600);
    const calmScores = Array.from({ length: 100 }, () => screenScore(screen(hourly(calm(rng, hours, 0.006)))));
    expect(Math.max(...calmScores)).toBeLessThan(crashScore);
    // A market whose arbitrageurs hold more absorbs more of the cascade: the room is in the screen.
    const deeper = cascadeScreen(screenMarket(bundled, { ...DEFAULT_SCREEN, inventoryScale: 2 }));
    expect(screenScore(deeper(crash))).toBeLessThanOrEqual(crashScore);
  });

  it('sees a wick inside an hour that closes flat: the drawn 5-minute shape runs 12 % under the open for a quarter of an hour', () => {
    // Two donors: a flat hour a touch up, and an hour that closes where it opened after 15 minutes 12 % down.
    const bars = (level: (j: number) => number) => Float64Array.from({ length: 48 }, (_, k) => level(Math.floor(k / 4)));
    const spike = bars((j) => (j >= 3 && j < 6 ? Math.log(0.88) : 0));
    const lib = libraryOf([{ ret: 0.001, shape: bars((j) => (0.001 * (j + 1)) / 12) }, { ret: 0, shape: spike }], ['test']);
    // One hour of the week closes flat (return 0): it alone draws the spike (the nearest donor).
    const returns = new Float64Array(168).fill(0.001);
    returns[30] = 0;
    const walk = indexWalk(market.startPrice, { library: lib, calmRange: 0.015, neighbours: 1 });
    const points = walk(returns, new Rng(1));
    const open = market.startPrice * Math.exp(0.03);
    expect(Math.min(...points.price) / open).toBeCloseTo(0.88, 6);
    const screen = cascadeScreen(market);
    const withShapes = screen(points);
    const closesOnly = screen(hourly(returns));
    expect(closesOnly.drawdown).toBe(0);
    // The 12x longs (maintenance 2 % under the open, bankrupt at 8.3 %) are closed past bankruptcy.
    expect(withShapes.badDebt).toBeGreaterThan(0);
    expect(screenScore(withShapes)).toBeGreaterThan(screenScore(closesOnly));
  });

  it('closes a fast fall late, as the contracts do (the trader-favourable of spot and the 15-minute TWAP): more bad debt than a spot check', () => {
    // 12 % down in 10 minutes at the fast feed's 100-second ticks, then held for two hours.
    const time = Float64Array.from({ length: 80 }, (_, t) => 3600 + 100 * t);
    const price = Float64Array.from(time, (_, t) => market.startPrice * Math.exp((Math.log(0.88) * Math.min(t + 1, 6)) / 6));
    const late = cascadeScreen(market)({ time, price });
    const spot = cascadeScreen({ ...market, twapWindow: 0 })({ time, price });
    expect(late.liquidations).toBeGreaterThan(0);
    expect(late.badDebt).toBeGreaterThan(spot.badDebt);
  });

  it('does not let a rally that filled the arbitrageurs\' short room shield the longs from the crash after it (their limit is on notional at the mark)', () => {
    const screen = cascadeScreen(market);
    // +50 % over a day (the arbitrageurs sell the mark down into it and end short), then −70 % over the next.
    const path = new Float64Array(168);
    for (let t = 0; t < 24; t++) path[t] = Math.log(1.5) / 24;
    for (let t = 24; t < 48; t++) path[t] = Math.log(0.3) / 24;
    // The same close reached by the fall alone.
    const fallOnly = new Float64Array(168);
    for (let t = 24; t < 48; t++) fallOnly[t] = Math.log(0.45) / 24;
    // Were their room counted in the quote they sold (it never frees), the mark would stay above
    // the index through the fall, the longs would keep their spot value and go unliquidated.
    expect(screen(hourly(path)).badDebt).toBeGreaterThan(10 * screen(hourly(fallOnly)).badDebt);
  });

  it('gives a withdrawn arbitrage population no room (the stress sets their least edge to 100 %)', () => {
    const agents = (bundled.environment as { agents: Array<Record<string, unknown>> }).agents;
    expect(arbitrageRoom(agents)).toBeGreaterThan(0);
    const withdrawn = agents.map((a) => (a.kind === 'arbitrageur' || a.kind === 'searcher' ? { ...a, params: { ...(a.params as object), minEdge: 1 } } : a));
    expect(arbitrageRoom(withdrawn)).toBe(0);
  });
});

describe('stratification on a score', () => {
  it('is unbiased whatever the score: strata cut on a noisy screen estimate a known P (mean over designs within 3 standard errors)', () => {
    // Loss = a latent severity plus noise; the screen sees the severity through its own noise.
    // P(loss > 3) is known by construction from a large sample.
    const rng = new Rng(11);
    const n = 20_000;
    const latent = Float64Array.from({ length: n }, () => rng.normal());
    const loss = (i: number, r: Rng) => (latent[i] as number) + 0.6 * r.normal();
    const truthRng = new Rng(99);
    let truthHits = 0;
    const truthDraws = 400_000;
    for (let k = 0; k < truthDraws; k++) if (rng.normal() + 0.6 * truthRng.normal() > 2.5) truthHits++;
    const truth = truthHits / truthDraws;
    const screen = Float64Array.from(latent, (x) => x + 0.8 * rng.normal());
    const estimates: number[] = [];
    for (let rep = 0; rep < 200; rep++) {
      // Each design draws its candidates afresh (a permutation of which candidates come first).
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      const scores = Float64Array.from(order, (i) => screen[i] as number);
      const design = cutStrata(scores, { tails: [0.1, 0.01], perStratum: [40, 40, 40] });
      const strata = design.chosen.map((idx, h) => ({ weight: design.weights[h] as number, xs: idx.map((i) => loss(order[i] as number, rng)) }));
      expect(design.chosen.every((idx, h) => idx.every((i) => stratumOf(design.cuts, scores[i] as number) === h))).toBe(true);
      estimates.push(exceedance(stratifiedSamples(strata), 2.5).estimate);
    }
    const mean = estimates.reduce((a, b) => a + b, 0) / estimates.length;
    const se = Math.sqrt(estimates.reduce((a, b) => a + (b - mean) ** 2, 0) / (estimates.length - 1) / estimates.length);
    expect(Math.abs(mean - truth)).toBeLessThan(3 * se + 0.02 * truth);
  });

  it('takes runs per stratum per generator (with a default), and refuses a generator with none', async () => {
    const paths = { ...bundled.paths, generators: ['bootstrap', 'merton'] as InsuranceConfig['paths']['generators'], candidates: 2_000, plain: { generator: 'bootstrap' as const, count: 2 } };
    const base = { ...bundled, crashes: [], stresses: [], convergence: undefined, grid: undefined, adaptiveCheck: undefined };
    const spec = await study.sweep({ ...base, paths: { ...paths, perStratum: { bootstrap: [3, 2, 1, 1], default: [1, 1, 1, 2] } } });
    const count = (g: string, h: number) => spec.points.filter((p) => p['label.set'] === 'paths' && p['label.generator'] === g && p['label.stratum'] === h).length;
    expect([0, 1, 2, 3].map((h) => count('bootstrap', h))).toEqual([3, 2, 1, 1]);
    expect([0, 1, 2, 3].map((h) => count('merton', h))).toEqual([1, 1, 1, 2]);
    await expect(study.sweep({ ...base, paths: { ...paths, perStratum: { bootstrap: [3, 2, 1, 1] } } })).rejects.toThrow(/paths\.perStratum gives no counts for merton/);
    await expect(study.sweep({ ...base, paths: { ...paths, perStratum: { bootstrap: [3, 2, 1], merton: [1, 1, 1, 1] } } })).rejects.toThrow(/paths\.perStratum \(bootstrap\) needs 4 counts/);
  });

  it('refuses a study config naming an unknown score, with the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vamm-score-'));
    try {
      const file = join(dir, 'insurance.json');
      const json = JSON.parse(readFileSync(study.defaultConfig, 'utf8'));
      json.paths.score = 'largest-drawdown';
      writeFileSync(file, JSON.stringify(json, null, 2));
      expect(() => loadStudyConfig(study, file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*paths\\.score`, 's'));
      json.paths.score = 'cascade';
      writeFileSync(file, JSON.stringify(json, null, 2));
      expect((loadStudyConfig(study, file) as InsuranceConfig).paths.score).toBe('cascade');
      expect(bundled.paths.score).toBe('largest-move');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
