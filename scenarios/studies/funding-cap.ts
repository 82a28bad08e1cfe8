/**
 * The funding-cap study: for a fine grid of funding caps × vAMM depths × arbitrage regimes, the
 * strongest adversary the search can find, judged on history it was not tuned on, beside what
 * the cap costs the honest market.
 *
 * - **Windows.** ≥ 30 windows of 2017–2026 (calm, trending, crash by a stated rule,
 *   windows.ts); a few (one per class by default) are the training set, the rest are held out.
 * - **Adversary.** Per depth and regime the caps are walked from the loosest to the tightest: the
 *   loosest cap's search starts from the study's starting plans on every side of the hold; each
 *   tighter cap's search starts where the looser one ended, on every side (adversary-search.ts).
 *   The plan found on the training windows is then judged on every held-out window × seed.
 * - **Judged on the whole P&L** (sim/engine/whole-pnl.ts): vAMM + hedge − fees − penalties − gas
 *   − the hedge's costs and funding; the stale-mark gain is inside it and reported apart.
 * - **Intervals.** 95 % percentile-bootstrap intervals over windows (the seeds of a window are
 *   averaged first: they share its prices, so they are not independent draws).
 * - **Cost side.** The honest market (no attacker) on every window per cap: tracking error and the
 *   funding traders pay, with intervals.
 * - **Answer.** The loosest cap whose upper bound stays below zero in every regime and depth, and
 *   the binding cell, window and plan (exported as a script, funding-cap-binding.ts).
 *
 * The work is cut into tasks (one per depth × regime for the adversary, one per depth × regime
 * for the honest market) that run on a worker pool, write their rows as they finish (resumable)
 * and shard over machines (`--shard i/N`).
 */
import { appendFileSync, existsSync } from 'node:fs';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { z } from 'zod';
import { writeFileAtomic } from '../../data/atomic-write.ts';
import { Rng, seedFrom } from '../../data/prng.ts';
import type { Json } from '../../sim/state-view.ts';
import { type StudyRunOptions, type SweepRow, readRows, shardPoints } from '../sweep.ts';
import { workerModule } from '../worker-bundle.ts';
import type { ArbitrageRegime, FundingCap } from './attack-env.ts';
import { PLAN_SIDES } from './adversary-plan.ts';
import type { StartReport } from './adversary-search.ts';
import { bootstrapInterval, type Interval } from './statistics.ts';
import { DEFAULT_WINDOW_RULE, type StudyWindow, drawStudyWindows, splitWindows } from './windows.ts';

const capSchema = z.strictObject({
  label: z.string(),
  ratio: z.string().regex(/^\d+(\.\d+)?$/),
  window: z.number().int().positive(),
});

