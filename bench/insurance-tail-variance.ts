/**
 * What a phase-1 score buys the insurance study's tail, measured on exact runs: the study's rows
 * (a stratified run of `vamm study insurance`, each row naming its generator, candidate path,
 * stratum and mass) are re-scored by the largest-move score and the cascade screen (the paths
 * regenerated from forPath(seed, index), as the runs drew them), and for each the variance of the
 * stratified estimator of P(D ≥ x) is estimated by post-stratification of the same exact runs,
 * at the same number of exact runs:
 *
 *   Var = Σ_G V_G² p_G (1 − p_G) / m_G,
 *
 * V_G the share of the candidates in stratum G (known exactly), p_G = P(D ≥ x | G) estimated from
 * the rows in G weighted by their own design's mass (a ratio estimator: unbiased in the limit
 * whatever design drew them), m_G the runs the design puts there. x is each generator's fund at
 * 1 %, 0.1 % and 0.01 % (the rows' own weighted VaR). Reported: the variance-reduction factor,
 * the plain-Monte-Carlo-equivalent sample size N_eq = p(1 − p)/Var and the variance-equivalent
 * paths per second N_eq / T, T the design's wall time on two cores (phase 1's candidates, timed
 * here, plus the exact runs at `--exact-rate` paths/s). To keep tuning apart from judging, the
 * rows are split by path index: the allocation (Neyman: m_G ∝ V_G·σ_G) is set on the even
 * indices and every variance is measured on the odd ones (`--split none` uses all rows for both).
 *
 *   npx tsx bench/insurance-tail-variance.ts <rows.jsonl> [--config <insurance.json>] [--candidates N] [--json <out>]
 */
import { sampleRankCorrelation as spearman } from 'simple-statistics';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Rng, forPath } from '../data/prng.ts';
import type { ReturnGenerator } from '../data/generators/types.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { parseTimeArg } from '../data/time-arg.ts';
import { fittedGenerator } from '../scenarios/price-source.ts';
import { intrabarLibrary } from '../data/intrabar.ts';
import { type CascadeScreenResult, screenScore } from '../scenarios/studies/cascade-screen.ts';
import { type InsuranceConfig, candidatesOf, perStratumOf } from '../scenarios/studies/insurance.ts';
import { STUDIES, loadStudyConfig } from '../scenarios/studies/registry.ts';
import { DEFAULT_SCREEN, studyScreen } from '../scenarios/studies/screen-market.ts';
import { cutStrata, pathScore, rankMax, stratumOf } from '../scenarios/studies/strata.ts';
import { weightedVaR } from '../scenarios/studies/tail.ts';

interface Row {
  readonly generator: string;
  readonly path: number;
  readonly set: 'paths' | 'plain';
  readonly stratum: number;
  readonly mass: number;
  readonly drawdown: number;
}

// The study's three fund levels, and two looser ones where the held-out rows hold enough hits to measure a design.
const LEVELS = [0.05, 0.02, 0.01, 0.001, 0.0001] as const;

