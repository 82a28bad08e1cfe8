/**
 * One task of the funding-cap study, run in a pool worker: the adversary's chain over the caps
 * for a depth and a regime (search on the training episodes, then judge the plan on the held-out
 * ones), or the honest market on every window per cap.
 */
import { crossEntropyMethod } from '../../agents/cem.ts';
import { parameterCount } from '../../data/mlp.ts';
import { POLICY_SPEC } from '../../agents/adaptive-manipulator.ts';
import { policySpec } from '../../agents/manipulator-training.ts';
import { seedFrom } from '../../data/prng.ts';
import type { Json } from '../../sim/state-view.ts';
import { AttackEnv, type AttackCell, type EpisodeOutcome, type Episode } from './attack-env.ts';
import { PLAN_STARTS, type PlanContext, type PlanSide } from './adversary-plan.ts';
import { planSpec, scorePlan, searchPlans } from './adversary-search.ts';
import type { StudyWindow } from './windows.ts';
import { type AttackRowMetrics, type EpisodeRecord, type FundingCapConfig, type HonestEpisode, type HonestRowMetrics, type LearnedReport, type TaskInput, type TaskOutput, capPerDay, studyRegime } from './funding-cap.ts';

/**
 * The learned adversary in one cell: CEM over the policy network's weights from `start` (the
 * zero network, "do nothing", or the looser cap's policy), scored by the mean whole P&L on the
 * training episodes.
 */
async function trainLearned(c: FundingCapConfig, env: AttackEnv, train: readonly number[], depth: number, start: readonly number[] | null, cap: string): Promise<LearnedReport> {
  const l = c.learned as NonNullable<FundingCapConfig['learned']>;
  const agent = { maxNotional: depth * l.maxNotionalShare, leverage: c.leverage, interval: l.interval, deadband: 0.05 };
  let evaluations = 0;
  const result = await crossEntropyMethod(
    start ? Float64Array.from(start) : new Float64Array(parameterCount(POLICY_SPEC)),
    async (candidates) => {
      const scores: number[] = [];
      for (const w of candidates) {
        let total = 0;
        for (const i of train) total += (await env.run(i, policySpec(w, agent) as { kind: string; params: Record<string, Json> })).pnl.total;
        evaluations += train.length;
        scores.push(total / train.length);
      }
      return scores;
    },
    { iterations: l.iterations, population: l.population, eliteFraction: 0.25, initialStd: start ? 0.2 : 0.5, extraStd: 0.1, seed: seedFrom(`${l.seed}/${cap}`) },
  );
  // Whether the best policy attacks at all: its trades on the training episodes.
  let bestTrades = 0;
  for (const i of train) bestTrades += (await env.run(i, policySpec(result.best, agent) as { kind: string; params: Record<string, Json> })).pnl.trades;
  evaluations += train.length;
  return {
    trainScore: result.bestScore,
    trades: bestTrades,
    weights: Array.from(result.best, (w) => Math.fround(w)),
    iterations: result.history.map((h) => ({ iteration: h.iteration, best: h.best, eliteMean: h.eliteMean, meanStd: h.meanStd })),
    evaluations,
  };
}

/** The attacker spec of a learned policy in a cell. */
export function learnedSpec(c: FundingCapConfig, depth: number, weights: readonly number[]): { kind: string; params: Record<string, Json> } {
  const l = c.learned as NonNullable<FundingCapConfig['learned']>;
  return policySpec(weights, { maxNotional: depth * l.maxNotionalShare, leverage: c.leverage, interval: l.interval, deadband: 0.05 }) as { kind: string; params: Record<string, Json> };
}

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
    hedgeRatio: p.hedgeRatio,
    directional: p.directional,
    fees: p.fees,
    gas: p.gas,
    hedgeCosts: p.hedgeTradingCosts,
    hedgeFunding: p.hedgeFunding,
    penalties: p.penalties,
    insuranceFundPaid: o.market.insuranceFundPaid,
    fundingPaidBy: p.fundingPaidBy,
    others: Object.fromEntries(Object.entries(o.market.pnlByKind).filter(([kind]) => kind !== 'plan-manipulator' && kind !== 'adaptive-manipulator')),
    insuranceFundChange: o.market.insuranceFundChange,
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
  const options = { capital, hedge: c.hedge, ...(c.tickInterval ? { tickInterval: c.tickInterval } : {}), ...(c.attackerLatency !== undefined ? { latency: c.attackerLatency } : {}), ...(input.dataDir ? { dataDir: input.dataDir } : {}) };
  const rows: Array<{ cap: string; metrics: Json }> = [];

  if (task.kind === 'honest') {
    const episodes = [...windows.train, ...windows.test].flatMap((window) => c.costSeeds.map((seed) => ({ window, seed })));
    for (const cap of caps) {
      if (done.has(cap.label)) continue;
      const started = performance.now();
      const cell: AttackCell = { cap, depth: task.depth, regime: studyRegime(regime) };
      const attackEnv = await AttackEnv.create(c.environment, cell, episodes, options);
      const out: HonestEpisode[] = [];
      for (const [i, e] of episodes.entries()) {
        const m = (await attackEnv.run(i, null)).market;
        out.push({ window: e.window.label, class: e.window.class, seed: e.seed, trackingError: m.trackingError, maxGap: m.maxGap, fundingPaidPerDay: m.fundingPaidByTraders / days, meanAbsFundingRate: m.meanAbsFundingRate, insuranceFundPaid: m.insuranceFundPaid, capped: m.capped, settlements: m.settlements, others: m.pnlByKind, insuranceFundChange: m.insuranceFundChange });
      }
      const metrics: HonestRowMetrics = { kind: 'honest', episodes: out, runs: episodes.length, seconds: (performance.now() - started) / 1000 };
      rows.push({ cap: cap.label, metrics: metrics as unknown as Json });
      input.port?.postMessage(rows.at(-1));
    }
    return { rows };
  }

  const cap = c.caps.find((k) => k.label === c.indexSide?.cap);
  const cellOf = (k: typeof c.caps[number]): AttackCell => ({ cap: k, depth: task.depth, regime: studyRegime(regime) });
  if (task.kind === 'index') {
    if (!cap || !c.indexSide) throw new Error(`indexSide.cap ${c.indexSide?.cap} is not one of the caps`);
    const steps = c.indexSide.oracles.map((o) => ({ label: o.label, cell: { ...cellOf(cap), oracle: (w: StudyWindow) => oracleOf(o, w, days) } }));
    return { rows: await adversaryChain(input, steps, ctx, options) };
  }
  return { rows: await adversaryChain(input, caps.map((k) => ({ label: k.label, cell: cellOf(k) })), ctx, options) };
}