export const FundingCapConfigSchema = z.strictObject({
  name: z.string().default('funding-cap'),
  /** The honest environment: a run scenario without prices (its market's depth and cap are set per cell). */
  environment: z.record(z.string(), z.unknown()),
  windows: z
    .strictObject({
      perClass: z.number().int().min(1),
      trainPerClass: z.number().int().min(1).default(1),
      seed: z.number().int().nonnegative().default(1),
      days: z.number().int().min(1).default(DEFAULT_WINDOW_RULE.days),
      crashDrawdown: z.number().gt(0).lt(1).default(DEFAULT_WINDOW_RULE.crashDrawdown),
      trendMove: z.number().gt(0).lt(1).default(DEFAULT_WINDOW_RULE.trendMove),
      calmRange: z.number().gt(0).lt(1).default(DEFAULT_WINDOW_RULE.calmRange),
      /** Only windows starting in [from, to) (unix seconds; default the whole hourly history). */
      from: z.number().int().optional(),
      to: z.number().int().optional(),
    }),
  /** Seeds each training window is searched on, and each held-out window is judged on. */
  trainSeeds: z.array(z.number().int().nonnegative()).min(1).default([1]),
  seeds: z.array(z.number().int().nonnegative()).min(1).default([1, 2, 3]),
  /** Arbitrage regimes: agents added to the environment, their capital stated for `depthReference` (then scaled to each depth). */
  regimes: z.array(z.strictObject({ label: z.string(), agents: z.array(z.record(z.string(), z.unknown())), depthReference: z.string().regex(/^\d+$/).optional() })).min(1),
  /**
   * Seconds between fast-feed ticks along each candle's path (scenario `prices.tickInterval`):
   * an hourly candle's move then arrives as a run of small ticks, as it did in the market, instead
   * of a jump the first transaction after it takes whole (unset: the four points).
   */
  tickInterval: z.number().int().positive().optional(),
  /** Seconds the attacker's orders take to land (its spec's own latency wins): the honest arbitrageurs' median, so it is not first to every tick. */
  attackerLatency: z.number().nonnegative().optional(),
  caps: z.array(capSchema).min(1),
  depths: z.array(z.string().regex(/^\d+$/)).min(1),
  /** The attacker's capital as a share of the depth, and its leverage. */
  capitalShare: z.number().gt(0).default(0.25),
  leverage: z.number().min(1).default(5),
  search: z.strictObject({
    generations: z.number().int().min(1),
    population: z.number().int().min(2).optional(),
    sigma: z.number().gt(0).default(0.3),
    patience: z.number().int().min(1).default(3),
    /**
     * What counts as improving: the best training score rising by more than `tolerance` USD and
     * more than `relativeTolerance` of itself within `patience` generations; and the step size
     * (the widest axis, in units of the box) below which the search has collapsed.
     */
    tolerance: z.number().nonnegative().default(1),
    relativeTolerance: z.number().nonnegative().default(0),
    minSigma: z.number().nonnegative().default(0),
    /** Generations and step size of a tighter cap's search, started from the looser cap's best plan. */
    warmGenerations: z.number().int().min(1),
    warmSigma: z.number().gt(0).default(0.15),
    sides: z.array(z.enum(PLAN_SIDES as unknown as ['short', 'long', 'follow'])).min(1).default(['short', 'long', 'follow']),
    seed: z.number().int().nonnegative().default(1),
  }),
  /**
   * The second adversary: the adaptive manipulator's policy network trained per cell by the
   * cross-entropy method on the same training episodes (each cap starting from the looser cap's
   * policy). Whichever of the two adversaries scores higher on the training episodes is judged on
   * the held-out ones (a policy that never trades is no attack and is not chosen).
   */
  learned: z
    .strictObject({
      iterations: z.number().int().min(1),
      population: z.number().int().min(2),
      /** The position at the network's full output, as a share of the depth. */
      maxNotionalShare: z.number().gt(0).default(0.05),
      interval: z.number().int().min(12).default(300),
      seed: z.number().int().nonnegative().default(1),
    })
    .optional(),
  /**
   * The other lever: the same adversary search at one cap with the oracle changed instead (its
   * latency, heartbeat, deviation threshold, and windows in which it publishes nothing), since a
   * cap on the mark premium does nothing about a stale index. Settings are searched in order,
   * each from the previous one's plan.
   */
  indexSide: z
    .strictObject({
      /** The cap (a label of `caps`) the oracle settings are tried at. */
      cap: z.string(),
      depths: z.array(z.string().regex(/^\d+$/)).min(1),
      oracles: z
        .array(
          z.strictObject({
            label: z.string(),
            latency: z.number().int().nonnegative().default(12),
            heartbeat: z.number().int().positive().default(3600),
            deviation: z.number().gt(0).lt(1).default(0.005),
            /** The feed publishes nothing for `hours`, from `start` (a share of the window) on. */
            outage: z.strictObject({ start: z.number().min(0).lt(1), hours: z.number().gt(0) }).optional(),
          }),
        )
        .min(1),
    })
    .optional(),
  /** The honest market's runs for the cost side: seeds per window (regimes: all). */
  costSeeds: z.array(z.number().int().nonnegative()).min(1).default([1]),
  /** The attacker's hedge venue terms (sim/engine/hedge-venue.ts, the arbitrageurs' venue); unset fields keep its defaults. */
  hedge: z.record(z.string(), z.number()).default({}),
  bootstrapResamples: z.number().int().min(100).default(2000),
});

export type FundingCapConfig = z.output<typeof FundingCapConfigSchema>;

