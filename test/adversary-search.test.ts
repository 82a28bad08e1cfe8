/**
 * The funding-cap study's adversary: CMA-ES optimises (a correlated quadratic, deterministically
 * for a seed, inside the box); the plan box decodes to plans that never overlap their pushes; on
 * a thin market with no arbitrage, where a planted plan (hold short, push long for most of each
 * hour, unwound before every settlement) is known to make money from the insurance fund, the
 * search from the study's own starts finds a plan at least half as good; the windows are drawn
 * by their stated rule.
 */
import { describe, expect, it } from 'vitest';
import { cmaEs, reflectIntoBox } from '../agents/cma-es.ts';
import { AttackEnv } from '../scenarios/studies/attack-env.ts';
import { PLAN_DIMENSION, PLAN_STARTS, decodePlan, planPoint } from '../scenarios/studies/adversary-plan.ts';
import { planSpec, scorePlan, searchPlans } from '../scenarios/studies/adversary-search.ts';
import { DEFAULT_WINDOW_RULE, classify, drawStudyWindows, splitWindows } from '../scenarios/studies/windows.ts';
import { hourlyCandleFile } from './helpers/synthetic-candles.ts';

describe('CMA-ES', () => {
  const target = [0.2, 0.7, 0.35, 0.9, 0.1, 0.55];
  // Correlated coordinates: a diagonal search (or CEM's) converges slowly here.
  const f = (x: Float64Array) => -target.reduce((s, t, i) => s + (i + 1) * (x[i]! - t + (i > 0 ? 0.9 * (x[i - 1]! - target[i - 1]!) : 0)) ** 2, 0);
  const score = async (cs: readonly Float64Array[]) => cs.map(f);

  it('finds the maximum of a correlated quadratic inside the box, and reports each generation', async () => {
    const r = await cmaEs(new Float64Array(6).fill(0.5), score, { maxGenerations: 150, sigma: 0.3, seed: 1 });
    r.best.forEach((v, i) => expect(Math.abs(v - target[i]!)).toBeLessThan(1e-3));
    expect(r.history.at(-1)!.bestSoFar).toBeGreaterThan(r.history[0]!.bestSoFar);
    expect(r.history.every((g, i) => i === 0 || g.bestSoFar >= r.history[i - 1]!.bestSoFar)).toBe(true);
    expect(r.evaluations).toBe(150 * (4 + Math.floor(3 * Math.log(6)) + 1));
  });

  it('is deterministic for a seed, another seed searches differently, and it stops once it stops improving', async () => {
    const settings = { maxGenerations: 40, sigma: 0.3, seed: 7 };
    const a = await cmaEs(new Float64Array(6).fill(0.5), score, settings);
    const b = await cmaEs(new Float64Array(6).fill(0.5), score, settings);
    expect(Array.from(b.best)).toEqual(Array.from(a.best));
    const c = await cmaEs(new Float64Array(6).fill(0.5), score, { ...settings, seed: 8 });
    expect(Array.from(c.best)).not.toEqual(Array.from(a.best));
    const flat = await cmaEs(new Float64Array(3).fill(0.5), async (cs) => cs.map(() => 1), { maxGenerations: 50, sigma: 0.3, seed: 1, patience: 5 });
    expect(flat.stopped).toBe('converged');
    expect(flat.history).toHaveLength(6);
  });

  it('stops when the best improves by less than a share of itself, or when its step has collapsed', async () => {
    // A score near 1M whose best creeps up by 5 USD a generation: an absolute tolerance of 1 USD
    // never ends it, a relative one of 0.1 % (1,000 USD) does after `patience` generations.
    const creeping = async (cs: readonly Float64Array[], generation: number) => cs.map((x) => 1e6 + 5 * generation - 1e-3 * x.reduce((a, v) => a + (v - 0.3) ** 2, 0));
    const absolute = await cmaEs(new Float64Array(3).fill(0.5), creeping, { maxGenerations: 30, sigma: 0.3, seed: 1, patience: 3, tolerance: 1 });
    expect(absolute.stopped).toBe('budget');
    const relative = await cmaEs(new Float64Array(3).fill(0.5), creeping, { maxGenerations: 30, sigma: 0.3, seed: 1, patience: 3, tolerance: 1, relativeTolerance: 1e-3 });
    expect(relative.stopped).toBe('converged');
    expect(relative.history).toHaveLength(4);
    const collapsed = await cmaEs(new Float64Array(6).fill(0.5), score, { maxGenerations: 200, sigma: 0.3, seed: 1, minSigma: 1e-3 });
    expect(collapsed.stopped).toBe('sigma');
    expect(collapsed.history.at(-1)!.spread).toBeLessThan(1e-3);
  });

  it('folds samples into the box by reflection', () => {
    expect(reflectIntoBox(0.3)).toBeCloseTo(0.3, 12);
    expect(reflectIntoBox(1.2)).toBeCloseTo(0.8, 12);
    expect(reflectIntoBox(-0.25)).toBeCloseTo(0.25, 12);
    expect(reflectIntoBox(2.1)).toBeCloseTo(0.1, 12);
  });
});

