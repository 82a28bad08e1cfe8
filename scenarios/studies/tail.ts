/**
 * Tail statistics for weighted samples: every sample carries the probability mass it stands for
 * (1/n under plain Monte Carlo; W_h/n_h in stratum h of a stratified design), so the same
 * estimators serve both. From the weighted samples of a loss (the fund's drawdown):
 * - exceedance P(X > x), with a Wilson interval (plain) or the stratified normal interval, and the
 *   smallest P the runs can bound at all (the floor a stratum without hits leaves);
 * - VaR_p, the smallest x with P(X > x) ≤ 1 − p, and ES_p, the mean of X beyond it, with
 *   stratified-bootstrap intervals (resampling within each stratum);
 * - the generalised Pareto fit to the excesses over a threshold u (peaks over threshold), by
 *   weighted maximum likelihood, with its VaR and ES in closed form and a bootstrap interval,
 *   and the shape parameter across thresholds (its stability is how u is judged).
 */
import { nelderMead } from '../../data/nelder-mead.ts';
import type { Rng } from '../../data/prng.ts';
import type { Interval } from './statistics.ts';
import { wilson, zOf } from './statistics.ts';

export interface WeightedSample {
  readonly x: number;
  /** Probability mass this sample stands for (all weights add up to 1). */
  readonly w: number;
  /** Stratum (0 under plain sampling). */
  readonly stratum: number;
}

/** Plain Monte Carlo: n samples of mass 1/n each. */
export function plainSamples(xs: readonly number[]): WeightedSample[] {
  return xs.map((x) => ({ x, w: 1 / xs.length, stratum: 0 }));
}

/** A stratified design: stratum h of probability W_h holds its samples, each of mass W_h / n_h. */
export function stratifiedSamples(strata: ReadonlyArray<{ readonly weight: number; readonly xs: readonly number[] }>): WeightedSample[] {
  const out: WeightedSample[] = [];
  strata.forEach((s, h) => {
    if (s.xs.length === 0 && s.weight > 0) throw new Error(`stratum ${h} (probability ${s.weight}) has no samples: the estimate would miss it`);
    for (const x of s.xs) out.push({ x, w: s.weight / s.xs.length, stratum: h });
  });
  return out;
}

function byStratum(samples: readonly WeightedSample[]): WeightedSample[][] {
  const m = new Map<number, WeightedSample[]>();
  for (const s of samples) {
    const group = m.get(s.stratum);
    if (group) group.push(s);
    else m.set(s.stratum, [s]);
  }
  return [...m.keys()].sort((a, b) => a - b).map((k) => m.get(k) as WeightedSample[]);
}

/**
 * P(X > x) with its interval. One stratum (plain sampling): Wilson. Several: the stratified
 * normal interval Σ W_h² p̂_h(1 − p̂_h)/n_h — a stratum with no hit adds no variance, which is
 * what makes stratification pay in the tail, and why the study checks the stratified estimate
 * against plain sampling where both can run.
 */
export function exceedance(samples: readonly WeightedSample[], x: number, confidence = 0.95): Interval {
  const groups = byStratum(samples);
  if (groups.length === 1) {
    const g = groups[0] as WeightedSample[];
    return wilson(g.filter((s) => s.x > x).length, g.length, confidence);
  }
  const z = zOf(confidence);
  let p = 0;
  let variance = 0;
  for (const group of groups) {
    const n = group.length;
    const weight = group.reduce((a, s) => a + s.w, 0);
    const k = group.filter((s) => s.x > x).length;
    p += (weight * k) / n;
    variance += stratumVariance(weight, k, n, z);
  }
  const half = z * Math.sqrt(variance);
  return { estimate: p, low: Math.max(0, p - half), high: Math.min(1, p + half) };
}

/**
 * A stratum's share of the stratified estimate's variance, from its Agresti–Coull proportion, not the
 * observed one: a stratum whose few runs all fell on one side (0 of 3) is not known exactly, and with
 * the observed proportion it added no uncertainty at all (the insurance pilot: 3 bulk runs without a
 * drawdown gave P = 0.6 % ± 0.6 % where 2 of 10 plain paths drew the fund down).
 */
