/**
 * The cross-entropy method (Rubinstein; Szita & Lőrincz 2006 for policies) over a flat parameter
 * vector: sample a population from a diagonal Gaussian, score each candidate, refit the
 * Gaussian to the elite, repeat. Gradient-free, so the simulator needs no differentiation, and
 * robust to the noisy, discontinuous profit a simulation returns. Deterministic for a seed:
 * every draw comes from data/prng.ts and ties in the ranking break by candidate index.
 *
 * Candidate 0 of every iteration is the current mean itself, so each iteration scores the
 * centre too, and the best candidate seen is returned beside the mean. A starting point that
 * random draws never hit — the zero policy, "do nothing", is a single point — is then never
 * lost: without this, a first run converged to a policy losing $4k per window while doing
 * nothing earns exactly 0 (the refit mean averages the elite and drifts off such a point).
 */
import { Rng } from '../data/prng.ts';

export interface CemSettings {
  readonly iterations: number;
  readonly population: number;
  /** Share of the population refitted to (at least 2 candidates). */
  readonly eliteFraction: number;
  readonly initialStd: number;
  /** Extra σ added each iteration, decaying linearly to zero (keeps early exploration alive). */
  readonly extraStd: number;
  readonly seed: number;
}

export interface CemIteration {
  readonly iteration: number;
  readonly scores: readonly number[];
  readonly eliteMean: number;
  readonly best: number;
  readonly meanStd: number;
}

export interface CemResult {
  readonly mean: Float64Array;
  readonly std: Float64Array;
  /** The best candidate seen and its score. */
  readonly best: Float64Array;
  readonly bestScore: number;
  readonly history: readonly CemIteration[];
}

/** Maximises `score` (called with one iteration's whole population, in order). */
export async function crossEntropyMethod(
  initialMean: Float64Array,
  score: (candidates: readonly Float64Array[], iteration: number) => Promise<number[]>,
  s: CemSettings,
  onIteration?: (it: CemIteration) => void,
): Promise<CemResult> {
  const dim = initialMean.length;
  const rng = new Rng(s.seed);
  const mean = Float64Array.from(initialMean);
  const std = new Float64Array(dim).fill(s.initialStd);
  const eliteCount = Math.max(2, Math.round(s.population * s.eliteFraction));
  let best = Float64Array.from(initialMean);
  let bestScore = Number.NEGATIVE_INFINITY;
  const history: CemIteration[] = [];
  for (let it = 0; it < s.iterations; it++) {
    const extra = s.extraStd * Math.max(0, 1 - it / Math.max(1, s.iterations - 1));
    const candidates = Array.from({ length: s.population }, (_, i) => {
      if (i === 0) return Float64Array.from(mean);
      const c = new Float64Array(dim);
      for (let d = 0; d < dim; d++) c[d] = (mean[d] as number) + Math.sqrt((std[d] as number) ** 2 + extra ** 2) * rng.normal();
      return c;
    });
    const scores = await score(candidates, it);
    const order = scores.map((v, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
    const elite = order.slice(0, eliteCount).map((i) => candidates[i] as Float64Array);
    for (let d = 0; d < dim; d++) {
      let m = 0;
      for (const e of elite) m += (e[d] as number) / elite.length;
      let v = 0;
      for (const e of elite) v += ((e[d] as number) - m) ** 2 / elite.length;
      mean[d] = m;
      std[d] = Math.sqrt(v);
    }
    const top = order[0] as number;
    if ((scores[top] as number) > bestScore) {
      bestScore = scores[top] as number;
      best = Float64Array.from(candidates[top] as Float64Array);
    }
    const record: CemIteration = {
      iteration: it,
      scores,
      eliteMean: order.slice(0, eliteCount).reduce((a, i) => a + (scores[i] as number), 0) / eliteCount,
      best: scores[top] as number,
      meanStd: std.reduce((a, b) => a + b, 0) / dim,
    };
    history.push(record);
    onIteration?.(record);
  }
  return { mean, std, best, bestScore, history };
}
