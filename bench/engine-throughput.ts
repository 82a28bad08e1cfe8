/**
 * Engine throughput: a one-year hourly backtest and a one-month 1-minute backtest with 100
 * agents each (events per second, blocks per second), and the speed-up of two pool workers
 * over one on a batch of independent runs, measured side by side.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBatch } from '../scenarios/batch.ts';
import { type BatchTiming, timeBatch } from './batch-timing.ts';
import { arm, workingTree } from './side-by-side.ts';
import type { ArmResult, BacktestCounts } from './side-by-side-run.ts';

export interface EngineMeasurement {
  readonly name: string;
  readonly seconds: number;
  readonly blocks: number;
  readonly events: number;
  readonly actions: number;
  readonly agents: number;
  readonly eventsPerSecond: number;
  readonly blocksPerSecond: number;
  /** The backtest's own process's peak resident set size (MiB), data loading included. */
  readonly peakRssMiB: number;
}

const runs = join(import.meta.dirname, '..', 'scenarios', 'runs');
const bundled = (name: string) => readFileSync(join(runs, `${name}.json`), 'utf8');

/**
 * The two backtests' scenario texts, from the bundled runs in `runsDir` (another checkout's, for
 * bench/side-by-side.ts): the hourly year, and a month of 1-minute candles (May 2021) with the
 * year scenario's 100 agents.
 */
export function backtestScenarioTexts(runsDir = runs): { readonly year: string; readonly month: string } {
  const year = readFileSync(join(runsDir, 'year-2022-hourly.json'), 'utf8');
  const month = JSON.stringify({
    ...JSON.parse(year),
    name: 'month-2021-05-1m',
    prices: { file: 'eth_usdt_binance_spot_1m_2021', gapPolicy: 'carry-forward', from: '2021-05-01', to: '2021-06-01' },
  });
  return { year, month };
}

function measurement(name: string, a: ArmResult): EngineMeasurement {
  const b = a.backtest as BacktestCounts;
  return { name, seconds: a.wallSeconds, ...b, eventsPerSecond: b.events / a.wallSeconds, blocksPerSecond: b.blocks / a.wallSeconds };
}

/**
 * Each backtest in its own process, as `vamm run` runs it. After the bench's model rounds in the
 * bench's own process the year took 1.19x the wall time (6.47 s against 5.43 s, 3 rounds
 * alternating, 2026-12-07; CPU only 1.03x): a measure of that process's state, not of the engine.
 */
export async function backtests(): Promise<EngineMeasurement[]> {
  const here = workingTree();
  return [measurement('one year, hourly candles (2022)', await arm(here, 'year', 1)), measurement('one month, 1-minute candles (May 2021)', await arm(here, 'month', 1))];
}

/**
 * Runs per batch: enough that each worker's start-up (~3 CPU s: loading, data, JIT) is a small
 * part of it, and that two workers each run 20 runs after V8 has settled (JIT_SETTLED_RUNS).
 */
export const BATCH_RUNS = 64;

export interface BatchSpeedup {
  readonly runs: number;
  readonly one: BatchTiming;
  readonly two: BatchTiming;
  /** Whole batches, start-up included. */
  readonly ratio: number;
  /** Steady state (runs per second once every worker is warm). */
  readonly steadyRatio: number;
  /** Once V8 has stopped compiling (after JIT_SETTLED_RUNS runs per worker): the goal's figure, what a long sweep runs at. */
  readonly settledRatio: number;
}

/**
 * Independent two-day runs on one worker, then on two, twice in alternation; each figure is
 * from the faster of its two batches. Printed three ways: whole batches (start-up included), steady
 * state (every worker warm) and settled (V8 done compiling), with the start-up apart.
 */
export async function batchSpeedup(runs = BATCH_RUNS): Promise<BatchSpeedup> {
  const text = JSON.stringify({
    ...JSON.parse(bundled('ftx-2022')),
    prices: { file: 'w5_ftx', gapPolicy: 'carry-forward', from: '2022-11-08', to: '2022-11-10' },
  });
  const jobs = Array.from({ length: runs }, (_, i) => ({ scenarioText: text, file: 'ftx-2022.json', seed: i + 1 }));
  const timings = { 1: [] as BatchTiming[], 2: [] as BatchTiming[] };
  for (const threads of [1, 2, 1, 2] as const) timings[threads].push(await timeBatch(() => runBatch(jobs, { threads })));
  const best = (ts: BatchTiming[]) => ts.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const fastest = (ts: BatchTiming[], rate: (t: BatchTiming) => number) => Math.max(...ts.map(rate));
  const ratioOf = (rate: (t: BatchTiming) => number) => fastest(timings[2], rate) / fastest(timings[1], rate);
  const one = best(timings[1]);
  const two = best(timings[2]);
  return { runs, one, two, ratio: one.seconds / two.seconds, steadyRatio: ratioOf((t) => t.steadyRunsPerSecond), settledRatio: ratioOf((t) => t.settledRunsPerSecond) };
}
