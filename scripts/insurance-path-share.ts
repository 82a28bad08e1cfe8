/**
 * How much of an insurance path's drawdown is the price path, and how much the agents' draws:
 * the study's first plain paths, each run under several agents' seeds with the path itself held
 * (`prices.seed`), exact runs on the worker pool. Printed (scenarios/studies/path-share.ts): the
 * drawdown's variance split into between paths and within a path (the agents' draws: look
 * intervals, edges, bids, inventory limits, the noise traders, the gas process), the rank
 * correlation across paths under two agents' seeds, and at each level how many paths reach it
 * under some seed and under every seed, how often a path in the top q under one seed is in the
 * top q under another, and the variance factor of the ideal path score. Rows (resumable: finished
 * points are not run again) and a JSON summary go to `--out`.
 *
 *   npx tsx scripts/insurance-path-share.ts [--paths 200] [--seeds 4] [--generator <name>] [--only i,j,…] [--threads 2] [--out <dir>] [--quiet]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GENERATOR_NAMES } from '../data/generators/registry.ts';
import { STUDIES, loadStudyConfig } from '../scenarios/studies/registry.ts';
import { POINT_SEED, runSweep } from '../scenarios/sweep.ts';
import { plainPathsConfig } from '../bench/insurance-throughput.ts';
import { progressBar } from '../cli/progress.ts';
import { pathShare } from '../scenarios/studies/path-share.ts';

const { values: a } = parseArgs({ options: { paths: { type: 'string', default: '200' }, seeds: { type: 'string', default: '4' }, threads: { type: 'string', default: '2' }, out: { type: 'string', default: 'runs/insurance-path-share' }, generator: { type: 'string' }, only: { type: 'string' }, quiet: { type: 'boolean', default: false } } });
const count = (flag: string, text: string, least: number) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < least) throw new Error(`--${flag} ${text}: not a whole number of at least ${least}`);
  return n;
};
const [paths, seeds, threads] = [count('paths', a.paths, 2), count('seeds', a.seeds, 2), count('threads', a.threads, 1)];
if (a.generator !== undefined && !(GENERATOR_NAMES as readonly string[]).includes(a.generator)) throw new Error(`--generator ${a.generator}: not one of ${GENERATOR_NAMES.join(', ')}`);
const study = STUDIES.insurance;
const bundled = loadStudyConfig(study, study.defaultConfig);
// The plain paths of the bundled config, or of another of its generators (`--generator garch-fhs`).
const config = plainPathsConfig({ ...bundled, paths: { ...bundled.paths, plain: { ...bundled.paths.plain, generator: (a.generator ?? bundled.paths.plain.generator) as typeof bundled.paths.plain.generator } } });
const spec = await study.sweep(config);
// The first `--paths` plain paths, or the ones `--only` names (path indices, comma-separated).
const only = a.only?.split(',').map((t) => count('only', t, 0));
const plain = spec.points.filter((p) => p['label.set'] === 'plain' && (!only || only.includes(p['prices.path'] as number))).slice(0, only ? undefined : paths);
if (only && plain.length !== new Set(only).size) throw new Error(`--only ${a.only}: the bundled config has ${spec.points.filter((p) => p['label.set'] === 'plain').length} plain paths (0 to n − 1)`);
// Agents' seed k: the study's own seed first, so seed 0's rows are the study's plain rows.
const agentSeeds = Array.from({ length: seeds }, (_, k) => config.seed + 1000 * k);
const points = agentSeeds.flatMap((s) => plain.map((p) => ({ ...p, 'prices.seed': config.seed, [POINT_SEED]: s })));
mkdirSync(a.out, { recursive: true });
const bar = progressBar('path share', a.quiet);
const rows = await runSweep({ ...spec, points }, { threads, out: join(a.out, 'rows.jsonl'), metrics: (s, p) => (study.metrics as NonNullable<typeof study.metrics>)(config, s, p), onProgress: (done, total) => bar.update(done / total, `${done} / ${total} runs`) });
bar.stop();

// drawdown[k][i]: agents' seed k, path i (the last horizon's drawdown, USD).
const dd = agentSeeds.map(() => new Array<number>(plain.length).fill(Number.NaN));
for (const row of rows) {
  if (!row.ok) throw new Error(`point ${row.index} (${JSON.stringify(row.values)}) failed: ${row.error}`);
  const k = agentSeeds.indexOf(row.seed);
  const i = plain.findIndex((p) => p['prices.path'] === row.values['prices.path']);
  (dd[k] as number[])[i] = (row.metrics as { drawdown: number[] }).drawdown.at(-1) as number;
}
const share = pathShare(dd, [0.05, 0.02, 0.01]);
writeFileSync(join(a.out, 'summary.json'), `${JSON.stringify({ ...share, agentSeeds, drawdown: dd }, null, 1)}\n`);
console.log(JSON.stringify({ ...share, agentSeeds }, null, 1));
