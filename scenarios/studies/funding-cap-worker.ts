/**
 * One task of the funding-cap study, run in a pool worker: the adversary's chain over the caps
 * for a depth and a regime (search on the training episodes, then judge the plan on the held-out
 * ones), or the honest market on every window per cap.
 */
import type { Json } from '../../sim/state-view.ts';
import { AttackEnv, type AttackCell, type EpisodeOutcome, type Episode } from './attack-env.ts';
import { PLAN_STARTS, type PlanContext, type PlanSide } from './adversary-plan.ts';
import { planSpec, scorePlan, searchPlans } from './adversary-search.ts';
import { type AttackRowMetrics, type EpisodeRecord, type HonestEpisode, type HonestRowMetrics, type TaskInput, type TaskOutput, capPerDay } from './funding-cap.ts';

function record(e: Episode, o: EpisodeOutcome): EpisodeRecord {
  const p = o.pnl;
  return {
    window: e.window.label,
    class: e.window.class,
    seed: e.seed,
    total: p.total,
    staleMarkGain: p.staleMarkGain,
    funding: p.funding,
    vammTrading: p.vammTrading,
    hedge: p.hedge,
    fees: p.fees,
    gas: p.gas,
    hedgeCosts: p.hedgeTradingCosts,
    hedgeFunding: p.hedgeFunding,
    penalties: p.penalties,
    insuranceFundPaid: o.market.insuranceFundPaid,
    fundingPaidBy: p.fundingPaidBy,
    trades: p.trades,
    peakNotional: p.peakNotional,
  };
}

export default async function runTask(input: TaskInput): Promise<TaskOutput> {
  const { config: c, windows, task } = input;
  const regime = c.regimes.find((r) => r.label === task.regime);
  if (!regime) throw new Error(`no regime ${task.regime}`);
  const caps = [...c.caps].sort((a, b) => capPerDay(b) - capPerDay(a));
  const done = new Map(input.done.map((d) => [d.cap, d.metrics]));
  const days = c.windows.days;
  const env = c.environment as { market?: { funding?: { fundingPeriod?: number } } };
  const ctx: PlanContext = { depth: Number(task.depth), seconds: days * 86400, fundingPeriod: env.market?.funding?.fundingPeriod ?? 3600, leverage: c.leverage };
  const capital = (Number(task.depth) * c.capitalShare).toFixed(0);
  const options = { capital, hedgeCosts: c.hedgeCosts, ...(input.dataDir ? { dataDir: input.dataDir } : {}) };
  const rows: Array<{ cap: string; metrics: Json }> = [];

  if (task.kind === 'honest') {
    const episodes = [...windows.train, ...windows.test].flatMap((window) => c.costSeeds.map((seed) => ({ window, seed })));
    for (const cap of caps) {
      if (done.has(cap.label)) continue;
      const started = performance.now();
      const cell: AttackCell = { cap, depth: task.depth, regime: { label: regime.label, agents: regime.agents as Json[] } };
      const attackEnv = await AttackEnv.create(c.environment, cell, episodes, options);
      const out: HonestEpisode[] = [];
      for (const [i, e] of episodes.entries()) {
        const m = (await attackEnv.run(i, null)).market;
        out.push({ window: e.window.label, class: e.window.class, seed: e.seed, trackingError: m.trackingError, maxGap: m.maxGap, fundingPaidPerDay: m.fundingPaidByTraders / days, meanAbsFundingRate: m.meanAbsFundingRate, insuranceFundPaid: m.insuranceFundPaid, capped: m.capped, settlements: m.settlements });
      }
      const metrics: HonestRowMetrics = { kind: 'honest', episodes: out, runs: episodes.length, seconds: (performance.now() - started) / 1000 };
      rows.push({ cap: cap.label, metrics: metrics as unknown as Json });
    }
    return { rows };
  }

  const train = windows.train.flatMap((window) => c.trainSeeds.map((seed) => ({ window, seed })));
  const test = windows.test.flatMap((window) => c.seeds.map((seed) => ({ window, seed })));
  const trainIdx = train.map((_, i) => i);
  // Resume after the last cap done, from its plan.
  let previous: { side: PlanSide; x: readonly number[] } | null = null;
  for (const cap of caps) {
    const d = done.get(cap.label) as unknown as AttackRowMetrics | undefined;
    if (d) previous = { side: d.side as PlanSide, x: d.x };
  }
  for (const cap of caps) {
    if (done.has(cap.label)) continue;
    const started = performance.now();
    const cell: AttackCell = { cap, depth: task.depth, regime: { label: regime.label, agents: regime.agents as Json[] } };
    const attackEnv = await AttackEnv.create(c.environment, cell, [...train, ...test], options);
    let runs = 0;
    let starts: Array<{ side: PlanSide; x: readonly number[] }>;
    let budget;
    if (previous) {
      starts = [previous];
      budget = { generations: c.search.warmGenerations, sigma: c.search.warmSigma, patience: c.search.patience, seed: c.search.seed, ...(c.search.population ? { population: c.search.population } : {}) };
    } else {
      // Each side starts from the best of the study's starting plans on the training episodes.
      starts = [];
      for (const side of c.search.sides) {
        let best = { x: PLAN_STARTS[0] as readonly number[], score: Number.NEGATIVE_INFINITY };
        for (const x of PLAN_STARTS) {
          const score = await scorePlan(attackEnv, trainIdx, x, side, ctx);
          runs += trainIdx.length;
          if (score > best.score) best = { x, score };
        }
        starts.push({ side, x: best.x });
      }
      budget = { generations: c.search.generations, sigma: c.search.sigma, patience: c.search.patience, seed: c.search.seed, ...(c.search.population ? { population: c.search.population } : {}) };
    }
    const found = await searchPlans(attackEnv, trainIdx, ctx, budget, starts);
    runs += found.evaluations;
    const spec = planSpec(found.best.x, found.best.side, ctx);
    const trainRecords: EpisodeRecord[] = [];
    for (const [i, e] of train.entries()) trainRecords.push(record(e, await attackEnv.run(i, spec)));
    const heldOut: EpisodeRecord[] = [];
    for (const [k, e] of test.entries()) heldOut.push(record(e, await attackEnv.run(train.length + k, spec)));
    runs += train.length + test.length;
    previous = { side: found.best.side, x: found.best.x };
    const metrics: AttackRowMetrics = {
      kind: 'attack',
      side: found.best.side,
      x: found.best.x,
      params: found.best.params,
      trainScore: found.best.trainScore,
      starts: found.starts,
      train: trainRecords,
      heldOut,
      runs,
      seconds: (performance.now() - started) / 1000,
    };
    rows.push({ cap: cap.label, metrics: metrics as unknown as Json });
  }
  return { rows };
}
