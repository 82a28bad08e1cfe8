/**
 * Stylised facts of log-return paths (simple-statistics for the moments and quantiles):
 * volatility, excess kurtosis, autocorrelation of absolute returns at lags 1–24 (volatility
 * clustering), the 1 % / 99 % return quantiles, and the worst 1-hour and 24-hour drawdowns
 * (largest peak-to-trough fall within any window of that length). Several paths are pooled for
 * the distribution; autocorrelations are taken within each path (never across a path boundary)
 * and drawdowns are the worst over all paths, so a sample as long as the history compares with it.
 */
import { mean, quantileSorted, sampleKurtosis, sampleStandardDeviation } from 'simple-statistics';

export const ACF_LAGS = 24;

export interface StylisedFacts {
  /** Returns pooled over all paths. */
  readonly n: number;
  /** Seconds per return. */
  readonly resolution: number;
  /** Standard deviation of log returns per bar, and annualised (√(bars per year)). */
  readonly volatility: number;
  readonly annualisedVolatility: number;
  readonly excessKurtosis: number;
  /** Autocorrelation of |r| at lags 1..24 bars. */
  readonly acfAbs: readonly number[];
  readonly q01: number;
  readonly q99: number;
  /** Worst fall (as a negative fraction) within any 1-hour and 24-hour window. */
  readonly worstDrawdown1h: number;
  readonly worstDrawdown24h: number;
}

/** Worst peak-to-trough fall within windows of `k` bars: min over s of P_s / max(P_{s-k..s-1}) − 1. */
export function worstDrawdown(returns: Float64Array, k: number): number {
  if (k < 1 || returns.length === 0) return 0;
  const c = new Float64Array(returns.length + 1);
  for (let i = 0; i < returns.length; i++) c[i + 1] = (c[i] as number) + (returns[i] as number);
  // Sliding-window maximum of c over the k points before each s (monotonic deque of indices).
  const dq = new Int32Array(c.length);
  let head = 0;
  let tail = 0;
  let worst = 0;
  for (let s = 1; s < c.length; s++) {
    const add = s - 1;
    while (tail > head && (c[dq[tail - 1] as number] as number) <= (c[add] as number)) tail--;
    dq[tail++] = add;
    while ((dq[head] as number) < s - k) head++;
    const drop = (c[s] as number) - (c[dq[head] as number] as number);
    if (drop < worst) worst = drop;
  }
  return Math.expm1(worst);
}

/** Autocorrelation of x at `lag` (about the mean of the whole series). */
function autocorrelation(x: Float64Array, m: number, variance: number, lag: number): number {
  let s = 0;
  for (let i = lag; i < x.length; i++) s += ((x[i] as number) - m) * ((x[i - lag] as number) - m);
  return s / (variance * x.length);
}

export function stylisedFacts(paths: readonly Float64Array[], resolution: number): StylisedFacts {
  const total = paths.reduce((n, p) => n + p.length, 0);
  const all = new Float64Array(total);
  let o = 0;
  for (const p of paths) {
    all.set(p, o);
    o += p.length;
  }
  const vol = sampleStandardDeviation(all as unknown as number[]);
  const sorted = Float64Array.from(all).sort();
  // ACF of |r|, each path about the pooled mean, weighted by path length.
  const abs = paths.map((p) => p.map(Math.abs));
  const absMean = abs.reduce((s, p) => s + p.reduce((a, b) => a + b, 0), 0) / total;
  let absVar = 0;
  for (const p of abs) for (const v of p) absVar += (v - absMean) ** 2;
  absVar /= total;
  const acfAbs: number[] = [];
  for (let lag = 1; lag <= ACF_LAGS; lag++) {
    let num = 0;
    for (const p of abs) num += autocorrelation(p, absMean, absVar, lag) * p.length;
    acfAbs.push(num / total);
  }
  const bars = (seconds: number) => Math.max(1, Math.round(seconds / resolution));
  return {
    n: total,
    resolution,
    volatility: vol,
    annualisedVolatility: vol * Math.sqrt((365 * 86400) / resolution),
    excessKurtosis: sampleKurtosis(all as unknown as number[]),
    acfAbs,
    q01: quantileSorted(sorted as unknown as number[], 0.01),
    q99: quantileSorted(sorted as unknown as number[], 0.99),
    worstDrawdown1h: Math.min(...paths.map((p) => worstDrawdown(p, bars(3600)))),
    worstDrawdown24h: Math.min(...paths.map((p) => worstDrawdown(p, bars(86400)))),
  };
}

/** Mean of the ACF over lags (a one-number summary of clustering). */
export function meanAcf(f: StylisedFacts): number {
  return mean(f.acfAbs as number[]);
}
