/**
 * One arm of bench/side-by-side.ts, in its own process: runs a bench workload on the source tree
 * at `root` (its own modules and bundled scenarios, loaded from there) and prints one JSON line,
 * the CPU and wall seconds of the work alone (loading the data and resolving the scenario left
 * out). Usage: `tsx bench/side-by-side-run.ts <root> month|year|insurance [paths]`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { backtestScenarioTexts } from './engine-throughput.ts';
import { plainPathsConfig } from './insurance-throughput.ts';

export type SideBySideRun = 'month' | 'year' | 'insurance';

/** What one arm measured: per unit (a backtest, or a warm insurance path), and how many units. */
export interface ArmResult {
  readonly run: SideBySideRun;
  readonly units: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  /** A backtest's own counts (not for insurance arms). */
  readonly backtest?: BacktestCounts;
}

export interface BacktestCounts {
  readonly blocks: number;
  readonly events: number;
  readonly actions: number;
  readonly agents: number;
  /** The arm's process's peak resident set size (MiB), data loading included. */
  readonly peakRssMiB: number;
}

/** Insurance paths run first in each process and left out: a worker's first paths compile the engine. */
export const INSURANCE_WARM_PATHS = 2;

type Loaded = Record<string, (...args: never[]) => unknown>;

async function load(root: string, path: string): Promise<Loaded> {
  return (await import(pathToFileURL(join(root, path)).href)) as Loaded;
}

async function measure(work: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const c = process.cpuUsage();
  const t = performance.now();
  await work();
  const u = process.cpuUsage(c);
  return { cpu: (u.user + u.system) / 1e6, wall: (performance.now() - t) / 1000 };
}

export async function runArm(root: string, run: SideBySideRun, paths = 10): Promise<ArmResult> {
  const { runSimulation } = (await load(root, 'sim/engine/run-simulation.ts')) as { runSimulation: (c: unknown) => Promise<unknown> };
  const { parseRunScenario, resolveRun } = (await load(root, 'scenarios/run-loader.ts')) as {
    parseRunScenario: (text: string, file?: string) => unknown;
    resolveRun: (s: unknown, o?: { seed?: number }) => Promise<unknown>;
  };
  if (run !== 'insurance') {
    const config = (await resolveRun(parseRunScenario(backtestScenarioTexts(join(root, 'scenarios', 'runs'))[run]))) as { slots: readonly unknown[] };
    let counts: { blocks: number; events: number; actions: number } | undefined;
    const m = await measure(async () => {
      counts = ((await runSimulation(config)) as { result: typeof counts }).result;
    });
    const { blocks, events, actions } = counts as NonNullable<typeof counts>;
    const backtest = { blocks, events, actions, agents: config.slots.length, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
    return { run, units: 1, cpuSeconds: m.cpu, wallSeconds: m.wall, backtest };
  }
  const { STUDIES, loadStudyConfig } = (await load(root, 'scenarios/studies/registry.ts')) as unknown as {
    STUDIES: { insurance: { defaultConfig: string; sweep: (c: unknown) => Promise<{ scenario: unknown; points: Array<Record<string, unknown> & { seed: number; values: unknown }> }> } };
    loadStudyConfig: (study: unknown, path: string) => { paths: { plain: { generator: unknown }; strata: readonly unknown[] } };
  };
  const { applyValues, expandPoints } = (await load(root, 'scenarios/sweep.ts')) as unknown as {
    applyValues: (scenario: unknown, values: unknown) => unknown;
    expandPoints: (spec: unknown) => Array<{ seed: number; values: unknown }>;
  };
  const study = STUDIES.insurance;
  const spec = await study.sweep(plainPathsConfig(loadStudyConfig(study, study.defaultConfig)));
  const points = expandPoints({ ...spec, points: spec.points.filter((p) => p['label.set'] === 'plain').slice(0, INSURANCE_WARM_PATHS + paths) });
  if (points.length < INSURANCE_WARM_PATHS + paths) throw new Error(`${root}: the bundled insurance config has ${points.length} plain paths, ${INSURANCE_WARM_PATHS + paths} asked`);
  let cpu = 0;
  let wall = 0;
  for (let k = 0; k < points.length; k++) {
    const p = points[k] as { seed: number; values: unknown };
    const config = await resolveRun(parseRunScenario(JSON.stringify(applyValues(spec.scenario, p.values)), 'insurance path'), { seed: p.seed });
    const m = await measure(() => runSimulation(config));
    if (k < INSURANCE_WARM_PATHS) continue;
    cpu += m.cpu;
    wall += m.wall;
  }
  return { run, units: paths, cpuSeconds: cpu / paths, wallSeconds: wall / paths };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [root, run, paths] = process.argv.slice(2);
  if (!root || (run !== 'month' && run !== 'year' && run !== 'insurance')) {
    console.error('usage: tsx bench/side-by-side-run.ts <root> month|year|insurance [paths]');
    process.exit(2);
  }
  console.log(JSON.stringify(await runArm(root, run, paths === undefined ? undefined : Number(paths))));
}
