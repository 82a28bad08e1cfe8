/**
 * A pool worker: runs one scenario at one seed, without an event log, and returns its summary.
 */
import { threadId } from 'node:worker_threads';
import type { RunSummary } from '../sim/engine/summary.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import type { WorkerTiming } from './batch.ts';
import { lastParse } from './last-parse.ts';
import { parseRunScenario, resolveRun } from './run-loader.ts';

/** A batch's seeds share one text: parsed once per worker (`lastParse`). */
const parseScenario = lastParse(parseRunScenario);

/** Evaluated when the worker has loaded this module and everything it imports. */
const readyAt = performance.timeOrigin + performance.now();

export interface BatchTask {
  /** The scenario file's text (so workers need no file system state of the caller). */
  readonly scenarioText: string;
  readonly file: string;
  readonly seed: number;
  readonly dataDir?: string;
}

export interface TaskResult {
  readonly summary: RunSummary;
  readonly seconds: number;
  readonly worker: WorkerTiming;
}

export default async function runTask(task: BatchTask): Promise<TaskResult> {
  const startedAt = performance.timeOrigin + performance.now();
  const config = await resolveRun(parseScenario(task.scenarioText, task.file), { seed: task.seed, ...(task.dataDir ? { dataDir: task.dataDir } : {}) });
  const { summary } = await runSimulation(config);
  const finishedAt = performance.timeOrigin + performance.now();
  return { summary, seconds: (finishedAt - startedAt) / 1000, worker: { threadId, readyAt, startedAt, finishedAt } };
}
