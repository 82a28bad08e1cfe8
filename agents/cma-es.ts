/**
 * CMA-ES, the covariance matrix adaptation evolution strategy (Hansen, "The CMA Evolution
 * Strategy: A Tutorial", 2016; the (μ/μ_w, λ) variant with rank-one and rank-μ updates and
 * cumulative step-size adaptation), maximising a noisy score over a box.
 *
 * Why it and not only the cross-entropy method already here: it learns the correlations between
 * parameters (a bigger hold wants a bigger push) and adapts its step size from the path it
 * walked, so it keeps converging where CEM's refit collapses its variance early. It needs no
 * gradient, which a simulation cannot give.
 *
 * The search runs in [0, 1]^n: a sample outside the box is folded back by reflection before it
 * is scored (the optimiser keeps the unfolded point, so its distribution stays Gaussian). Every
 * draw comes from data/prng.ts, so a seed gives the same search on every machine. Each
 * generation also scores the distribution's mean, which is often better than any sample on a
 * noisy score and is what a converged search stands for.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Rng } from '../data/prng.ts';

export interface CmaSettings {
  /** Candidates per generation (λ); default 4 + ⌊3 ln n⌋. */
  readonly population?: number;
  readonly maxGenerations: number;
  /** Initial step size, in units of the box's side. */
  readonly sigma: number;
  readonly seed: number;
  /**
   * Stop when the best score seen has not improved by more than `tolerance`, or by more than
   * `relativeTolerance` × |best so far|, for `patience` generations (the search has stopped
   * improving), or when the widest search axis σ·√λmax has shrunk below `minSigma`.
   */
  readonly patience?: number;
  readonly tolerance?: number;
  readonly relativeTolerance?: number;
  readonly minSigma?: number;
}

export interface CmaGeneration {
  readonly generation: number;
  /** Scores of the samples, in draw order, then the mean's score last. */
  readonly scores: readonly number[];
  readonly bestOfGeneration: number;
  readonly meanScore: number;
  /** The best score seen up to and including this generation. */
  readonly bestSoFar: number;
  readonly sigma: number;
  /** Square root of the largest eigenvalue of C times σ: the widest search axis. */
  readonly spread: number;
}

export interface CmaResult {
  /** The best point scored (in the box) and its score. */
  readonly best: Float64Array;
  readonly bestScore: number;
  /** The final mean (in the box). */
  readonly mean: Float64Array;
  readonly history: readonly CmaGeneration[];
  readonly evaluations: number;
  readonly stopped: 'converged' | 'sigma' | 'budget';
}

/** Folds a real number into [0, 1] by reflection at the edges (period 2). */
export function reflectIntoBox(x: number): number {
  const u = ((x % 2) + 2) % 2;
  return u > 1 ? 2 - u : u;
}

/**
 * Maximises `score` (called with one generation's candidates, already folded into the box, the
 * mean last) from `start` (a point in [0, 1]^n).
 */
