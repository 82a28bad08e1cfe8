/**
 * Stratification by drawdown, the study's variance reduction for the far tail. The fund's loss
 * comes from violent paths, and which paths are violent can be read off the price path before
 * any simulation: phase 1 draws many candidate paths of a generator (cheap: returns only) and
 * scores each by its largest move within a day, down or up (either side's book can be the one
 * that breaks); strata are cut at the score's upper quantiles; phase 2 simulates a fixed number
 * of paths in each stratum, the lowest-numbered candidates in it (a random sample: candidates
 * are independent). A stratum's probability is its share of the candidates, so the estimate is
 * unbiased whatever the score, and the tail strata hold many runs where plain sampling has few.
 */
import { worstDrawdown } from '../../data/stylized-facts.ts';
import { forPath } from '../../data/prng.ts';
import type { ReturnGenerator } from '../../data/generators/types.ts';

export interface StrataDesign {
  readonly generator: string;
  readonly candidates: number;
  /** Score at each cut (ascending): stratum h holds scores in [cut_{h−1}, cut_h). */
  readonly cuts: number[];
  /** Probability of each stratum (its share of the candidates). */
  readonly weights: number[];
  /** The candidates simulated, per stratum. */
  readonly chosen: number[][];
}

/** The largest log move within any `window` bars, down or up. */
export function pathScore(returns: Float64Array, window: number): number {
  const down = -Math.log1p(worstDrawdown(returns, window));
  const up = -Math.log1p(worstDrawdown(returns.map((r) => -r), window));
  return Math.max(down, up);
}

/** A phase-1 score of candidate path `path`'s returns (higher: more likely in the fund's tail). */
export type PathScorer = (returns: Float64Array, path: number) => number;

/** The largest move within a day, down or up: the study's first score. */
export const largestMoveScorer =
  (window: number): PathScorer =>
  (returns) =>
    pathScore(returns, window);

/**
 * Draws `candidates` paths of `steps` returns (path i from forPath(seed, i), exactly as a run
 * draws it), scores each (the largest move within a day unless `score` says otherwise; several
 * scores are combined by rankMax), cuts
 * strata at the upper tail probabilities `tails` (e.g. 0.1, 0.01, 0.001) and picks
 * `perStratum[h]` candidates of stratum h (all of them where it has fewer), skipping indices below
 * `skipBelow` (kept for plain sampling, so the two estimates are independent).
 */
export function designStrata(gen: ReturnGenerator, o: { candidates: number; steps: number; seed: number; tails: readonly number[]; perStratum: readonly number[]; skipBelow?: number; window?: number; score?: PathScorer | readonly PathScorer[] }): StrataDesign {
  if (o.perStratum.length !== o.tails.length + 1) throw new Error(`perStratum needs ${o.tails.length + 1} counts (one per stratum, bulk first), got ${o.perStratum.length}`);
  const scorers = o.score === undefined ? [largestMoveScorer(o.window ?? Math.max(1, Math.round(86400 / gen.resolution)))] : typeof o.score === 'function' ? [o.score] : o.score;
  const parts = scorers.map(() => new Float64Array(o.candidates));
  for (let i = 0; i < o.candidates; i++) {
    const returns = gen.generate(forPath(o.seed, i), o.steps);
    scorers.forEach((score, k) => {
      (parts[k] as Float64Array)[i] = score(returns, i);
    });
  }
  // Several scores: each candidate ranked by the highest of its ranks (rankMax).
  const scores = parts.length === 1 ? (parts[0] as Float64Array) : rankMax(parts);
  return { generator: gen.name, ...cutStrata(scores, { ...o, name: gen.name }) };
}

/** Strata cut on scores at the upper tail probabilities `tails`, and the candidates picked in each (see designStrata). */
export function cutStrata(scores: Float64Array, o: { tails: readonly number[]; perStratum: readonly number[]; skipBelow?: number; name?: string }): Omit<StrataDesign, 'generator'> {
  const candidates = scores.length;
  const sorted = Float64Array.from(scores).sort();
  const cuts = [...o.tails].sort((a, b) => b - a).map((t) => sorted[Math.min(candidates - 1, Math.floor((1 - t) * candidates))] as number);
  const counts = new Array<number>(cuts.length + 1).fill(0);
  const chosen: number[][] = counts.map(() => []);
  for (let i = 0; i < candidates; i++) {
    const h = stratumOf(cuts, scores[i] as number);
    counts[h]!++;
    if (i >= (o.skipBelow ?? 0) && (chosen[h] as number[]).length < (o.perStratum[h] as number)) (chosen[h] as number[]).push(i);
  }
  // A stratum with fewer candidates than runs asked for is simulated whole (still unbiased).
  if (chosen.some((c) => c.length === 0)) throw new Error(`${o.name ?? 'strata'}: a stratum has no candidate to run: draw more candidates`);
  return { candidates, cuts, weights: counts.map((c) => c / candidates), chosen };
}

/** The stratum of a score: stratum h holds scores in [cut_{h−1}, cut_h). */
export function stratumOf(cuts: readonly number[], x: number): number {
  let h = 0;
  while (h < cuts.length && x >= (cuts[h] as number)) h++;
  return h;
}

/**
 * Several scores as one: each candidate's highest rank fraction among them (ties broken by the
 * sum), so a path either score puts in its tail is in the combined tail.
 */
export function rankMax(parts: readonly Float64Array[]): Float64Array {
  const n = (parts[0] as Float64Array).length;
  const out = new Float64Array(n);
  const sum = new Float64Array(n);
  for (const part of parts) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (part[a] as number) - (part[b] as number) || a - b);
    // Equal scores share the lowest rank of their run, so a tie never orders paths by index.
    for (let k = 0; k < n; ) {
      let j = k;
      while (j + 1 < n && part[order[j + 1] as number] === part[order[k] as number]) j++;
      for (let t = k; t <= j; t++) {
        const i = order[t] as number;
        out[i] = Math.max(out[i] as number, k / n);
        sum[i]! += k / n;
      }
      k = j + 1;
    }
  }
  for (let i = 0; i < n; i++) out[i] = (out[i] as number) + (sum[i] as number) / (parts.length * n * 4);
  return out;
}
