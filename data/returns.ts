/**
 * Log returns of closes for statistics and fitting (float64 by design). A return is taken only
 * between bars exactly one resolution apart, so a venue outage never becomes one giant return.
 */
import type { CandleSeries } from './candle-series.ts';

export function logReturns(s: CandleSeries): Float64Array {
  const out = new Float64Array(Math.max(0, s.time.length - 1));
  let n = 0;
  let prev = Number(s.close[0] as bigint);
  for (let i = 1; i < s.time.length; i++) {
    const c = Number(s.close[i] as bigint);
    if ((s.time[i] as number) - (s.time[i - 1] as number) === s.resolution) out[n++] = Math.log(c / prev);
    prev = c;
  }
  return out.slice(0, n);
}

/** Prices along a path of log returns from `start` (float; converted to wei once by the caller). */
export function pricesFromReturns(start: number, returns: Float64Array): Float64Array {
  const out = new Float64Array(returns.length + 1);
  out[0] = start;
  let logP = Math.log(start);
  for (let i = 0; i < returns.length; i++) {
    logP += returns[i] as number;
    out[i + 1] = Math.exp(logP);
  }
  return out;
}
