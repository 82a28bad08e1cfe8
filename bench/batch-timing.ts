/**
 * A pool batch's time split into start-up and steady state, from each run's worker timing
 * (scenarios/batch.ts): how long the workers took to load their code, how long each worker's
 * first run took beside a warm one (data loading and JIT warm-up), and the runs per second
 * once every worker is warm, and once V8 has stopped compiling, which is what a long sweep runs at.
 */
import type { BatchOutcome, WorkerTiming } from '../scenarios/batch.ts';

export interface BatchTiming {
  readonly threads: number;
  readonly runs: number;
  /** The whole batch, pool start-up included (s). */
  readonly seconds: number;
  /** CPU seconds of the whole process (every thread) per run, start-up included. */
  readonly cpuSecondsPerRun: number;
  /** From the pool's start until the last worker had loaded its code (s). */
  readonly workersReadyAfter: number;
  /** From the pool's start until every worker had finished its first run (s). */
  readonly firstRunsDoneAfter: number;
  /** The slowest worker's first run alone (s). */
  readonly firstRunSeconds: number;
  /** Median run once warm (s). */
  readonly warmRunSeconds: number;
  /** Runs per second once every worker has finished `WARM_UP_RUNS` runs, while every worker is still busy. */
  readonly steadyRunsPerSecond: number;
  readonly steadyRuns: number;
  /** Runs per second once every worker has finished `settledAfter` runs (NaN when a worker ran fewer). */
  readonly settledRunsPerSecond: number;
  readonly settledRuns: number;
  readonly settledAfter: number;
}

/** A worker's first runs pay its data loading and JIT warm-up: the steady state starts after these. */
export const WARM_UP_RUNS = 2;

/**
 * Runs after which V8 has (nearly) stopped compiling a worker's code. Its optimising compiler
 * runs on the process's background threads, so a lone worker's compiling takes the idle core
 * while two workers' takes each other's: on the two-day runs the background threads used
 * ~0.04 CPU s per run in a worker's runs 7–24 and ~0.02 in runs 25–48 (a run is ~0.24 CPU s),
 * and a run's process CPU settled after its 11th (README, Benchmarks). A sweep of thousands of
 * runs runs at the settled rate.
 */
export const JIT_SETTLED_RUNS = 12;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};

/** Runs per second (and how many) that finished after every worker's `after`-th run while every worker was still busy. */
function rateAfter(workers: readonly WorkerTiming[][], after: number): { perSecond: number; runs: number } {
  if (workers.some((r) => r.length <= after)) return { perSecond: Number.NaN, runs: 0 };
  const from = Math.max(...workers.map((r) => (r[after - 1] as WorkerTiming).finishedAt));
  const until = Math.min(...workers.map((r) => (r.at(-1) as WorkerTiming).finishedAt));
  const runs = workers.flat().filter((r) => r.finishedAt > from && r.finishedAt <= until).length;
  return { perSecond: until > from ? runs / ((until - from) / 1000) : Number.NaN, runs };
}

/** `startedAt` is the epoch ms at which the pool was asked to start; `cpuSeconds` the process's over the batch. */
export function batchTiming(outcomes: readonly BatchOutcome[], startedAt: number, finishedAt: number, cpuSeconds: number, settledAfter = JIT_SETTLED_RUNS): BatchTiming {
  const byWorker = new Map<number, WorkerTiming[]>();
  for (const o of outcomes) {
    if (!o.ok) throw new Error(`batch timing: ${o.error}`);
    byWorker.set(o.worker.threadId, [...(byWorker.get(o.worker.threadId) ?? []), o.worker]);
  }
  const workers = [...byWorker.values()].map((runs) => runs.sort((a, b) => a.finishedAt - b.finishedAt));
  const s = (ms: number) => (ms - startedAt) / 1000;
  const steady = rateAfter(workers, WARM_UP_RUNS);
  const settled = rateAfter(workers, settledAfter);
  const warm = workers.flatMap((r) => r.slice(WARM_UP_RUNS)).map((r) => (r.finishedAt - r.startedAt) / 1000);
  return {
    threads: workers.length,
    runs: outcomes.length,
    seconds: s(finishedAt),
    cpuSecondsPerRun: cpuSeconds / outcomes.length,
    workersReadyAfter: s(Math.max(...workers.map((r) => (r[0] as WorkerTiming).readyAt))),
    firstRunsDoneAfter: s(Math.max(...workers.map((r) => (r[0] as WorkerTiming).finishedAt))),
    firstRunSeconds: Math.max(...workers.map((r) => ((r[0] as WorkerTiming).finishedAt - (r[0] as WorkerTiming).startedAt) / 1000)),
    warmRunSeconds: median(warm),
    steadyRunsPerSecond: steady.perSecond,
    steadyRuns: steady.runs,
    settledRunsPerSecond: settled.perSecond,
    settledRuns: settled.runs,
    settledAfter,
  };
}

/** Runs `batch` and times it: wall clock and the process's CPU (every thread). */
export async function timeBatch(batch: () => Promise<readonly BatchOutcome[]>, settledAfter = JIT_SETTLED_RUNS): Promise<BatchTiming> {
  const now = () => performance.timeOrigin + performance.now();
  const cpu = process.cpuUsage();
  const started = now();
  const outcomes = await batch();
  const finished = now();
  const used = process.cpuUsage(cpu);
  return batchTiming(outcomes, started, finished, (used.user + used.system) / 1e6, settledAfter);
}

export function formatBatchTiming(t: BatchTiming, unit = 'runs'): string {
  return (
    `${t.threads} worker${t.threads === 1 ? '' : 's'}: ${t.runs} ${unit} in ${t.seconds.toFixed(1)} s (${(t.runs / t.seconds).toFixed(2)} ${unit}/s with start-up, ${t.cpuSecondsPerRun.toFixed(2)} CPU s per ${unit.replace(/s$/, '')}); ` +
    `start-up: workers loaded after ${t.workersReadyAfter.toFixed(2)} s, first runs done after ${t.firstRunsDoneAfter.toFixed(2)} s (a first run ${t.firstRunSeconds.toFixed(2)} s, a warm run ${t.warmRunSeconds.toFixed(2)} s); ` +
    `steady state ${t.steadyRunsPerSecond.toFixed(2)} ${unit}/s (${t.steadyRuns} ${unit} once every worker was warm)` +
    (t.settledRuns > 0 ? `, settled ${t.settledRunsPerSecond.toFixed(2)} ${unit}/s (${t.settledRuns} ${unit} after every worker's ${t.settledAfter}th)` : '')
  );
}