/** A config's regime as the cells use it. */
export function studyRegime(r: FundingCapConfig['regimes'][number]): ArbitrageRegime {
  return { label: r.label, agents: r.agents as Json[], ...(r.depthReference ? { depthReference: r.depthReference } : {}) };
}

/**
 * One unit of work for a depth and a regime: the adversary's chain over the caps (`attack`), the
 * honest market per cap (`honest`), or the adversary's chain over the oracle settings (`index`).
 */
export interface FundingCapTask {
  readonly index: number;
  readonly kind: 'attack' | 'honest' | 'index';
  readonly depth: string;
  readonly regime: string;
}

export function fundingCapTasks(c: FundingCapConfig): FundingCapTask[] {
  const tasks: FundingCapTask[] = [];
  for (const kind of ['attack', 'honest'] as const) for (const depth of c.depths) for (const r of c.regimes) tasks.push({ index: tasks.length, kind, depth, regime: r.label });
  for (const depth of c.indexSide?.depths ?? []) for (const r of c.regimes) tasks.push({ index: tasks.length, kind: 'index', depth, regime: r.label });
  return tasks;
}

/** The steps of a task, one row each: the caps, or the oracle settings. */
export function taskSteps(c: FundingCapConfig, t: Pick<FundingCapTask, 'kind'>): string[] {
  return t.kind === 'index' ? (c.indexSide?.oracles ?? []).map((o) => o.label) : c.caps.map((cap) => cap.label);
}

/** Every row the study makes: one per task and step. */
export function rowKey(kind: string, depth: string, regime: string, step: string): string {
  return JSON.stringify([kind, depth, regime, step]);
}

export function expectedRows(c: FundingCapConfig): number {
  return fundingCapTasks(c).reduce((a, t) => a + taskSteps(c, t).length, 0);
}

export interface StudyWindows {
  readonly train: StudyWindow[];
  readonly test: StudyWindow[];
}

export async function studyWindows(c: FundingCapConfig, dataDir?: string): Promise<StudyWindows> {
  const w = c.windows;
  const all = await drawStudyWindows({
    perClass: w.perClass,
    seed: w.seed,
    rule: { days: w.days, crashDrawdown: w.crashDrawdown, trendMove: w.trendMove, calmRange: w.calmRange },
    ...(dataDir ? { dataDir } : {}),
    ...(w.from !== undefined && w.to !== undefined ? { period: { from: w.from, to: w.to } } : {}),
  });
  return splitWindows(all, w.trainPerClass, seedFrom(`${w.seed}/split`));
}

/** One held-out (or training) run of the adversary's plan. */
export interface EpisodeRecord {
  readonly window: string;
  readonly class: string;
  readonly seed: number;
  readonly total: number;
  readonly staleMarkGain: number;
  readonly funding: number;
  readonly vammTrading: number;
  readonly hedge: number;
  /** The share of the hedge that hedged (the market's mark moves per reference move), and the rest's P&L: a venue bet outside the total. */
  readonly hedgeRatio?: number;
  readonly directional?: number;
  readonly fees: number;
  readonly gas: number;
  readonly hedgeCosts: number;
  readonly hedgeFunding: number;
  readonly penalties: number;
  readonly insuranceFundPaid: number;
  readonly fundingPaidBy: Readonly<Record<string, number>>;
  /** The other agents' results by kind and the insurance fund's change in the same run. */
  readonly others: Readonly<Record<string, number>>;
  readonly insuranceFundChange: number;
  readonly trades: number;
  readonly peakNotional: number;
}

/** The learned adversary's training in one cell. */
export interface LearnedReport {
  readonly trainScore: number;
  /** Trades its best policy made on the training episodes (0: it learned not to attack). */
  readonly trades: number;
  readonly weights: readonly number[];
  readonly iterations: ReadonlyArray<{ readonly iteration: number; readonly best: number; readonly eliteMean: number; readonly meanStd: number }>;
  readonly evaluations: number;
}

