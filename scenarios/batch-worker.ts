/**
 * A pool worker: runs one scenario at one seed, without an event log, and returns its summary.
 */
import type { RunSummary } from '../sim/engine/summary.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';
import { parseRunScenario, resolveRun } from './run-loader.ts';

export interface BatchTask {
  /** The scenario file's text (so workers need no file system state of the caller). */
  readonly scenarioText: string;
  readonly file: string;
  readonly seed: number;
  readonly dataDir?: string;
}

export default async function runTask(task: BatchTask): Promise<{ summary: RunSummary; seconds: number }> {
  const started = Date.now();
  const config = await resolveRun(parseRunScenario(task.scenarioText, task.file), { seed: task.seed, ...(task.dataDir ? { dataDir: task.dataDir } : {}) });
  const { summary } = await runSimulation(config);
  return { summary, seconds: (Date.now() - started) / 1000 };
}