/** The oracle of a setting on a window: its rules, and its outage placed in the window. */
function oracleOf(o: NonNullable<FundingCapConfig['indexSide']>['oracles'][number], w: StudyWindow, days: number): Json {
  const start = Date.parse(w.from) / 1000 + Math.round((o.outage?.start ?? 0) * days * 86400);
  const outages = o.outage ? [{ from: start, to: start + Math.round(o.outage.hours * 3600) }] : [];
  return { synthesised: { latency: o.latency, heartbeat: o.heartbeat, deviation: o.deviation, outages } };
}

/**
 * The adversary's chain over the steps (caps loosest first, or oracle settings): the first step's
 * search from the starting plans on every side, each later one from the previous best plan and
 * policy; each step's chosen adversary judged on the held-out episodes.
 */
async function adversaryChain(
  input: TaskInput,
  steps: ReadonlyArray<{ label: string; cell: AttackCell }>,
  ctx: PlanContext,
  options: { capital: string; hedge: FundingCapConfig['hedge']; dataDir?: string; tickInterval?: number; latency?: number },
): Promise<Array<{ cap: string; metrics: Json }>> {
  const { config: c, windows } = input;
  const done = new Map(input.done.map((d) => [d.cap, d.metrics]));
  const rows: Array<{ cap: string; metrics: Json }> = [];
  const train = windows.train.flatMap((window) => c.trainSeeds.map((seed) => ({ window, seed })));
  const test = windows.test.flatMap((window) => c.seeds.map((seed) => ({ window, seed })));
  const trainIdx = train.map((_, i) => i);
  // Each step's search starts from the previous step's best plan on every side (a side that lost
  // at a looser cap may win at a tighter one); a resumed chain starts from its last finished step.
  let previous: Array<{ side: PlanSide; x: readonly number[] }> | null = null;
  let previousPolicy: readonly number[] | null = null;
  const stopping = { patience: c.search.patience, tolerance: c.search.tolerance, relativeTolerance: c.search.relativeTolerance, minSigma: c.search.minSigma, seed: c.search.seed };
  const bestPerSide = (m: AttackRowMetrics) => m.starts.map((s) => ({ side: s.side as PlanSide, x: s.best }));
  for (const step of steps) {
    const d = done.get(step.label) as unknown as AttackRowMetrics | undefined;
    if (d) {
      previous = bestPerSide(d);
      previousPolicy = d.learned?.weights ?? previousPolicy;
    }
  }
  for (const step of steps) {
    if (done.has(step.label)) continue;
    const started = performance.now();
    const attackEnv = await AttackEnv.create(c.environment, step.cell, [...train, ...test], options);
    let runs = 0;
    let starts: Array<{ side: PlanSide; x: readonly number[] }>;
    let budget;
    if (previous) {
      starts = previous;
      budget = { generations: c.search.warmGenerations, sigma: c.search.warmSigma, ...stopping, ...(c.search.population ? { population: c.search.population } : {}) };
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
      budget = { generations: c.search.generations, sigma: c.search.sigma, ...stopping, ...(c.search.population ? { population: c.search.population } : {}) };
    }
    const found = await searchPlans(attackEnv, trainIdx, ctx, budget, starts);
    runs += found.evaluations;
    const learned = c.learned ? await trainLearned(c, attackEnv, trainIdx, ctx.depth, previousPolicy, step.label) : null;
    runs += learned?.evaluations ?? 0;
    // Chosen on the training episodes only: the held-out ones judge, they do not select.
    const adversary = learned && learned.trades > 0 && learned.trainScore > found.best.trainScore ? 'learned' : 'plan';
    const spec = adversary === 'learned' && learned ? learnedSpec(c, ctx.depth, learned.weights) : planSpec(found.best.x, found.best.side, ctx);
    const trainRecords: EpisodeRecord[] = [];
    for (const [i, e] of train.entries()) trainRecords.push(record(e, await attackEnv.run(i, spec)));
    const heldOut: EpisodeRecord[] = [];
    for (const [k, e] of test.entries()) heldOut.push(record(e, await attackEnv.run(train.length + k, spec)));
    runs += train.length + test.length;
    previous = found.starts.map((r) => ({ side: r.side, x: r.best }));
    previousPolicy = learned?.weights ?? previousPolicy;
    const metrics: AttackRowMetrics = {
      kind: 'attack',
      adversary,
      attacker: spec,
      learned,
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
    rows.push({ cap: step.label, metrics: metrics as unknown as Json });
    input.port?.postMessage(rows.at(-1));
  }
  return rows;
}