export interface AttackRowMetrics {
  readonly kind: 'attack';
  /** Which adversary was judged on the held-out episodes, and the attacker spec that ran. */
  readonly adversary: 'plan' | 'learned';
  readonly attacker: { readonly kind: string; readonly params: Record<string, Json> };
  readonly learned: LearnedReport | null;
  readonly side: string;
  readonly x: readonly number[];
  readonly params: Record<string, Json>;
  readonly trainScore: number;
  readonly starts: readonly StartReport[];
  readonly train: readonly EpisodeRecord[];
  readonly heldOut: readonly EpisodeRecord[];
  readonly runs: number;
  readonly seconds: number;
}

export interface HonestEpisode {
  readonly window: string;
  readonly class: string;
  readonly seed: number;
  readonly trackingError: number;
  readonly maxGap: number;
  /** Funding traders on the paying side paid, per day (USD). */
  readonly fundingPaidPerDay: number;
  readonly meanAbsFundingRate: number;
  readonly insuranceFundPaid: number;
  readonly capped: number;
  readonly settlements: number;
  readonly others: Readonly<Record<string, number>>;
  readonly insuranceFundChange: number;
}

export interface HonestRowMetrics {
  readonly kind: 'honest';
  readonly episodes: readonly HonestEpisode[];
  readonly runs: number;
  readonly seconds: number;
}

export type FundingCapRow = SweepRow & { readonly metrics: (AttackRowMetrics | HonestRowMetrics) & Json };

/** What a worker is given: the config, its windows (drawn once by the caller), a task, and where the chain resumes. */
export interface TaskInput {
  readonly config: FundingCapConfig;
  readonly windows: StudyWindows;
  readonly task: FundingCapTask;
  /** Rows of this task already done, by step (a cap or an oracle setting; a chain resumes after the last it finished). */
  readonly done: readonly StepRow[];
  /** Where the worker posts each step's row as it finishes. */
  readonly port?: MessagePort;
  readonly dataDir?: string;
}

/** One step's result: its cap or oracle label, and its metrics. */
export interface StepRow {
  readonly cap: string;
  readonly metrics: Json;
}

export interface TaskOutput {
  readonly rows: readonly StepRow[];
}

/** Runs the study's tasks not yet in `out` on a worker pool; returns every row of the shard, in order. */
export async function runFundingCapStudy(c: FundingCapConfig, o: StudyRunOptions): Promise<FundingCapRow[]> {
  const windows = await studyWindows(c, o.dataDir);
  const tasks = fundingCapTasks(c);
  const points = shardPoints(
    tasks.map((t) => ({ index: t.index, key: JSON.stringify([t.kind, t.depth, t.regime]), values: {}, seed: 0 })),
    o.shard,
  );
  const mine = points.map((p) => tasks[p.index] as FundingCapTask);
  const done = readRows(o.out);
  if (existsSync(o.out)) writeFileAtomic(o.out, [...done.values()].map((r) => `${JSON.stringify(r)}\n`).join(''));
  const width = Math.max(c.caps.length, c.indexSide?.oracles.length ?? 0);
  const rowOf = (t: FundingCapTask, step: string, metrics: Json): FundingCapRow => ({
    index: t.index * width + taskSteps(c, t).indexOf(step),
    key: rowKey(t.kind, t.depth, t.regime, step),
    values: { task: t.kind, depth: t.depth, regime: t.regime, [t.kind === 'index' ? 'oracle' : 'cap']: step, ...(t.kind === 'index' ? { cap: c.indexSide?.cap ?? '' } : {}) },
    seed: 0,
    ok: true,
    metrics: metrics as FundingCapRow['metrics'],
  });
  const doneOf = (t: FundingCapTask) => taskSteps(c, t).flatMap((step) => {
    const r = done.get(rowKey(t.kind, t.depth, t.regime, step));
    return r?.ok ? [{ cap: step, metrics: r.metrics }] : [];
  });
  const todo = mine.filter((t) => doneOf(t).length < taskSteps(c, t).length);
  const total = mine.reduce((a, t) => a + taskSteps(c, t).length, 0);
  let finished = mine.reduce((a, t) => a + doneOf(t).length, 0);
  o.onProgress?.(finished, total);
  const save = (task: FundingCapTask, step: StepRow) => {
    const row = rowOf(task, step.cap, step.metrics);
    if (done.get(row.key)?.ok) return;
    appendFileSync(o.out, `${JSON.stringify(row)}\n`);
    done.set(row.key, row);
    o.onProgress?.(++finished, total);
  };
  if (todo.length > 0) {
    // The worker's code compiled into one module, as the batch pool's (scenarios/worker-bundle.ts).
    const filename = await workerModule(new URL('./funding-cap-worker.ts', import.meta.url), new URL('./funding-cap-worker.mjs', import.meta.url));
    const pool = new Piscina({ filename, minThreads: 1, maxThreads: Math.max(1, o.threads), idleTimeout: 1000 });
    try {
      await Promise.all(
        todo.map(async (task) => {
          // Each step's row comes back as soon as it is done, so an interrupted chain keeps them.
          const channel = new MessageChannel();
          channel.port1.on('message', (step: StepRow) => save(task, step));
          const input: TaskInput = { config: c, windows, task, done: doneOf(task), port: channel.port2, ...(o.dataDir ? { dataDir: o.dataDir } : {}) };
          try {
            const out = (await pool.run(input, { transferList: [channel.port2] })) as TaskOutput;
            for (const step of out.rows) save(task, step);
          } finally {
            channel.port1.close();
          }
        }),
      );
    } finally {
      await pool.destroy();
    }
  }
  return mine.flatMap((t) => taskSteps(c, t).map((step) => done.get(rowKey(t.kind, t.depth, t.regime, step)))).filter((r): r is FundingCapRow => r !== undefined);
}