function readRows(file: string): Row[] {
  const out: Row[] = [];
  for (const [n, line] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    let r: { ok?: boolean; values?: Record<string, unknown>; metrics?: { drawdown?: number[] } };
    try {
      r = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file}:${n + 1}: not JSON (${(e as Error).message})`);
    }
    const v = r.values ?? {};
    const set = v['label.set'];
    if (!r.ok || (set !== 'paths' && set !== 'plain')) continue;
    const d = r.metrics?.drawdown;
    if (!Array.isArray(d) || typeof d.at(-1) !== 'number') throw new Error(`${file}:${n + 1}: metrics.drawdown is missing`);
    out.push({
      generator: String(v['prices.generator']),
      path: Number(v['prices.path']),
      set,
      stratum: set === 'paths' ? Number(v['label.stratum']) : 0,
      mass: set === 'paths' ? Number(v['label.mass']) : 0,
      drawdown: d.at(-1) as number,
    });
  }
  return out;
}

interface StratumStats {
  readonly weight: number;
  readonly rows: number;
  /** Of those rows, how many reach x. */
  readonly hits: number;
  /** P(D ≥ x | stratum) (NaN when no row says anything about it). */
  readonly p: number;
}

/**
 * Per stratum of a design, its weight and P(D ≥ x) in it, from cells: every candidate falls in
 * one stratum of the run design (h) and one of the design judged (G); the cell's weight V_hG is
 * its share of the candidates (exact), and within a cell every row, stratified or plain, is a
 * uniform draw from it, so the cell's P is its rows' share of hits. A cell no row fell in takes
 * its run stratum's P (the rows say nothing more about it). P_G = Σ_h V_hG·P_hG / V_G.
 */
function strataStats(rows: readonly Row[], cell: (r: Row) => [number, number], cellWeights: readonly (readonly number[])[], judged: 0 | 1, x: number): StratumStats[] {
  const H = cellWeights.length;
  const G = (cellWeights[0] as readonly number[]).length;
  const hits = cellWeights.map((w) => w.map(() => 0));
  const count = cellWeights.map((w) => w.map(() => 0));
  for (const r of rows) {
    const [h, g] = cell(r);
    (count[h] as number[])[g]!++;
    if (r.drawdown >= x) (hits[h] as number[])[g]!++;
  }
  const runStratumP = hits.map((row, h) => {
    const k = row.reduce((a, v) => a + v, 0);
    const m = (count[h] as number[]).reduce((a, v) => a + v, 0);
    return m > 0 ? k / m : Number.NaN;
  });
  const out: StratumStats[] = [];
  for (let s = 0; s < (judged === 0 ? H : G); s++) {
    let [weight, pw, n, k] = [0, 0, 0, 0];
    for (let h = 0; h < H; h++) {
      for (let g = 0; g < G; g++) {
        if ((judged === 0 ? h : g) !== s) continue;
        const v = (cellWeights[h] as readonly number[])[g] as number;
        const m = (count[h] as number[])[g] as number;
        weight += v;
        n += m;
        k += (hits[h] as number[])[g] as number;
        pw += v * (m > 0 ? ((hits[h] as number[])[g] as number) / m : (runStratumP[h] as number));
      }
    }
    out.push({ weight, rows: n, hits: k, p: weight > 0 ? pw / weight : Number.NaN });
  }
  return out;
}

/**
 * Var of the stratified estimator with m_G runs in stratum G. A stratum without rows counts as
 * p(1 − p) = 1/4 (the most it can be). A stratum whose rows hold no hit adds nothing, which
 * flatters every design alike where the rows are few: with `floor` it counts as if the next row
 * were a hit (p = 1/(rows + 2), Laplace's rule), the other extreme, printed beside it. Where the
 * two disagree the rows do not measure the design.
 */
function stratifiedVariance(stats: readonly StratumStats[], runs: readonly number[], floor = false): number {
  return stats.reduce((a, s, g) => {
    const p = floor && s.hits === 0 ? Math.max(s.p, 1 / (s.rows + 2)) : s.p;
    const pq = Number.isNaN(p) ? 0.25 : p * (1 - p);
    return a + (s.weight * s.weight * pq) / (runs[g] as number);
  }, 0);
}

/** Neyman allocation of `budget` runs: m_G ∝ V_G·σ_G, at least `floor` each and at most the stratum's candidates. */
function neyman(stats: readonly StratumStats[], budget: number, candidates: number, floor = 10): number[] {
  // A stratum without a hit on the tuning rows gets Laplace's p, not none: runs still go there.
  const sd = stats.map((s) => {
    const p = s.hits === 0 ? Math.max(s.p, 1 / (s.rows + 2)) : s.p;
    return Math.sqrt(Number.isNaN(p) ? 0.25 : p * (1 - p));
  });
  const total = stats.reduce((a, s, g) => a + s.weight * (sd[g] as number), 0);
  const free = budget - floor * stats.length;
  return stats.map((s, g) => Math.min(Math.round(s.weight * candidates), floor + Math.round((free * s.weight * (sd[g] as number)) / total)));
}

const RESAMPLES = 200;

/** Rows resampled with replacement within each group (a stratified bootstrap of the rows). */
function resampleWithin(rows: readonly Row[], group: (r: Row) => number, rng: Rng): Row[] {
  const groups = new Map<number, Row[]>();
  for (const r of rows) {
    const g = group(r);
    const list = groups.get(g);
    if (list) list.push(r);
    else groups.set(g, [r]);
  }
  const out: Row[] = [];
  for (const list of groups.values()) for (let i = 0; i < list.length; i++) out.push(list[rng.int(list.length)] as Row);
  return out;
}

/** Every candidate's phase-1 scores, timed (or read from `cache`, written there when absent). */
function phaseOne(gen: ReturnGenerator, o: { n: number; steps: number; window: number; seed: number; screen: (r: Float64Array, path: number) => CascadeScreenResult; cache?: string | undefined }) {
  if (o.cache && existsSync(o.cache)) {
    const all = new Float64Array(readFileSync(o.cache).buffer.slice(0));
    const [drawMs, oldMs, screenMs] = [all[0] as number, all[1] as number, all[2] as number];
    return { old: all.slice(3, 3 + o.n), cascade: all.slice(3 + o.n), drawMs, oldMs, screenMs, cached: true };
  }
  const old = new Float64Array(o.n);
  const cascade = new Float64Array(o.n);
  let [drawMs, oldMs, screenMs] = [0, 0, 0];
  for (let i = 0; i < o.n; i++) {
    const t0 = performance.now();
    const returns = gen.generate(forPath(o.seed, i), o.steps);
    const t1 = performance.now();
    old[i] = pathScore(returns, o.window);
    const t2 = performance.now();
    cascade[i] = screenScore(o.screen(returns, i));
    screenMs += performance.now() - t2;
    oldMs += t2 - t1;
    drawMs += t1 - t0;
  }
  if (o.cache) {
    mkdirSync(dirname(o.cache), { recursive: true });
    const all = new Float64Array(3 + 2 * o.n);
    all.set([drawMs, oldMs, screenMs]);
    all.set(old, 3);
    all.set(cascade, 3 + o.n);
    writeFileSync(o.cache, all);
  }
  return { old, cascade, drawMs, oldMs, screenMs, cached: false };
}

export interface DesignFigure {
  readonly score: string;
  readonly allocation: string;
  readonly runs: number[];
  readonly weights: number[];
  readonly hitsPerStratum: number[];
  readonly rowsPerStratum: number[];
  readonly variance: number;
  /** With the zero-hit floor (see stratifiedVariance). */
  readonly flooredVariance: number;
  /** The design's wall time on two cores: phase 1 plus its exact runs. */
  readonly seconds: number;
  /** 95 % interval of the variance-reduction factor over resamples of the held-out rows. */
  readonly reductionInterval: [number, number];
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      candidates: { type: 'string' },
      split: { type: 'string', default: 'parity' },
      'exact-rate': { type: 'string', default: '4.65' },
      response: { type: 'string' },
      'inventory-scale': { type: 'string' },
      json: { type: 'string' },
      generators: { type: 'string' },
      cache: { type: 'string' },
    },
  });
  const rowsFile = positionals[0];
  if (!rowsFile) throw new Error('usage: npx tsx bench/insurance-tail-variance.ts <rows.jsonl> [--config file] [--candidates N] [--split parity|none] [--json out]');
  const study = STUDIES.insurance;
  const c = loadStudyConfig(study, values.config ?? study.defaultConfig) as InsuranceConfig;
  const settings = {
    response: values.response ? Number(values.response) : DEFAULT_SCREEN.response,
    inventoryScale: values['inventory-scale'] ? Number(values['inventory-scale']) : DEFAULT_SCREEN.inventoryScale,
  };
  const screen = studyScreen(c, c.paths.intrabar === 'none' ? null : await intrabarLibrary(findDataDir()), settings);
  const exactRate = Number(values['exact-rate']);
  const rows = readRows(rowsFile);
  const held = (r: Row) => values.split === 'none' || r.path % 2 === 1;
  const tuning = (r: Row) => values.split === 'none' || r.path % 2 === 0;
  const history = { ...c.paths.history, from: parseTimeArg(c.paths.history.from) as number, to: parseTimeArg(c.paths.history.to) as number };
  const report: Record<string, unknown>[] = [];
  console.log(`screen: ${JSON.stringify(settings)}; rows ${rowsFile} (${rows.length} stratified and plain); split ${values.split}; exact runs at ${exactRate} paths/s on 2 cores`);

  for (const g of values.generators ? values.generators.split(',') : c.paths.generators) {
    const rs = rows.filter((r) => r.generator === g && r.set === 'paths');
    const plain = rows.filter((r) => r.generator === g && r.set === 'plain');
    if (rs.length === 0) continue;
    const gen = await fittedGenerator({ generator: g, history } as never, () => findDataDir());
    const steps = Math.ceil(c.paths.horizon / gen.resolution);
    const window = Math.max(1, Math.round(86400 / gen.resolution));
    const n = Math.min(candidatesOf(c, g), values.candidates ? Number(values.candidates) : Number.POSITIVE_INFINITY);
    const phase = phaseOne(gen, { n, steps, window, seed: c.seed, screen, cache: values.cache ? join(values.cache, `${g}-${n}-walk-${c.paths.intrabar}-${JSON.stringify(settings).replace(/[^0-9a-z.]+/gi, '_')}.bin`) : undefined });
    const { old, cascade } = phase;
    const combined = rankMax([old, cascade]);
    const tails = c.paths.strata;
    const perStratum = perStratumOf(c, g);
    const skipBelow = g === c.paths.plain.generator ? c.paths.plain.count : 0;
    const scores: Array<{ name: string; values: Float64Array; phase1: number }> = [
      { name: 'largest move', values: old, phase1: (phase.drawMs + phase.oldMs) / 1000 / 2 },
      { name: 'cascade screen', values: cascade, phase1: (phase.drawMs + phase.screenMs) / 1000 / 2 },
      { name: 'either (max rank)', values: combined, phase1: (phase.drawMs + phase.oldMs + phase.screenMs) / 1000 / 2 },
    ];
    const designs = scores.map((sc) => ({ ...sc, design: cutStrata(sc.values, { tails, perStratum, skipBelow, name: g }) }));
    const run = designs[0] as (typeof designs)[number];
    // The rows' strata as the study labelled them must be the ones the regenerated paths fall in.
    const inRange = rs.filter((r) => r.path < n);
    const mislabelled = inRange.filter((r) => stratumOf(run.design.cuts, old[r.path] as number) !== r.stratum).length;
    const scored = (r: Row) => r.path < n;
    const budget = rs.length;
    const runRuns = run.design.weights.map((_, h) => rs.filter((r) => r.stratum === h).length);
    // Rows that say what P is in a cell: the stratified rows and the plain ones (uniform draws from every cell alike).
    const heldStratified = rs.filter((r) => held(r) && scored(r));
    const heldPlain = plain.filter((r) => held(r) && scored(r));
    const tuneRows = [...rs, ...plain].filter((r) => tuning(r) && scored(r));
    const runStratum = (r: Row) => stratumOf(run.design.cuts, old[r.path] as number);
    const judged = designs.map((d) => {
      const stratum = (i: number) => stratumOf(d.design.cuts, d.values[i] as number);
      const cellWeights = run.design.weights.map(() => d.design.weights.map(() => 0));
      for (let i = 0; i < n; i++) (cellWeights[stratumOf(run.design.cuts, old[i] as number)] as number[])[stratum(i)]! += 1 / n;
      return { ...d, cellWeights, cellOf: (r: Row): [number, number] => [runStratum(r), stratum(r.path)] };
    });
    const corr = Object.fromEntries(
      scores.map((sc) => [sc.name, { stratified: spearman(heldStratified.map((r) => sc.values[r.path] as number), heldStratified.map((r) => r.drawdown)), plain: heldPlain.length ? spearman(heldPlain.map((r) => sc.values[r.path] as number), heldPlain.map((r) => r.drawdown)) : null }]),
    );
    const samples = rs.map((r) => ({ x: r.drawdown, w: r.mass, stratum: r.stratum }));
    console.log(`\n${g}: ${n.toLocaleString('en-US')} candidates (draw ${((1000 * phase.drawMs) / n).toFixed(1)} µs, largest move ${((1000 * phase.oldMs) / n).toFixed(1)} µs, screen ${((1000 * phase.screenMs) / n).toFixed(1)} µs a path${phase.cached ? ', scores read from the cache: times of the run that wrote it' : ''}); ${rs.length} stratified rows (${mislabelled} of ${inRange.length} in another stratum than labelled), ${plain.length} plain; held out: ${heldStratified.length} + ${heldPlain.length}`);
    console.log(`  rank correlation with the exact drawdown (held-out rows, stratified${heldPlain.length ? ' / plain' : ''}): ${scores.map((sc) => `${sc.name} ${(corr[sc.name]?.stratified as number).toFixed(3)}${heldPlain.length ? ` / ${(corr[sc.name]?.plain as number).toFixed(3)}` : ''}`).join(', ')}`);
    const levels: Record<string, unknown>[] = [];
    const rng = new Rng(0x7a11 + n);
    for (const level of LEVELS) {
      const x = weightedVaR(samples, level);
      const evalRows = [...heldStratified, ...heldPlain];
      const statsOf = (rows: readonly Row[], j: (typeof judged)[number], side: 0 | 1) => strataStats(rows, j.cellOf, j.cellWeights, side, x);
      const runStats = statsOf(evalRows, judged[0] as (typeof judged)[number], 0);
      const p = runStats.reduce((a, st) => a + st.weight * (Number.isNaN(st.p) ? 0 : st.p), 0);
      const figures: DesignFigure[] = [];
      for (const j of judged) {
        const stats = statsOf(evalRows, j, 1);
        const allocations: Array<[string, number[]]> = [
          ['as run', runRuns],
          ['Neyman (even paths)', neyman(statsOf(tuneRows, j, 1), budget, n)],
        ];
        for (const [allocation, runs] of allocations) {
          // The factor's spread: the held-out rows resampled within their run strata (plain rows apart).
          const ratios: number[] = [];
          for (let b = 0; b < RESAMPLES; b++) {
            const resampled = resampleWithin(heldStratified, runStratum, rng).concat(resampleWithin(heldPlain, () => 0, rng));
            const base = stratifiedVariance(statsOf(resampled, judged[0] as (typeof judged)[number], 0), runRuns);
            const v = stratifiedVariance(statsOf(resampled, j, 1), runs);
            if (v > 0 && base > 0) ratios.push(base / v);
          }
          ratios.sort((u, w) => u - w);
          const q = (f: number) => (ratios.length ? (ratios[Math.min(ratios.length - 1, Math.floor(f * ratios.length))] as number) : Number.NaN);
          const variance = stratifiedVariance(stats, runs);
          const flooredVariance = stratifiedVariance(stats, runs, true);
          const seconds = j.phase1 + runs.reduce((a, m) => a + m, 0) / exactRate;
          figures.push({ score: j.name, allocation, runs, weights: stats.map((st) => st.weight), hitsPerStratum: stats.map((st) => st.hits), rowsPerStratum: stats.map((st) => st.rows), variance, flooredVariance, seconds, reductionInterval: [q(0.025), q(0.975)] });
        }
      }
      const base = figures[0]?.variance as number;
      console.log(`  P(D ≥ ${Math.round(x).toLocaleString('en-US')}) ≈ ${(p * 100).toPrecision(3)} % (the rows' ${level * 100} % quantile, from all rows; P from the held-out ones):`);
      for (const d of figures) {
        const nEq = (p * (1 - p)) / d.variance;
        console.log(
          `    ${`${d.score}, ${d.allocation}`.padEnd(40)} runs ${d.runs.join('/').padEnd(16)} hits ${d.hitsPerStratum.join('/').padEnd(12)} of ${d.rowsPerStratum.join('/').padEnd(16)} ` +
            `sd ${Math.sqrt(d.variance).toExponential(2)}  ×${(base / d.variance).toFixed(2)} (${d.reductionInterval[0].toFixed(2)}–${d.reductionInterval[1].toFixed(2)})  N_eq ${Math.round(nEq).toLocaleString('en-US')} (${Math.round((p * (1 - p)) / d.flooredVariance).toLocaleString('en-US')} with the floor)  ${(nEq / d.seconds).toFixed(1)} paths/s (${Math.round(d.seconds)} s)`,
        );
      }
      levels.push({ level, x, p, designs: figures.map((d) => ({ ...d, nEq: (p * (1 - p)) / d.variance, reduction: base / d.variance, equivalentPathsPerSecond: (p * (1 - p)) / d.variance / d.seconds })) });
    }
    report.push({ generator: g, candidates: n, microsecondsPerPath: { draw: (1000 * phase.drawMs) / n, largestMove: (1000 * phase.oldMs) / n, screen: (1000 * phase.screenMs) / n }, mislabelled, rows: rs.length, plain: plain.length, rankCorrelation: corr, levels });
  }
  const out = { rows: rowsFile, settings, split: values.split, exactRate, cpus: cpus().length, generators: report };
  if (values.json) writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