function stratumVariance(weight: number, k: number, n: number, z: number): number {
  const pt = (k + (z * z) / 2) / (n + z * z);
  return (weight * weight * pt * (1 - pt)) / (n + z * z);
}

/**
 * The smallest exceedance probability these runs can bound, whatever the threshold: the upper bound
 * of P(X > x) above every sample, where no stratum holds a hit and each still adds what its run count
 * leaves unknown. A target below it is met only if the strata hold no hit beyond what was run, which
 * no run has shown (a bulk stratum of 90 % of the mass and 150 runs: about 1.6 % at 95 %).
 */
export function boundFloor(samples: readonly WeightedSample[], confidence = 0.95): number {
  return exceedance(samples, Number.POSITIVE_INFINITY, confidence).high ?? 1;
}

/** The stratum holding the most probability (the bulk of a stratified design): its probability and run count. */
export function heaviestStratum(samples: readonly WeightedSample[]): { readonly weight: number; readonly runs: number } {
  return byStratum(samples)
    .map((g) => ({ weight: g.reduce((a, s) => a + s.w, 0), runs: g.length }))
    .reduce((a, e) => (e.weight > a.weight ? e : a));
}

/**
 * Runs a stratum of probability `weight` needs, all without a hit, for its own share of the upper
 * bound (as `exceedance` computes it) to be at most `target`: what bounding a small P costs in the
 * stratum that holds most of the mass.
 */
export function runsToBound(weight: number, target: number, confidence = 0.95): number {
  const z = zOf(confidence);
  const share = (n: number) => z * Math.sqrt(stratumVariance(weight, 0, n, z));
  if (share(1) <= target) return 1;
  let high = 2;
  while (share(high) > target) high *= 2;
  let low = high / 2;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (share(mid) > target) low = mid;
    else high = mid;
  }
  return high;
}

/** The smallest sample value x with P(X > x) ≤ tail (VaR at 1 − tail). */
export function weightedVaR(samples: readonly WeightedSample[], tail: number): number {
  const sorted = [...samples].sort((a, b) => b.x - a.x);
  let above = 0;
  for (let i = 0; i < sorted.length; ) {
    const x = (sorted[i] as WeightedSample).x;
    let atOrAbove = above;
    let j = i;
    for (; j < sorted.length && (sorted[j] as WeightedSample).x === x; j++) atOrAbove += (sorted[j] as WeightedSample).w;
    // P(X > x) = above ≤ tail here; any smaller value has at least atOrAbove beyond it.
    if (atOrAbove > tail + 1e-15) return x;
    above = atOrAbove;
    i = j;
  }
  return (sorted.at(-1) as WeightedSample).x;
}

/** Expected shortfall at tail probability `tail`: the mean of X over its worst `tail` of mass. */
export function weightedES(samples: readonly WeightedSample[], tail: number): number {
  const sorted = [...samples].sort((a, b) => b.x - a.x);
  let mass = 0;
  let sum = 0;
  for (const s of sorted) {
    const take = Math.min(s.w, tail - mass);
    if (take <= 0) break;
    sum += take * s.x;
    mass += take;
  }
  return mass > 0 ? sum / mass : Number.NaN;
}

/** A resample that keeps the design: each stratum resampled with replacement to its own size. */
export function stratifiedResample(samples: readonly WeightedSample[], rng: Rng): WeightedSample[] {
  const out: WeightedSample[] = [];
  for (const group of byStratum(samples)) for (let i = 0; i < group.length; i++) out.push(group[rng.int(group.length)] as WeightedSample);
  return out;
}