// ---------------------------------------------------------------- analysis

export const capPerDay = (cap: FundingCap): number => (Number(cap.ratio) === 0 ? Number.POSITIVE_INFINITY : (Number(cap.ratio) * 86400) / cap.window);

/** Mean over windows (each window's seeds averaged first) with a bootstrap interval over windows. */
export function windowMeanInterval<T extends { readonly window: string }>(episodes: readonly T[], value: (e: T) => number, rng: Rng, resamples: number): Interval {
  const byWindow = new Map<string, number[]>();
  for (const e of episodes) byWindow.set(e.window, [...(byWindow.get(e.window) ?? []), value(e)]);
  const means = [...byWindow.values()].map((xs) => xs.reduce((a, b) => a + b, 0) / xs.length);
  return bootstrapInterval(means, (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length), rng, resamples);
}

export interface CellResult {
  readonly regime: string;
  readonly depth: string;
  readonly cap: string;
  readonly perDay: number;
  /** The plan's mean whole P&L per held-out episode, with its interval. */
  readonly total: Interval;
  /** The same less the stale-mark gain. */
  readonly exStaleMark: Interval;
  readonly staleMarkGain: number;
  /** The venue position's P&L beyond what hedged the vAMM position (outside the total), and the mean hedge ratio. */
  readonly directional: number;
  readonly hedgeRatio: number;
  readonly funding: number;
  readonly fundingFromInsuranceFund: number;
  readonly trainScore: number;
  /** Its mean whole P&L on the training windows (the search's own score, re-run). */
  readonly trainTotal: number;
  /** The adversary judged (the plan, or the learned policy when it scored higher on training). */
  readonly adversary: 'plan' | 'learned';
  /** The learned policy's training score, and whether it attacked at all. */
  readonly learnedTrainScore: number | null;
  readonly learnedTrades: number | null;
  readonly attacker: { readonly kind: string; readonly params: Record<string, Json> };
  /** Share of held-out episodes in which it made money. */
  readonly profitableShare: number;
  readonly byClass: Readonly<Record<string, number>>;
  /**
   * Who paid: each other agent kind's and the insurance fund's mean result per held-out episode
   * with the adversary, less the same in the honest market on the same windows (seed-1 runs of the
   * cost side; absent when the cost side did not run this cell).
   */
  readonly whoPaid: Readonly<Record<string, number>>;
  readonly side: string;
  readonly params: Record<string, Json>;
  readonly searchStopped: readonly string[];
  /** Per side of the hold: how its search ended and whether it was still improving then. */
  readonly convergence: readonly SearchConvergence[];
  readonly evaluations: number;
  readonly heldOutEpisodes: number;
}

