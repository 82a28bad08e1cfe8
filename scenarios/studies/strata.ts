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

/**
 * Draws `candidates` paths of `steps` returns (path i from forPath(seed, i), exactly as a run
 * draws it), cuts strata at the upper tail probabilities `tails` (e.g. 0.1, 0.01, 0.001) and
 * picks `perStratum[h]` candidates of stratum h (all of them where it has fewer), skipping indices below `skipBelow` (kept for
 * plain sampling, so the two estimates are independent).
 */
export function designStrata(gen: ReturnGenerator, o: { candidates: number; steps: number; seed: number; tails: readonly number[]; perStratum: readonly number[]; skipBelow?: number; window?: number }): StrataDesign {
  if (o.perStratum.length !== o.tails.length + 1) throw new Error(`perStratum needs ${o.tails.length + 1} counts (one per stratum, bulk first), got ${o.perStratum.length}`);
  const window = o.window ?? Math.max(1, Math.round(86400 / gen.resolution));
  const scores = new Float64Array(o.candidates);
  for (let i = 0; i < o.candidates; i++) scores[i] = pathScore(gen.generate(forPath(o.seed, i), o.steps), window);
  const sorted = Float64Array.from(scores).sort();
  const cuts = [...o.tails].sort((a, b) => b - a).map((t) => sorted[Math.min(o.candidates - 1, Math.floor((1 - t) * o.candidates))] as number);
  const stratumOf = (x: number) => {
    let h = 0;
    while (h < cuts.length && x >= (cuts[h] as number)) h++;
    return h;
  };
  const counts = new Array<number>(cuts.length + 1).fill(0);
  const chosen: number[][] = counts.map(() => []);
  for (let i = 0; i < o.candidates; i++) {
    const h = stratumOf(scores[i] as number);
    counts[h]!++;
    if (i >= (o.skipBelow ?? 0) && (chosen[h] as number[]).length < (o.perStratum[h] as number)) (chosen[h] as number[]).push(i);
  }
  // A stratum with fewer candidates than runs asked for is simulated whole (still unbiased).
  if (chosen.some((c) => c.length === 0)) throw new Error(`${gen.name}: a stratum has no candidate to run: draw more candidates`);
  return { generator: gen.name, candidates: o.candidates, cuts, weights: counts.map((c) => c / o.candidates), chosen };
}
