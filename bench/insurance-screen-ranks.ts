/**
 * How well a phase-1 score ranks the insurance study's tail, on exact rows that hold each path
 * under several agents' seeds (scripts/insurance-path-share.ts' summary: `drawdown[k][i]`, path i
 * of the study's plain paths under agents' seed k). For the largest daily move and the cascade
 * screen (as the study's `cascade` score runs it: the drawn 5-minute shapes walked, the bundled
 * config's market), on the even and on the odd path indices apart (settings are chosen on the
 * even ones; the odd ones judge):
 * - Spearman's rank correlation of the score with each path's mean drawdown over the seeds;
 * - per level x (the pooled drawdowns' upper 5 %, 2 % and 1 %), the percentile ranks (0 = top) of
 *   the paths that reach x under some seed, and the variance factor over plain sampling of a
 *   Neyman-allocated design on three strata of the score (its top 5 %, the next 15 %, the rest)
 *   with P(D ≥ x | path) read off the seeds: a stratum's variance is p̄(1 − p̄) of its paths'
 *   mean, so the agents' own spread within a path counts against every score alike.
 *
 *   npx tsx bench/insurance-screen-ranks.ts <summary.json> [--generator bootstrap] [--lists]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sampleRankCorrelation as spearman } from 'simple-statistics';
import { intrabarLibrary } from '../data/intrabar.ts';
import { forPath } from '../data/prng.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { parseTimeArg } from '../data/time-arg.ts';
import { fittedGenerator } from '../scenarios/price-source.ts';
import { screenScore } from '../scenarios/studies/cascade-screen.ts';
import type { InsuranceConfig } from '../scenarios/studies/insurance.ts';
import { STUDIES, loadStudyConfig } from '../scenarios/studies/registry.ts';
import { studyScreen } from '../scenarios/studies/screen-market.ts';
import { pathScore } from '../scenarios/studies/strata.ts';

const LEVELS = [0.05, 0.02, 0.01] as const;

/** Path i's drawdown under each agents' seed, from a path-share summary (checked: one row per seed, equal lengths). */
function readDrawdowns(file: string): number[][] {
  const d = (JSON.parse(readFileSync(file, 'utf8')) as { drawdown?: unknown }).drawdown;
  if (!Array.isArray(d) || d.length === 0 || !d.every((r) => Array.isArray(r) && r.length === (d[0] as unknown[]).length && r.every((x) => typeof x === 'number'))) {
    throw new Error(`${file}: drawdown must be one array of numbers per agents' seed, all of one length`);
  }
  return d as number[][];
}

/** The variance factor over plain sampling of a Neyman design on the score's top 5 %, next 15 % and rest, P per path given. */
function neymanFactor(order: readonly number[], p: (i: number) => number): number {
  const n = order.length;
  const cuts = [0, Math.round(0.05 * n), Math.round(0.2 * n), n];
  let sum = 0;
  for (let h = 0; h < 3; h++) {
    const members = order.slice(cuts[h], cuts[h + 1]);
    const ph = members.reduce((a, i) => a + p(i), 0) / members.length;
    sum += (members.length / n) * Math.sqrt(ph * (1 - ph));
  }
  const pAll = order.reduce((a, i) => a + p(i), 0) / n;
  return (pAll * (1 - pAll)) / (sum * sum);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { generator: { type: 'string', default: 'bootstrap' }, lists: { type: 'boolean', default: false } } });
  const file = positionals[0];
  if (!file) throw new Error('usage: npx tsx bench/insurance-screen-ranks.ts <summary.json> [--generator name] [--lists]');
  const dd = readDrawdowns(file);
  const n = (dd[0] as number[]).length;
  const study = STUDIES.insurance;
  const c = loadStudyConfig(study, study.defaultConfig) as InsuranceConfig;
  const history = { ...c.paths.history, from: parseTimeArg(c.paths.history.from) as number, to: parseTimeArg(c.paths.history.to) as number };
  const gen = await fittedGenerator({ generator: values.generator, history } as never, () => findDataDir());
  const steps = Math.ceil(c.paths.horizon / gen.resolution);
  const screen = studyScreen(c, c.paths.intrabar === 'none' ? null : await intrabarLibrary(findDataDir()));
  const scores: Record<string, number[]> = { 'largest move': [], 'cascade screen': [] };
  let screenMs = 0;
  for (let i = 0; i < n; i++) {
    const returns = gen.generate(forPath(c.seed, i), steps);
    scores['largest move']?.push(pathScore(returns, Math.max(1, Math.round(86400 / gen.resolution))));
    const t0 = performance.now();
    scores['cascade screen']?.push(screenScore(screen(returns, i)));
    screenMs += performance.now() - t0;
  }
  const pooled = dd.flat().sort((a, b) => b - a);
  const levels = LEVELS.map((q) => ({ q, x: pooled[Math.round(q * pooled.length) - 1] as number }));
  const mean = (i: number) => dd.reduce((a, r) => a + (r[i] as number), 0) / dd.length;
  console.log(`${file}: ${values.generator}, ${n} paths × ${dd.length} agents' seeds; screen ${((1000 * screenMs) / n).toFixed(0)} µs a path (this run, warm-up included)`);
  for (const parity of [0, 1]) {
    const idx = [...Array(n).keys()].filter((i) => i % 2 === parity);
    console.log(`\n${parity ? 'odd paths (held out)' : 'even paths (for choosing settings)'}: ${idx.length}`);
    for (const [name, v] of Object.entries(scores)) {
      const order = [...idx].sort((a, b) => (v[b] as number) - (v[a] as number) || a - b);
      const pct = new Map(order.map((i, k) => [i, Math.round((100 * k) / idx.length)]));
      const parts = levels.map(({ q, x }) => {
        const p = (i: number) => dd.filter((r) => (r[i] as number) >= x).length / dd.length;
        const hit = idx.filter((i) => p(i) > 0).map((i) => pct.get(i) as number).sort((a, b) => a - b);
        const top = (t: number) => hit.filter((r) => r < t).length;
        return `${q * 100} % (${hit.length} paths): top 10 % ${top(10)}, top 20 % ${top(20)}, Neyman ×${neymanFactor(order, p).toFixed(2)}${values.lists ? ` [${hit.join(',')}]` : ''}`;
      });
      console.log(`  ${name.padEnd(15)} Spearman ${spearman(idx.map((i) => v[i] as number), idx.map(mean)).toFixed(3)} | ${parts.join(' | ')}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