/**
 * How one search ended: by its stopping rule (`converged`: `patience` generations without an
 * improvement; `sigma`: its step collapsed) or at its budget, and what its last `patience`
 * generations added to the best training score (a search at its budget that still gained more
 * than the tolerance had not stopped improving).
 */
export interface SearchConvergence {
  readonly side: string;
  readonly stopped: 'converged' | 'sigma' | 'budget';
  readonly generations: number;
  readonly bestScore: number;
  /** The best score's rise over the last `patience` generations (all of them when fewer). */
  readonly lastGain: number;
  readonly finalSigma: number;
  readonly stillImproving: boolean;
}

export function searchConvergence(starts: readonly StartReport[], s: Pick<FundingCapConfig['search'], 'patience' | 'tolerance' | 'relativeTolerance'>): SearchConvergence[] {
  return starts.map((st) => {
    const g = st.generations;
    const last = g.at(-1);
    const before = g.length > s.patience ? g[g.length - 1 - s.patience] : undefined;
    // Against the looser cap's plan re-scored here (generation 0's mean) when the window covers the whole search.
    const from = before?.bestSoFar ?? g[0]?.mean ?? Number.NaN;
    const lastGain = last && Number.isFinite(from) ? last.bestSoFar - from : 0;
    const needed = Math.max(s.tolerance, s.relativeTolerance * Math.abs(from));
    return {
      side: st.side,
      stopped: st.stopped,
      generations: g.length,
      bestScore: st.bestScore,
      lastGain,
      finalSigma: last?.sigma ?? Number.NaN,
      stillImproving: st.stopped === 'budget' && lastGain > needed,
    };
  });
}

/** An adversary cell of the index side: the same, at one cap, under an oracle setting. */
export interface IndexCell extends CellResult {
  readonly oracle: string;
}

/** Mean of the paired differences (attacked − honest) by kind, over episodes with the same window and seed. */
function whoPaid(held: readonly EpisodeRecord[], honest: readonly HonestEpisode[]): Record<string, number> {
  const base = new Map(honest.map((e) => [`${e.window}|${e.seed}`, e]));
  const pairs = held.flatMap((e) => {
    const h = base.get(`${e.window}|${e.seed}`);
    return h?.others ? [[e, h] as const] : [];
  });
  if (pairs.length === 0) return {};
  const kinds = new Set(pairs.flatMap(([e, h]) => [...Object.keys(e.others ?? {}), ...Object.keys(h.others)]));
  const out: Record<string, number> = {};
  for (const k of [...kinds].sort()) out[k] = mean(pairs.map(([e, h]) => (e.others?.[k] ?? 0) - (h.others[k] ?? 0)));
  out['insurance fund'] = mean(pairs.map(([e, h]) => (e.insuranceFundChange ?? 0) - (h.insuranceFundChange ?? 0)));
  return out;
}

/** An episode's whole P&L less the stale-mark gain: what the second rule judges. */
const exStaleMark = (e: EpisodeRecord) => e.total - e.staleMarkGain;

function attackCell(c: FundingCapConfig, m: AttackRowMetrics, v: { depth: string; regime: string; cap: string }, cap: FundingCap, rng: Rng, honest: readonly HonestEpisode[] = []): CellResult {
  const held = m.heldOut;
  const classes = [...new Set(held.map((e) => e.class))].sort();
  return {
    regime: v.regime,
    depth: v.depth,
    cap: v.cap,
    perDay: capPerDay(cap),
    total: windowMeanInterval(held, (e) => e.total, rng, c.bootstrapResamples),
    exStaleMark: windowMeanInterval(held, exStaleMark, rng, c.bootstrapResamples),
    staleMarkGain: mean(held.map((e) => e.staleMarkGain)),
    directional: mean(held.map((e) => e.directional ?? 0)),
    hedgeRatio: mean(held.map((e) => e.hedgeRatio ?? 1)),
    funding: mean(held.map((e) => e.funding)),
    fundingFromInsuranceFund: mean(held.map((e) => e.fundingPaidBy['insurance fund'] ?? 0)),
    trainScore: m.trainScore,
    trainTotal: mean(m.train.map((e) => e.total)),
    adversary: m.adversary,
    learnedTrainScore: m.learned?.trainScore ?? null,
    learnedTrades: m.learned?.trades ?? null,
    attacker: m.attacker,
    profitableShare: held.filter((e) => e.total > 0).length / Math.max(1, held.length),
    byClass: Object.fromEntries(classes.map((k) => [k, mean(held.filter((e) => e.class === k).map((e) => e.total))])),
    whoPaid: whoPaid(held, honest),
    side: m.side,
    params: m.params,
    searchStopped: m.starts.map((s) => `${s.side}: ${s.stopped} after ${s.generations.length}`),
    convergence: searchConvergence(m.starts, c.search),
    evaluations: m.starts.reduce((a, s) => a + s.evaluations, 0) + (m.learned?.evaluations ?? 0),
    heldOutEpisodes: held.length,
  };
}

