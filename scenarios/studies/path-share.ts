/**
 * How much of a run's outcome is its price path and how much the agents' draws on it, from the
 * same paths each run under several agents' seeds (`prices.seed` holds the path). It bounds what
 * any phase-1 score can do: a score sees the path alone, so it can at best know each path's
 * chance of reaching a level, P(D ≥ x | path), never whether this run's agents reach it.
 */
import { sampleRankCorrelation } from 'simple-statistics';

export interface LevelShare {
  /** The upper tail probability the level is set at (of all runs pooled). */
  readonly q: number;
  /** The level: the pooled drawdown exceeded by a share q of the runs. */
  readonly x: number;
  /** Paths that reach it under at least one agents' seed, and under every one. */
  readonly pathsReaching: number;
  readonly pathsAlwaysReaching: number;
  /** Of the top q of paths under one seed, the share also in the top q under another (mean over ordered pairs). */
  readonly topAgreement: number;
  /**
   * The variance factor of the ideal path score: runs allocated by Neyman over paths knowing
   * each path's P(D ≥ x | path) = p_i, against plain sampling: p̄(1 − p̄) / (mean σ_i)², with
   * σ_i² = p_i(1 − p_i) estimated without bias from the seeds (× K/(K − 1)). Infinite when no
   * path's outcome depends on its seed.
   */
  readonly idealFactor: number;
}

export interface PathShare {
  readonly paths: number;
  readonly seeds: number;
  readonly mean: number;
  /** Share of the outcome's variance that is between paths (the rest is the agents' draws within a path). */
  readonly betweenPaths: number;
  /** Spearman's correlation across paths of the outcome under two seeds (over every pair of seeds). */
  readonly rankCorrelation: { readonly mean: number; readonly min: number; readonly max: number };
  readonly levels: readonly LevelShare[];
}

const mean = (x: readonly number[]) => x.reduce((s, v) => s + v, 0) / x.length;

/** `outcome[k][i]`: path i under agents' seed k (every row the same length, at least two seeds). */
export function pathShare(outcome: readonly (readonly number[])[], levels: readonly number[]): PathShare {
  const K = outcome.length;
  const n = outcome[0]?.length ?? 0;
  if (K < 2 || n < 2) throw new RangeError(`path share: needs two seeds and two paths (got ${K} × ${n})`);
  for (const [k, row] of outcome.entries()) {
    if (row.length !== n) throw new RangeError(`path share: seed ${k} has ${row.length} paths, seed 0 has ${n}`);
    if (row.some((v) => !Number.isFinite(v))) throw new RangeError(`path share: seed ${k} has an outcome that is not a finite number`);
  }
  const at = (k: number, i: number) => (outcome[k] as readonly number[])[i] as number;
  const paths = [...Array(n).keys()];
  const all = outcome.flat();
  const grand = mean(all);
  const pathMean = paths.map((i) => mean(outcome.map((r) => r[i] as number)));
  const between = mean(pathMean.map((m) => (m - grand) ** 2));
  const within = mean(paths.flatMap((i) => outcome.map((r) => ((r[i] as number) - (pathMean[i] as number)) ** 2)));
  const pairs: number[] = [];
  for (let k = 0; k < K; k++) for (let l = k + 1; l < K; l++) pairs.push(sampleRankCorrelation(outcome[k] as number[], outcome[l] as number[]));
  const sorted = [...all].sort((a, b) => b - a);
  const shares = levels.map((q): LevelShare => {
    if (!(q > 0 && q < 1)) throw new RangeError(`path share: level ${q} is not a probability in (0, 1)`);
    const x = sorted[Math.max(0, Math.round(q * all.length) - 1)] as number;
    const p = paths.map((i) => outcome.filter((r) => (r[i] as number) >= x).length / K);
    const pBar = mean(p);
    const sigma = mean(p.map((v) => Math.sqrt((v * (1 - v) * K) / (K - 1))));
    const top = (k: number) => new Set([...paths].sort((a, b) => at(k, b) - at(k, a) || a - b).slice(0, Math.max(1, Math.round(q * n))));
    const agreement: number[] = [];
    for (let k = 0; k < K; k++) {
      const tk = top(k);
      for (let l = 0; l < K; l++) {
        if (l === k) continue;
        const tl = top(l);
        agreement.push([...tk].filter((i) => tl.has(i)).length / tk.size);
      }
    }
    return {
      q,
      x,
      pathsReaching: p.filter((v) => v > 0).length,
      pathsAlwaysReaching: p.filter((v) => v === 1).length,
      topAgreement: mean(agreement),
      idealFactor: sigma === 0 ? Number.POSITIVE_INFINITY : (pBar * (1 - pBar)) / sigma ** 2,
    };
  });
  return {
    paths: n,
    seeds: K,
    mean: grand,
    betweenPaths: between + within === 0 ? 1 : between / (between + within),
    rankCorrelation: { mean: mean(pairs), min: Math.min(...pairs), max: Math.max(...pairs) },
    levels: shares,
  };
}
