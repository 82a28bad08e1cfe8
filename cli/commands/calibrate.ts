/**
 * `vamm calibrate [run-dir...]`: the simulated market's stylised facts beside the real perp–spot
 * market's on the same hours, each with its tolerance (calibration/calibration-report.ts), and
 * the L1 gas process beside the real daily gas of the Black Thursday week. With run folders it
 * reads their event logs; without, it runs the calibration set (scenarios/calibration/
 * default-set.json). Writes calibration.json and calibration.md; exits 1 when a tolerance fails.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type CalibrationResult, calibrate, formatCalibration } from '../../calibration/calibration-report.ts';
import { gasDaysBesideReal } from '../../calibration/gas-calibration.ts';
import { type MarketFacts, MarketFactsSink } from '../../calibration/market-facts.ts';
import { loadRealMarket } from '../../calibration/real-market.ts';
import { loadCandles } from '../../data/candle-loader.ts';
import { resolveDataFile } from '../../data/catalog.ts';
import { GAS_HISTORY_FILE, loadGasHistory } from '../../data/gas-history.ts';
import { HOURLY_HISTORY } from '../../data/history.ts';
import { InputError } from '../../data/input-error.ts';
import { calmVolatilityBefore } from '../../data/realised-volatility.ts';
import { REPO_ROOT, findDataDir, findShared } from '../../data/shared-dir.ts';
import { loadRunScenario, resolveRun } from '../../scenarios/run-loader.ts';
import { readEventLog } from '../../sim/engine/event-log.ts';
import { runSimulation } from '../../sim/engine/run-simulation.ts';
import { EXIT_FAILED_CHECKS } from '../errors.ts';
import { progressBar } from '../progress.ts';

export const DEFAULT_SET = join(REPO_ROOT, 'scenarios', 'calibration', 'default-set.json');

interface CalibrationSet {
  readonly runs: readonly string[];
  /** The candle window the L1 gas process is checked on. */
  readonly gasWindow: string;
}

function loadSet(file: string): CalibrationSet {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError({ file }, `cannot read the calibration set: ${(e as Error).message}`);
  }
  const s = json as Partial<CalibrationSet>;
  if (!Array.isArray(s.runs) || s.runs.length === 0 || !s.runs.every((r) => typeof r === 'string')) throw new InputError({ file, field: 'runs' }, 'a non-empty list of run scenario files');
  if (typeof s.gasWindow !== 'string') throw new InputError({ file, field: 'gasWindow' }, 'a candle file (or a unique prefix) to check the L1 gas on');
  return { runs: s.runs.map((r) => resolve(dirname(file), r)), gasWindow: s.gasWindow };
}

/** Facts of a finished run, from its event log. */
export async function factsOfRunDir(dir: string): Promise<MarketFacts> {
  const log = join(dir, 'events.jsonl');
  if (!existsSync(log)) throw new InputError({ file: dir }, 'no events.jsonl: give a folder written by `vamm run`');
  const sink = new MarketFactsSink();
  for await (const e of readEventLog(log)) sink.write(e, '');
  return sink.result();
}

/** Facts of a scenario, running it (no files written). */
export async function factsOfScenario(file: string, o: { dataDir?: string; onProgress?: (share: number) => void } = {}): Promise<MarketFacts> {
  const config = await resolveRun(loadRunScenario(file), { ...(o.dataDir ? { dataDir: o.dataDir } : {}), file });
  const sink = new MarketFactsSink();
  await runSimulation(config, { sinks: [sink], ...(o.onProgress ? { onProgress: (p) => o.onProgress?.((p.time - p.start) / (p.end - p.start)) } : {}) });
  return sink.result();
}

/** The whole calibration: facts of the given runs (or the set's), the real market, the L1 gas week. */
export async function runCalibration(o: { runDirs?: readonly string[]; set?: string; dataDir?: string; quiet?: boolean }): Promise<CalibrationResult> {
  const dataDir = findDataDir(o.dataDir);
  const set = loadSet(o.set ?? DEFAULT_SET);
  const facts: MarketFacts[] = [];
  if (o.runDirs && o.runDirs.length > 0) for (const dir of o.runDirs) facts.push(await factsOfRunDir(dir));
  else {
    for (const [i, file] of set.runs.entries()) {
      const bar = progressBar(`calibration run ${i + 1}/${set.runs.length}`, o.quiet ?? false);
      facts.push(await factsOfScenario(file, { ...(o.dataDir ? { dataDir: o.dataDir } : {}), onProgress: (x) => bar.update(x, file) }));
      bar.stop();
    }
  }
  const real = await loadRealMarket(dataDir);
  const window = await loadCandles(resolveDataFile(set.gasWindow, () => dataDir), { gapPolicy: 'carry-forward' });
  const calm = await calmVolatilityBefore(join(dataDir, HOURLY_HISTORY), window.time[0] as number);
  if (calm === null) throw new InputError({ file: set.gasWindow }, 'no hourly prices for the month before the gas window');
  const gas = await gasDaysBesideReal(await loadGasHistory(findShared(GAS_HISTORY_FILE)), window, calm);
  return calibrate(facts, real, gas);
}

export function registerCalibrateCommand(program: Command): void {
  program
    .command('calibrate')
    .description("the simulated market's stylised facts beside the real perp-spot market's, with each tolerance")
    .argument('[run-dirs...]', 'folders written by `vamm run` (default: run the calibration set)')
    .option('--set <file>', 'calibration set: run scenarios and the gas window', DEFAULT_SET)
    .option('--data <dir>', 'price-data folder (default: $VAMM_DATA_DIR, else ../shared/data/eth)')
    .option('-o, --out <dir>', 'output folder', join('runs', 'calibration'))
    .option('-q, --quiet', 'no progress bar')
    .action(async (runDirs: string[], flags: { set: string; data?: string; out: string; quiet?: boolean }) => {
      const result = await runCalibration({ runDirs, set: flags.set, ...(flags.data ? { dataDir: flags.data } : {}), ...(flags.quiet ? { quiet: true } : {}) });
      mkdirSync(flags.out, { recursive: true });
      writeFileSync(join(flags.out, 'calibration.json'), `${JSON.stringify(result, null, 2)}\n`);
      const markdown = formatCalibration(result);
      writeFileSync(join(flags.out, 'calibration.md'), markdown);
      process.stdout.write(`${markdown}\nwritten ${flags.out}/{calibration.json, calibration.md}\n`);
      if (!result.pass) process.exitCode = EXIT_FAILED_CHECKS;
    });
}