export async function cmaEs(
  start: ArrayLike<number>,
  score: (candidates: readonly Float64Array[], generation: number) => Promise<readonly number[]>,
  s: CmaSettings,
  onGeneration?: (g: CmaGeneration) => void,
): Promise<CmaResult> {
  const n = start.length;
  if (n < 1) throw new RangeError('CMA-ES needs at least one dimension');
  const rng = new Rng(s.seed);
  const lambda = Math.max(2, s.population ?? 4 + Math.floor(3 * Math.log(n)));
  const mu = Math.floor(lambda / 2);
  const rawWeights = Array.from({ length: mu }, (_, i) => Math.log(mu + 0.5) - Math.log(i + 1));
  const wSum = rawWeights.reduce((a, b) => a + b, 0);
  const weights = rawWeights.map((w) => w / wSum);
  const muEff = 1 / weights.reduce((a, w) => a + w * w, 0);
  const cc = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);
  const cs = (muEff + 2) / (n + muEff + 5);
  const c1 = 2 / ((n + 1.3) ** 2 + muEff);
  const cmu = Math.min(1 - c1, (2 * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + muEff));
  const damps = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cs;
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));

  let mean: Float64Array = Float64Array.from(start);
  let sigma = s.sigma;
  let C = Matrix.eye(n, n);
  let B = Matrix.eye(n, n);
  let D = new Float64Array(n).fill(1);
  const pc = new Float64Array(n);
  const ps = new Float64Array(n);
  let best: Float64Array = Float64Array.from(start, reflectIntoBox);
  let bestScore = Number.NEGATIVE_INFINITY;
  const history: CmaGeneration[] = [];
  let evaluations = 0;
  let stopped: CmaResult['stopped'] = 'budget';
  let sinceImprovement = 0;

  for (let g = 0; g < s.maxGenerations; g++) {
    // Sample y = B·D·z, x = m + σ·y.
    const ys: Float64Array[] = [];
    const xs: Float64Array[] = [];
    for (let k = 0; k < lambda; k++) {
      const z = Float64Array.from({ length: n }, () => rng.normal());
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += B.get(i, j) * (D[j] as number) * (z[j] as number);
        y[i] = v;
      }
      ys.push(y);
      xs.push(Float64Array.from(y, (v, i) => (mean[i] as number) + sigma * v));
    }
    const folded = [...xs, mean].map((x) => Float64Array.from(x, reflectIntoBox));
    const scores = await score(folded, g);
    if (scores.length !== folded.length) throw new Error(`score returned ${scores.length} values for ${folded.length} candidates`);
    evaluations += folded.length;
    const previousBest = bestScore;
    scores.forEach((v, i) => {
      if (Number.isFinite(v) && v > bestScore) {
        bestScore = v;
        best = folded[i] as Float64Array;
      }
    });
    // Rank the samples (not the mean); non-finite scores rank last, ties by draw order.
    const rank = (v: number) => (Number.isFinite(v) ? v : Number.NEGATIVE_INFINITY);
    const order = ys.map((_, i) => i).sort((a, b) => rank(scores[b] as number) - rank(scores[a] as number) || a - b);
    const yw = new Float64Array(n);
    order.slice(0, mu).forEach((k, r) => {
      const y = ys[k] as Float64Array;
      for (let i = 0; i < n; i++) yw[i] = (yw[i] as number) + (weights[r] as number) * (y[i] as number);
    });
    mean = Float64Array.from(mean, (m, i) => m + sigma * (yw[i] as number));

    // C^{-1/2}·yw = B·D⁻¹·Bᵀ·yw, for the step-size path.
    const bt = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let v = 0;
      for (let i = 0; i < n; i++) v += B.get(i, j) * (yw[i] as number);
      bt[j] = v / (D[j] as number);
    }
    const csFactor = Math.sqrt(cs * (2 - cs) * muEff);
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < n; j++) v += B.get(i, j) * (bt[j] as number);
      ps[i] = (1 - cs) * (ps[i] as number) + csFactor * v;
    }
    const psNorm = Math.hypot(...ps);
    const hsig = psNorm / Math.sqrt(1 - (1 - cs) ** (2 * (g + 1))) / chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const ccFactor = hsig * Math.sqrt(cc * (2 - cc) * muEff);
    for (let i = 0; i < n; i++) pc[i] = (1 - cc) * (pc[i] as number) + ccFactor * (yw[i] as number);

    const next = new Matrix(n, n);
    const keep = 1 - c1 - cmu + (1 - hsig) * c1 * cc * (2 - cc);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        order.slice(0, mu).forEach((k, r) => {
          const y = ys[k] as Float64Array;
          rankMu += (weights[r] as number) * (y[i] as number) * (y[j] as number);
        });
        const v = keep * C.get(i, j) + c1 * (pc[i] as number) * (pc[j] as number) + cmu * rankMu;
        next.set(i, j, v);
        next.set(j, i, v);
      }
    }
    C = next;
    sigma *= Math.exp((cs / damps) * (psNorm / chiN - 1));
    const eig = new EigenvalueDecomposition(C, { assumeSymmetric: true });
    B = eig.eigenvectorMatrix;
    D = Float64Array.from(eig.realEigenvalues, (e) => Math.sqrt(Math.max(e, 1e-20)));

    const generation: CmaGeneration = {
      generation: g,
      scores,
      bestOfGeneration: Math.max(...scores.map(rank)),
      meanScore: scores.at(-1) as number,
      bestSoFar: bestScore,
      sigma,
      spread: sigma * Math.max(...D),
    };
    history.push(generation);
    onGeneration?.(generation);

    const needed = Math.max(s.tolerance ?? 0, Number.isFinite(previousBest) ? (s.relativeTolerance ?? 0) * Math.abs(previousBest) : 0);
    sinceImprovement = bestScore > previousBest + needed ? 0 : sinceImprovement + 1;
    if (s.patience !== undefined && sinceImprovement >= s.patience) {
      stopped = 'converged';
      break;
    }
    if (s.minSigma !== undefined && generation.spread < s.minSigma) {
      stopped = 'sigma';
      break;
    }
  }
  return { best, bestScore, mean: Float64Array.from(mean, reflectIntoBox), history, evaluations, stopped };
}