export interface CostResult {
  readonly regime: string;
  readonly depth: string;
  readonly cap: string;
  readonly perDay: number;
  readonly trackingError: Interval;
  readonly fundingPaidPerDay: Interval;
  readonly meanAbsFundingRate: number;
  readonly cappedShare: number;
}

export interface Recommendation {
  readonly cap: string | null;
  /**
   * The cell whose upper bound comes closest to zero at the recommended cap (or the worst cell), and
   * its held-out episode that scored highest on the rule's own measure (`value`; `total` is that
   * episode's whole P&L).
   */
  readonly binding: { readonly regime: string; readonly depth: string; readonly cap: string; readonly window: string; readonly seed: number; readonly total: number; readonly value: number } | null;
  readonly reasoning: string;
}

export interface FundingCapResult {
  readonly windows: StudyWindows;
  readonly cells: CellResult[];
  readonly costs: CostResult[];
  /** The index side: the adversary at one cap under each oracle setting. */
  readonly indexCells: IndexCell[];
  readonly recommendation: Recommendation;
  /** The same rule on the total less the stale-mark gain (what the cap itself is there to stop). */
  readonly recommendationExStaleMark: Recommendation;
  readonly runs: number;
  readonly cpuSeconds: number;
  readonly failed: number;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

export function analyseFundingCap(c: FundingCapConfig, rows: readonly SweepRow[], windows: StudyWindows): FundingCapResult {
  const ok = rows.filter((r) => r.ok) as FundingCapRow[];
  const rng = new Rng(seedFrom(`${c.name}/bootstrap`));
  const capOf = new Map(c.caps.map((cap) => [cap.label, cap]));
  const cells: CellResult[] = [];
  const costs: CostResult[] = [];
  const indexCells: IndexCell[] = [];
  for (const r of ok) {
    const v = r.values as { task: string; depth: string; regime: string; cap: string; oracle?: string };
    const cap = capOf.get(v.cap);
    if (!cap) continue;
    const m = r.metrics;
    if (m.kind === 'attack') {
      // The cost side runs with the mainnet oracle only: an index cell (another oracle) has no honest market to be compared with.
      const honestRow = v.task === 'index' ? undefined : ok.find((x) => x.key === rowKey('honest', v.depth, v.regime, v.cap));
      const cell = attackCell(c, m, v, cap, rng, honestRow?.metrics.kind === 'honest' ? honestRow.metrics.episodes : []);
      if (v.task === 'index') indexCells.push({ ...cell, oracle: v.oracle ?? '' });
      else cells.push(cell);
    } else {
      const eps = m.episodes;
      costs.push({
        regime: v.regime,
        depth: v.depth,
        cap: v.cap,
        perDay: capPerDay(cap),
        trackingError: windowMeanInterval(eps, (e) => e.trackingError, rng, c.bootstrapResamples),
        fundingPaidPerDay: windowMeanInterval(eps, (e) => e.fundingPaidPerDay, rng, c.bootstrapResamples),
        meanAbsFundingRate: mean(eps.map((e) => e.meanAbsFundingRate)),
        cappedShare: eps.reduce((a, e) => a + e.capped, 0) / Math.max(1, eps.reduce((a, e) => a + e.settlements, 0)),
      });
    }
  }
  const order = (a: { perDay: number }, b: { perDay: number }) => b.perDay - a.perDay;
  cells.sort((a, b) => order(a, b) || a.regime.localeCompare(b.regime) || Number(a.depth) - Number(b.depth));
  costs.sort((a, b) => order(a, b) || a.regime.localeCompare(b.regime) || Number(a.depth) - Number(b.depth));
  const runs = ok.reduce((a, r) => a + (r.metrics.runs ?? 0), 0);
  const cpuSeconds = ok.reduce((a, r) => a + (r.metrics.seconds ?? 0), 0);
  return {
    windows,
    cells,
    costs,
    indexCells,
    recommendation: recommend(c, cells, ok, (x) => x.total, (e) => e.total),
    recommendationExStaleMark: recommend(c, cells, ok, (x) => x.exStaleMark, exStaleMark),
    runs,
    cpuSeconds,
    failed: rows.length - ok.length,
  };
}

const usd = (x: number) => `${Math.round(x).toLocaleString('en-US')} USD`;

/**
 * The loosest cap whose every cell's upper bound on `metric` is below zero; its binding episode is
 * chosen on `episode`, the same measure per episode, so the exported plan is the one the rule binds on.
 */
function recommend(c: FundingCapConfig, cells: readonly CellResult[], rows: readonly FundingCapRow[], metric: (x: CellResult) => Interval, episode: (e: EpisodeRecord) => number): Recommendation {
  const caps = [...c.caps].sort((a, b) => capPerDay(b) - capPerDay(a));
  const upper = (x: CellResult) => metric(x).high ?? Number.POSITIVE_INFINITY;
  const safe = caps.filter((cap) => {
    const at = cells.filter((x) => x.cap === cap.label);
    return at.length === c.regimes.length * c.depths.length && at.every((x) => upper(x) < 0);
  });
  const chosen = safe[0] ?? null;
  // The binding cell: at the chosen cap (or, with none, the tightest), the highest upper bound.
  const capLabel = chosen?.label ?? caps.at(-1)?.label;
  const candidates = cells.filter((x) => x.cap === capLabel);
  const worst = candidates.reduce<CellResult | null>((a, x) => (a === null || upper(x) > upper(a) ? x : a), null);
  let binding: Recommendation['binding'] = null;
  if (worst) {
    const row = rows.find((r) => r.key === rowKey('attack', worst.depth, worst.regime, worst.cap));
    const best = row && row.metrics.kind === 'attack' ? [...row.metrics.heldOut].sort((a, b) => episode(b) - episode(a))[0] : undefined;
    if (best) binding = { regime: worst.regime, depth: worst.depth, cap: worst.cap, window: best.window, seed: best.seed, total: best.total, value: episode(best) };
  }
  const describe = (x: CellResult) => `${x.regime}, depth ${usd(Number(x.depth))}: mean ${usd(metric(x).estimate)} (95 % ${usd(metric(x).low ?? Number.NaN)} to ${usd(metric(x).high ?? Number.NaN)})`;
  if (!chosen) {
    const perRegime = c.regimes.map((r) => {
      const ok = caps.find((cap) => cells.filter((x) => x.cap === cap.label && x.regime === r.label).every((x) => upper(x) < 0));
      return `${r.label}: ${ok ? `${ok.label} is the loosest that holds at every depth` : 'no cap in the grid holds at every depth'}`;
    });
    return { cap: null, binding, reasoning: `No cap in the grid keeps the best adversary's upper bound below zero in every regime and depth (${perRegime.join('; ')}). The worst cell at the tightest cap: ${worst ? describe(worst) : 'none'}.` };
  }
  const looser = caps.filter((cap) => capPerDay(cap) > capPerDay(chosen));
  const next = looser.at(-1);
  const breaks = next ? cells.filter((x) => x.cap === next.label && upper(x) >= 0) : [];
  return {
    cap: chosen.label,
    binding,
    reasoning: `${chosen.label} is the loosest cap in the grid under which the best adversary's 95 % upper bound stays below zero in every regime and depth${worst ? `; the binding cell is ${describe(worst)}` : ''}.${next ? ` The next looser cap, ${next.label}, fails in ${breaks.map(describe).join('; ')}.` : ''}`,
  };
}

export type { ArbitrageRegime };
