/**
 * The insurance study's premise and logic on cases with known answers. The premise: a run on a
 * fund seeded far above any loss shows the drawdown D, and a fund of size F would have been
 * exhausted exactly when D > F, socialising D − F. Checked on a whale bankrupted on Black
 * Thursday with no fee or penalty income (so the fund's only flow is the bad debt): empty fund,
 * everything socialised; a fund of 1,000 covers 1,000 and socialises the rest; a deep fund
 * covers it all and its drawdown is the whole bad debt. Then the analysis on synthetic rows.
 */
import { describe, expect, it } from 'vitest';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { type InsuranceConfig, InsuranceConfigSchema, analyseInsurance, insuranceMetrics, insuranceSweep } from '../scenarios/studies/insurance.ts';
import { insuranceDocument } from '../scenarios/studies/insurance-report.ts';
import { chartsOf } from '../reports/document.ts';
import { renderMarkdown } from '../reports/render/markdown.ts';
import type { SweepPoint, SweepRow } from '../scenarios/sweep.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';

const environment = {
  name: 'bankrupt-whale',
  profile: 'default',
  // No fee share and no penalty: the fund's only flow is the bad debt.
  clearingHouse: { insuranceFundFeeShare: '0', liquidationFeeRatio: '0' },
  market: { id: 'ETH', depth: '2000000' },
  invariants: 'action',
  agents: [
    { kind: 'noise', count: 4, capital: '20000', params: { meanInterval: 1800, maxLeverage: 9 } },
    { kind: 'whale', count: 1, capital: '100000', params: { side: 'long', margin: 50000, leverage: 9, openAfter: 600 } },
    { kind: 'arbitrageur', count: 1, capital: '2000000', params: { interval: 60 } },
    // A liquidator that misses nine wakes in ten: the whale goes under before it is closed.
    { kind: 'liquidator', count: 1, capital: '100', params: { latency: 12, missProbability: 0.9 } },
  ],
};
const crash = { file: 'w1_black_thursday', gapPolicy: 'carry-forward', from: '2020-03-12T00:00', to: '2020-03-13T00:00' };

async function run(fund: string) {
  const s = parseRunScenario(JSON.stringify({ ...environment, prices: crash, insuranceFund: fund }));
  return (await runSimulation(await resolveRun(s))).summary;
}

describe('insurance study: the counterfactual fund', () => {
  it('empty fund: all bad debt socialised; fund F: F covered, the rest socialised; deep fund: drawdown = bad debt', async () => {
    const [empty, small, deep] = await Promise.all([run('0'), run('1000'), run('100000000')]);
    const badDebt = Number(deep.badDebt.total);
    expect(badDebt).toBeGreaterThan(1000);
    expect(Number(deep.badDebt.socialised)).toBe(0);
    expect(deep.insuranceFund.maxDrawdown).toBe(deep.badDebt.total);

    expect(empty.badDebt.total).toBe(deep.badDebt.total);
    expect(empty.badDebt.socialised).toBe(empty.badDebt.total);
    expect(Number(empty.badDebt.coveredByInsuranceFund)).toBe(0);

    expect(small.badDebt.total).toBe(deep.badDebt.total);
    expect(Number(small.badDebt.coveredByInsuranceFund)).toBe(1000);
    expect(Number(small.badDebt.socialised)).toBeCloseTo(badDebt - 1000, 9);

    // The study's metrics split it by horizon: nothing in the first hour, all of it within the day.
    const config = { horizons: [3600, 86400] } as InsuranceConfig;
    const m = insuranceMetrics(config, deep, {} as SweepPoint) as { badDebt: number[]; drawdown: number[]; socialised: number };
    expect(m.badDebt).toEqual([0, badDebt]);
    expect(m.drawdown).toEqual([0, badDebt]);
    expect(m.socialised).toBe(0);
  }, 120_000);
});

const config: InsuranceConfig = InsuranceConfigSchema.parse({
  environment: { ...environment, insuranceFund: '100000000' },
  paths: { generator: 'bootstrap', history: { file: 'eth_usdt_binance_spot_1h', from: '2022-01-01', to: '2022-03-01' }, count: 1000, horizon: 86400, startPrice: '2000', startTime: '2026-01-01' },
  horizons: [3600, 86400],
  targets: [0.01, 0.001, 0.0001],
  replays: [{ label: 'crash', file: 'w1_black_thursday', gapPolicy: 'carry-forward' }],
  sensitivity: { paths: 100, factors: [{ label: 'latency', levels: [{ label: 'slow', set: { 'agents[kind=liquidator].params.latency': 600 } }] }] },
});

