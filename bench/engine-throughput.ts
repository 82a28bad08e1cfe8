/**
 * Engine throughput: a one-year hourly backtest and a one-month 1-minute backtest with 100
 * agents each (events per second, blocks per second), and the speed-up of two pool workers
 * over one on a batch of independent runs, measured side by side.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBatch } from '../scenarios/batch.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import type { RunScenario } from '../scenarios/run-schema.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';

export interface EngineMeasurement {
  readonly name: string;
  readonly seconds: number;
  readonly blocks: number;
  readonly events: number;
  readonly actions: number;
  readonly agents: number;
  readonly eventsPerSecond: number;
  readonly blocksPerSecond: number;
  /** The bench process's peak resident set size so far (MiB): an upper bound on the run's. */
  readonly peakRssMiB: number;
}

const runs = join(import.meta.dirname, '..', 'scenarios', 'runs');
const bundled = (name: string) => readFileSync(join(runs, `${name}.json`), 'utf8');

async function timeRun(name: string, s: RunScenario): Promise<EngineMeasurement> {
  const config = await resolveRun(s);
  const started = process.hrtime.bigint();
  const { result } = await runSimulation(config);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    name,
    seconds,
    blocks: result.blocks,
    events: result.events,
    actions: result.actions,
    agents: config.slots.length,
    eventsPerSecond: result.events / seconds,
    blocksPerSecond: result.blocks / seconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

export async function backtests(): Promise<EngineMeasurement[]> {
  const year = parseRunScenario(bundled('year-2022-hourly'));
  // A month of 1-minute candles (May 2021) with the year scenario's 100 agents.
  const month = parseRunScenario(
    JSON.stringify({
      ...JSON.parse(bundled('year-2022-hourly')),
      name: 'month-2021-05-1m',
      prices: { file: 'eth_usdt_binance_spot_1m_2021', gapPolicy: 'carry-forward', from: '2021-05-01', to: '2021-06-01' },
    }),
  );
  return [await timeRun('one year, hourly candles (2022)', year), await timeRun('one month, 1-minute candles (May 2021)', month)];
}

/**
 * Twelve independent two-day runs on one worker, then on two, twice in alternation; each
 * figure is the faster of its two timings (worker start-up and JIT warm-up included).
 */
export async function batchSpeedup(): Promise<{ one: number; two: number; ratio: number; runs: number }> {
  const text = JSON.stringify({
    ...JSON.parse(bundled('ftx-2022')),
    prices: { file: 'w5_ftx', gapPolicy: 'carry-forward', from: '2022-11-08', to: '2022-11-10' },
  });
  const jobs = Array.from({ length: 12 }, (_, i) => ({ scenarioText: text, file: 'ftx-2022.json', seed: i + 1 }));
  const time = async (threads: number) => {
    const started = process.hrtime.bigint();
    const outcomes = await runBatch(jobs, { threads });
    const failed = outcomes.filter((o) => !o.ok);
    if (failed.length > 0) throw new Error(`batch failed: ${failed.map((f) => (f.ok ? '' : f.error)).join('; ')}`);
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  const timings = { 1: [] as number[], 2: [] as number[] };
  for (const threads of [1, 2, 1, 2] as const) timings[threads].push(await time(threads));
  const one = Math.min(...timings[1]);
  const two = Math.min(...timings[2]);
  return { one, two, ratio: one / two, runs: jobs.length };
}
