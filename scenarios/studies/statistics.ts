/**
 * The confidence intervals the studies report, each with its method named:
 * - a probability from k hits in n trials: the Wilson score interval (good at k = 0 and near 0,
 *   where the normal interval collapses);
 * - a quantile: the distribution-free interval between two order statistics, chosen from the
 *   binomial distribution of how many samples fall below the true quantile (exact, no resampling);
 * - anything else (a mean, an expected shortfall): the percentile bootstrap, seeded.
 */
import { gammaln, quantileSorted } from 'simple-statistics';
import type { Rng } from '../../data/prng.ts';

/** An estimate with a two-sided interval; a bound is null when the samples cannot give it. */
export interface Interval {
  readonly estimate: number;
  readonly low: number | null;
  readonly high: number | null;
}

/**
 * The standard normal quantile, by Acklam's rational approximation (relative error below
 * 1.2e-9). simple-statistics' `probit` is only good to about three digits (1.9572 for 1.95996).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile of ${p}: p must be in (0, 1)`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log1p(-p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** z of a two-sided interval at `confidence` (1.95996 at 95 %). */
export function zOf(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2);
}

/** Wilson score interval for k successes in n trials. */
export function wilson(k: number, n: number, confidence = 0.95): Interval {
  if (n === 0) return { estimate: Number.NaN, low: 0, high: 1 };
  const z = zOf(confidence);
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { estimate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** P(X ≤ k) for X ~ Binomial(n, p): the shorter of the two tails, summed in log space. */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const lnN = gammaln(n + 1);
  const pmf = (i: number) => Math.exp(lnN - gammaln(i + 1) - gammaln(n - i + 1) + i * lp + (n - i) * lq);
  let sum = 0;
  if (k < n / 2) {
    for (let i = 0; i <= k; i++) sum += pmf(i);
    return Math.min(1, sum);
  }
  for (let i = k + 1; i <= n; i++) sum += pmf(i);
  return Math.max(0, 1 - sum);
}

/**
 * The q-quantile of sorted samples (the empirical quantile: the smallest sample with at least a
 * fraction q of the samples at or below it) and its distribution-free interval: order
 * statistics X(l) ≤ x_q ≤ X(u) with P(l ≤ B < u) ≥ confidence for B ~ Binomial(n, q), the count
 * of samples below the true quantile. A bound the samples cannot give (too few of them for a
 * tail this far out) is null.
 */
export function quantileInterval(sorted: readonly number[], q: number, confidence = 0.95): Interval {
  const n = sorted.length;
  if (n === 0) return { estimate: Number.NaN, low: null, high: null };
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  const tail = (1 - confidence) / 2;
  let l = rank; // largest l with P(B ≤ l − 1) ≤ tail
  while (l >= 1 && binomialCdf(l - 1, n, q) > tail) l--;
  let u = rank; // smallest u with P(B ≤ u − 1) ≥ 1 − tail
  while (u <= n && binomialCdf(u - 1, n, q) < 1 - tail) u++;
  return { estimate: sorted[rank - 1] as number, low: l >= 1 ? (sorted[l - 1] as number) : null, high: u <= n ? (sorted[u - 1] as number) : null };
}

/** The empirical q-quantile (linear interpolation, for display only). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? Number.NaN : quantileSorted(sorted as number[], q);
}

/** Percentile-bootstrap interval of a statistic: `resamples` draws with replacement from `rng`. */
export function bootstrapInterval(samples: readonly number[], statistic: (xs: number[]) => number, rng: Rng, resamples = 1000, confidence = 0.95): Interval {
  const n = samples.length;
  const estimate = statistic([...samples]);
  if (n === 0) return { estimate, low: null, high: null };
  const stats: number[] = [];
  const draw = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) draw[i] = samples[Math.floor(rng.next() * n)] as number;
    stats.push(statistic(draw));
  }
  stats.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { estimate, low: quantileSorted(stats, tail), high: quantileSorted(stats, 1 - tail) };
}

/** Mean of the worst fraction `p` of the samples (at least one): the expected shortfall beyond the (1 − p)-quantile. */
export function expectedShortfall(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => b - a);
  const k = Math.max(1, Math.ceil(p * sorted.length));
  let sum = 0;
  for (let i = 0; i < k; i++) sum += sorted[i] as number;
  return sum / k;
}

/**
 * Percentile-bootstrap interval of the expected shortfall at `p`. A resample's worst values are
 * the lowest ranks drawn from the samples sorted worst first, so each resample is a count of
 * draws per rank, O(n), rather than a sort.
 */
export function expectedShortfallInterval(samples: readonly number[], p: number, rng: Rng, resamples = 1000, confidence = 0.95): Interval {
  const n = samples.length;
  const estimate = expectedShortfall(samples, p);
  if (n === 0) return { estimate, low: null, high: null };
  const worstFirst = [...samples].sort((a, b) => b - a);
  const k = Math.max(1, Math.ceil(p * n));
  const hits = new Uint32Array(n);
  const stats: number[] = [];
  for (let r = 0; r < resamples; r++) {
    hits.fill(0);
    for (let i = 0; i < n; i++) hits[Math.floor(rng.next() * n)]!++;
    let taken = 0;
    let sum = 0;
    for (let rank = 0; rank < n && taken < k; rank++) {
      const take = Math.min(hits[rank] as number, k - taken);
      sum += take * (worstFirst[rank] as number);
      taken += take;
    }
    stats.push(sum / k);
  }
  stats.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { estimate, low: quantileSorted(stats, tail), high: quantileSorted(stats, 1 - tail) };
}