const row = (index: number, set: string, drawdown: number, extra: Record<string, string | number> = {}): SweepRow => ({
  index,
  key: String(index),
  values: { 'prices.path': index, 'label.set': set, ...extra },
  seed: 1,
  ok: true,
  metrics: { badDebt: [drawdown / 2, drawdown], drawdown: [0, drawdown], socialised: 0, liquidations: 1 },
});

describe('insurance study: sweep and analysis', () => {
  it('sweeps every path, the replays, then each sensitivity level on the first paths', () => {
    const spec = insuranceSweep(config);
    expect(spec.points).toHaveLength(1000 + 1 + 100);
    expect(spec.points[999]).toEqual({ 'prices.path': 999, 'label.set': 'base' });
    expect(spec.points[1000]).toMatchObject({ prices: { replay: 'w1_black_thursday', startPrice: '2000' }, 'label.replay': 'crash' });
    expect(spec.points[1001]).toEqual({ 'agents[kind=liquidator].params.latency': 600, 'prices.path': 0, 'label.set': 'latency: slow' });
    expect(() => insuranceSweep({ ...config, horizons: [172800] })).toThrow(/longer than the paths/);
    expect(() => insuranceSweep({ ...config, sensitivity: { paths: 5, factors: [{ label: 'x', levels: [{ label: 'y', set: { 'agents[kind=manipulator].params.latency': 1 } }] }] } })).toThrow(/no element has kind = manipulator/);
  });

  it('sizes the fund from the drawdown quantiles, bounds what it can and says what it cannot', () => {
    // Drawdowns 1..1000 USD, one per path: P(D > F) = (1000 − F) / 1000 exactly.
    const rows = Array.from({ length: 1000 }, (_, i) => row(i, 'base', i + 1));
    rows.push(row(1000, 'replay', 5000, { 'label.replay': 'crash' }));
    for (let i = 0; i < 100; i++) rows.push(row(1001 + i, 'latency: slow', 2 * (i + 1), { 'prices.path': i }));
    const r = analyseInsurance(config, rows);
    const day = r.horizons[1]!;
    expect(day.paths).toBe(1000);
    const [t1, t01, t001] = day.targets;
    expect(t1!.fund.estimate).toBe(990);
    expect(t1!.fund.low).toBeLessThan(990);
    expect(t1!.fund.high).toBeGreaterThan(990);
    // The worst 1 %: 991..1000, mean 995.5; beyond a fund of 990 the mean loss is 5.5.
    expect(t1!.expectedShortfall.estimate).toBe(995.5);
    expect(t1!.lossGivenExhaustion).toBe(5.5);
    expect(t01!.fund.estimate).toBe(999);
    // 1,000 paths cannot bound the 0.01 % quantile from above.
    expect(t001!.fund.high).toBeNull();
    expect(day.curve[0]).toMatchObject({ fund: 0, p: { estimate: 1 } });
    expect(day.badDebt.max).toBe(1000);
    // The replay is worse than every generated path.
    expect(r.replays[0]).toMatchObject({ label: 'crash', drawdown: 5000, exceededBy: { estimate: 0 } });
    // Sensitivity against the base on the same 100 paths: twice the drawdown.
    expect(r.sensitivity[0]!.meanDrawdown.estimate).toBe(101);
    expect(r.sensitivity[0]!.base.meanDrawdown).toBe(50.5);
    expect(r.sensitivity[0]!.pBadDebt.estimate).toBe(1);
    // The recommendation: the strictest bounded target's upper bound, raised to the worst replay.
    expect(r.recommendation.target).toBe(0.01);
    expect(r.recommendation.fund).toBe(5000);
    expect(r.recommendation.reasoning).toMatch(/raised to cover the worst replayed crash \(crash, 5,000 USD\)/);
    expect(r.recommendation.reasoning).toMatch(/0\.1 % and 0\.01 % need more paths than 1,000/);
    const doc = insuranceDocument(config, r);
    expect(renderMarkdown(doc)).toMatch(/\*\*recommended fund\*\* 5,000 USD/);
    expect(chartsOf(doc).map((c) => c.id)).toEqual(['insurance-sizing']);
  });

  it('warns when the seeded fund ran dry, and leaves failed runs out', () => {
    const rows = [row(0, 'base', 10), { ...row(1, 'base', 20), metrics: { badDebt: [0, 30], drawdown: [0, 20], socialised: 10, liquidations: 1 } }, { ...row(2, 'base', 0), ok: false, metrics: null, error: 'boom' }];
    const r = analyseInsurance(config, rows);
    expect(r.generated).toBe(2);
    expect(r.failed).toBe(1);
    expect(r.warnings.join(' ')).toMatch(/On 1 runs the seeded fund ran dry/);
    expect(r.warnings.join(' ')).toMatch(/1 runs failed/);
  });
});