describe('the plan box', () => {
  const ctx = { depth: 10_000_000, seconds: 2 * 86400, fundingPeriod: 3600, leverage: 5 };
  it('decodes every corner to a valid plan whose push ends before its settlement and never overlaps the next', () => {
    for (let k = 0; k < 64; k++) {
      const x = Array.from({ length: PLAN_DIMENSION }, (_, i) => ((k >> i % 6) & 1) * (i % 2 ? 1 : 0.999));
      const p = decodePlan(x, 'short', ctx) as Record<string, number> as { pushLead: number; pushDuration: number; pushEvery: number; hold: number; push: number };
      expect(p.pushLead).toBeGreaterThanOrEqual(p.pushDuration);
      expect(p.pushLead).toBeLessThanOrEqual(p.pushEvery * 3600);
      expect(p.hold).toBeLessThanOrEqual(0.2 * ctx.depth + 0.01);
      expect(p.push).toBeLessThanOrEqual(4 * p.hold + 0.01);
    }
    expect(PLAN_STARTS).toHaveLength(3);
    expect(decodePlan(planPoint({ hold: 1 }), 'long', ctx)).toMatchObject({ side: 'long', hold: 2_000_000 });
  });
});

describe('the optimiser against a planted profitable plan', () => {
  it('finds a plan at least half as profitable on a thin market with no arbitrage, paid by the insurance fund', async () => {
    const environment = { name: 'planted', profile: 'default', insuranceFund: '1000000', invariants: 'block', market: { id: 'ETH' }, agents: [{ kind: 'keeper', count: 1, capital: '100' }] };
    const window = { label: 'flat day', class: 'calm', from: '2023-01-01T00:00:00Z', to: '2023-01-02T00:00:00Z', file: hourlyCandleFile(new Array(24).fill(1000)), resolution: 3600, drawdown: 0, move: 0, range: 0 } as const;
    const cell = { cap: { label: 'none', ratio: '0', window: 28800 }, depth: '500000', regime: { label: 'none', agents: [] } };
    const env = await AttackEnv.create(environment, cell, [{ window, seed: 1 }], { capital: '200000' });
    const ctx = { depth: 500_000, seconds: 86400, fundingPeriod: 3600, leverage: 5 };
    // The planted plan: short 50k, push long 100k from 55 to 5 minutes before every settlement.
    const planted = await env.run(0, { kind: 'plan-manipulator', params: { side: 'short', hold: 50_000, push: 100_000, pushLead: 3300, pushDuration: 3000, pushEvery: 1, slice: 50_000, interval: 60, leverage: 5 } });
    expect(planted.pnl.total).toBeGreaterThan(10_000);
    expect(planted.pnl.fundingPaidBy['insurance fund']).toBeCloseTo(planted.pnl.funding, 6);

    const starts = await Promise.all(PLAN_STARTS.map((x) => scorePlan(env, [0], x, 'short', ctx)));
    const found = await searchPlans(env, [0], ctx, { generations: 8, sigma: 0.3, patience: 4, seed: 1 }, PLAN_STARTS.map((x) => ({ side: 'short' as const, x })));
    expect(found.best.trainScore).toBeGreaterThan(0.5 * planted.pnl.total);
    expect(found.best.trainScore).toBeGreaterThan(Math.max(...starts));
    // It is what the search says: the plan replays to the same score, and the fund paid it.
    const replay = await env.run(0, planSpec(found.best.x, found.best.side, ctx));
    expect(replay.pnl.total).toBeCloseTo(found.best.trainScore, 6);
    expect(replay.pnl.fundingPaidBy['insurance fund']).toBeGreaterThan(0);
    // The convergence report: one line per generation per start, best-so-far never falling.
    for (const s of found.starts) {
      expect(s.generations.length).toBeGreaterThan(0);
      expect(s.generations.every((g, i) => i === 0 || g.bestSoFar >= s.generations[i - 1]!.bestSoFar)).toBe(true);
    }
  }, 120_000);
});

describe('history windows', () => {
  it('classifies by the stated rule', () => {
    expect(classify({ drawdown: 0.2, move: 0.1, range: 0.3 })).toBe('crash');
    expect(classify({ drawdown: 0.05, move: -0.08, range: 0.1 })).toBe('trending');
    expect(classify({ drawdown: 0.03, move: 0.01, range: 0.05 })).toBe('calm');
    expect(classify({ drawdown: 0.1, move: 0.01, range: 0.12 })).toBeNull();
    expect(DEFAULT_WINDOW_RULE).toMatchObject({ days: 2, crashDrawdown: 0.15, trendMove: 0.07, calmRange: 0.06 });
  });

  it('draws ≥ 30 non-overlapping windows across 2017–2026, each of its class, with a train/held-out split', async () => {
    const windows = await drawStudyWindows({ perClass: 11, seed: 1 });
    expect(windows).toHaveLength(33);
    for (const w of windows) expect(classify(w)).toBe(w.class);
    const starts = windows.map((w) => Date.parse(w.from));
    starts.forEach((s, i) => i > 0 && expect(s - starts[i - 1]!).toBeGreaterThanOrEqual(2 * 86400_000));
    expect(new Date(starts[0]!).getUTCFullYear()).toBeLessThanOrEqual(2018);
    expect(new Date(starts.at(-1)!).getUTCFullYear()).toBeGreaterThanOrEqual(2025);
    expect(windows.some((w) => w.resolution === 300)).toBe(true);
    const { train, test } = splitWindows(windows, 1, 1);
    expect(train.map((w) => w.class).sort()).toEqual(['calm', 'crash', 'trending']);
    expect(test).toHaveLength(30);
    expect(test.some((w) => train.includes(w))).toBe(false);
    expect(await drawStudyWindows({ perClass: 11, seed: 1 })).toEqual(windows);
  }, 60_000);
});
