/**
 * Aggregates candles to a coarser resolution on the UTC grid (bucket = floor(t / res) · res):
 * open of the first bar, extremes, close of the last bar, summed volume. Exact on wei.
 */
import { type CandleSeries, emptyColumns } from './candle-series.ts';

export function resample(s: CandleSeries, resolution: number): CandleSeries {
  if (resolution <= 0 || resolution % s.resolution !== 0) {
    throw new RangeError(`cannot resample ${s.resolution}s bars to ${resolution}s: it must be a multiple`);
  }
  if (resolution === s.resolution && s.segments.length <= 1) return s;
  const out = emptyColumns();
  let bucket = Number.NaN;
  for (let i = 0; i < s.time.length; i++) {
    const t = s.time[i] as number;
    const b = Math.floor(t / resolution) * resolution;
    const high = s.high[i] as bigint;
    const low = s.low[i] as bigint;
    if (b !== bucket) {
      bucket = b;
      out.time.push(b);
      out.open.push(s.open[i] as bigint);
      out.high.push(high);
      out.low.push(low);
      out.close.push(s.close[i] as bigint);
      out.volume.push(s.volume[i] as bigint);
      continue;
    }
    const k = out.time.length - 1;
    if (high > (out.high[k] as bigint)) out.high[k] = high;
    if (low < (out.low[k] as bigint)) out.low[k] = low;
    out.close[k] = s.close[i] as bigint;
    out.volume[k] = (out.volume[k] as bigint) + (s.volume[i] as bigint);
  }
  const source = `${s.source} → ${resolution}s`;
  return { source, resolution, ...out, segments: [{ source, resolution, start: 0, end: out.time.length }] };
}