/** Percentile interval of a statistic over stratified resamples. */
export function stratifiedBootstrap(samples: readonly WeightedSample[], statistic: (s: readonly WeightedSample[]) => number, rng: Rng, resamples = 400, confidence = 0.95): Interval {
  const estimate = statistic(samples);
  const stats: number[] = [];
  for (let r = 0; r < resamples; r++) stats.push(statistic(stratifiedResample(samples, rng)));
  stats.sort((a, b) => a - b);
  const t = (1 - confidence) / 2;
  const at = (q: number) => stats[Math.min(stats.length - 1, Math.max(0, Math.floor(q * (stats.length - 1) + 0.5)))] as number;
  return { estimate, low: at(t), high: at(1 - t) };
}

export interface GpdFit {
  readonly threshold: number;
  /** P(X > u) under the samples' weights. */
  readonly exceedProbability: number;
  readonly excesses: number;
  readonly shape: number;
  readonly scale: number;
}

/** Weighted negative log-likelihood of excesses y under GPD(ξ, σ). */
export function gpdNegLogLikelihood(ys: readonly number[], ws: readonly number[], shape: number, scale: number): number {
  if (!(scale > 0)) return Number.POSITIVE_INFINITY;
  let nll = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i] as number;
    const w = ws[i] as number;
    if (Math.abs(shape) < 1e-9) {
      nll += w * (Math.log(scale) + y / scale);
      continue;
    }
    const t = 1 + (shape * y) / scale;
    if (t <= 0) return Number.POSITIVE_INFINITY;
    nll += w * (Math.log(scale) + (1 + 1 / shape) * Math.log(t));
  }
  return nll;
}

/** Fits a GPD to the weighted excesses over u by maximum likelihood (Nelder–Mead on ξ, log σ). */
export function fitGpd(samples: readonly WeightedSample[], threshold: number): GpdFit {
  const over = samples.filter((s) => s.x > threshold);
  if (over.length < 10) throw new Error(`peaks over threshold: only ${over.length} samples exceed ${threshold}; a fit needs at least 10`);
  const ys = over.map((s) => s.x - threshold);
  const mass = over.reduce((a, s) => a + s.w, 0);
  // Weights normalised to the excess count, so the likelihood's curvature is the sample's.
  const ws = over.map((s) => (s.w / mass) * over.length);
  const meanExcess = ys.reduce((a, y, i) => a + y * (ws[i] as number), 0) / over.length;
  const res = nelderMead((v) => gpdNegLogLikelihood(ys, ws, v[0] as number, Math.exp(v[1] as number)), [0.1, Math.log(Math.max(meanExcess, 1e-9))], { step: 0.3, tolerance: 1e-12, maxEvaluations: 4000 });
  return { threshold, exceedProbability: mass, excesses: over.length, shape: res.x[0] as number, scale: Math.exp(res.x[1] as number) };
}

/** VaR at tail probability `tail` (< P(X > u)) from the fit: u + σ/ξ·((tail/ζ)^−ξ − 1). */
export function gpdVaR(f: GpdFit, tail: number): number {
  const r = tail / f.exceedProbability;
  if (r >= 1) throw new RangeError(`tail ${tail} is not beyond the threshold's ${f.exceedProbability}`);
  return Math.abs(f.shape) < 1e-9 ? f.threshold - f.scale * Math.log(r) : f.threshold + (f.scale / f.shape) * (r ** -f.shape - 1);
}

/** ES beyond gpdVaR (finite for ξ < 1): (VaR + σ − ξu) / (1 − ξ). */
export function gpdES(f: GpdFit, tail: number): number {
  if (f.shape >= 1) return Number.POSITIVE_INFINITY;
  return (gpdVaR(f, tail) + f.scale - f.shape * f.threshold) / (1 - f.shape);
}

/** The weighted (1 − q) quantile as the POT threshold, and the fit's shape at several such thresholds (stability). */
export function thresholdStability(samples: readonly WeightedSample[], tails: readonly number[]): Array<{ tail: number; threshold: number; excesses: number; shape: number | null }> {
  return tails.map((tail) => {
    const threshold = weightedVaR(samples, tail);
    try {
      const f = fitGpd(samples, threshold);
      return { tail, threshold, excesses: f.excesses, shape: f.shape };
    } catch {
      return { tail, threshold, excesses: samples.filter((s) => s.x > threshold).length, shape: null };
    }
  });
}
