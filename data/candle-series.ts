/**
 * A candle series, held by column: timestamps in seconds (candle open, UTC) and prices in wei.
 * Columns rather than one object per candle, so 180k candles cost five arrays, not 180k objects,
 * and loaders append to them directly while streaming (nothing is held twice).
 */
import type { GapReport } from './gaps.ts';

export interface Candle {
  /** Unix seconds at which the candle opens. */
  readonly time: number;
  readonly open: bigint;
  readonly high: bigint;
  readonly low: bigint;
  readonly close: bigint;
  /** Base-asset volume, 18 decimals. */
  readonly volume: bigint;
}

/** A stretch of the series at one resolution, from one source (composed series have several). */
export interface SeriesSegment {
  readonly source: string;
  readonly resolution: number;
  /** Index of the first candle and one past the last. */
  readonly start: number;
  readonly end: number;
}

export interface CandleSeries {
  /** Where it came from (a file path or a description). */
  readonly source: string;
  /** Seconds per bar: the most common step (a composed series has finer segments too). */
  readonly resolution: number;
  readonly time: number[];
  readonly open: bigint[];
  readonly high: bigint[];
  readonly low: bigint[];
  readonly close: bigint[];
  readonly volume: bigint[];
  readonly segments: readonly SeriesSegment[];
  /** Gaps found when loading, and how they were handled. */
  readonly gaps?: GapReport;
}

export function emptyColumns(): Pick<CandleSeries, 'time' | 'open' | 'high' | 'low' | 'close' | 'volume'> {
  return { time: [], open: [], high: [], low: [], close: [], volume: [] };
}

export function seriesLength(s: CandleSeries): number {
  return s.time.length;
}

export function candleAt(s: CandleSeries, i: number): Candle {
  if (i < 0 || i >= s.time.length) throw new RangeError(`candle ${i} outside 0..${s.time.length - 1}`);
  return {
    time: s.time[i] as number,
    open: s.open[i] as bigint,
    high: s.high[i] as bigint,
    low: s.low[i] as bigint,
    close: s.close[i] as bigint,
    volume: s.volume[i] as bigint,
  };
}

/** First index with time >= t (binary search; the series is ascending). */
export function lowerBound(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The candles opening in [from, to) as a new series (copies only that stretch). */
export function sliceSeries(s: CandleSeries, from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): CandleSeries {
  const a = lowerBound(s.time, from);
  const b = lowerBound(s.time, to);
  const segments: SeriesSegment[] = [];
  for (const seg of s.segments) {
    const start = Math.max(seg.start, a);
    const end = Math.min(seg.end, b);
    if (start < end) segments.push({ ...seg, start: start - a, end: end - a });
  }
  return {
    source: s.source,
    resolution: s.resolution,
    time: s.time.slice(a, b),
    open: s.open.slice(a, b),
    high: s.high.slice(a, b),
    low: s.low.slice(a, b),
    close: s.close.slice(a, b),
    volume: s.volume.slice(a, b),
    segments,
  };
}

/** The most common step between consecutive timestamps (0 for fewer than two candles). */
export function modalStep(times: readonly number[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < times.length; i++) {
    const d = (times[i] as number) - (times[i - 1] as number);
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [d, c] of counts) if (c > bestCount || (c === bestCount && d < best)) [best, bestCount] = [d, c];
  return best;
}

/** Closes as float64, for statistics and generators (never for money). */
export function closesAsFloat(s: CandleSeries): Float64Array {
  const out = new Float64Array(s.close.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(s.close[i] as bigint) / 1e18;
  return out;
}

export function isoTime(t: number): string {
  return new Date(t * 1000).toISOString().replace('.000Z', 'Z');
}

/** How many steps a new, coarser step must hold for to start a segment (else it is a gap). */
const SEGMENT_MIN_RUN = 3;

/**
 * Segments of a series read from one file: runs of one step. A composed series written to CSV
 * keeps no metadata, so: a shorter step always starts a segment (it cannot be a gap); a longer
 * step starts one when it holds for three steps (an hourly stretch after a 5-minute window),
 * else it is a gap in the current segment.
 */
export function inferSegments(times: readonly number[], source: string, fallback: number): SeriesSegment[] {
  const n = times.length;
  if (n < 2) return [{ source, resolution: fallback, start: 0, end: n }];
  const step = (i: number) => (times[i + 1] as number) - (times[i] as number);
  const segments: SeriesSegment[] = [];
  let start = 0;
  // The first bars' step, ignoring a gap right after the first bar.
  let res = Math.min(...[0, 1, 2].filter((i) => i < n - 1).map(step));
  for (let i = 1; i < n - 1; i++) {
    const d = step(i);
    if (d === res) continue;
    // Step x holds from bar j when the next steps are all x or whole multiples of x (gaps at
    // that resolution), and at least one is exactly x.
    const holdsFrom = (j: number, x: number) => {
      if (j + SEGMENT_MIN_RUN > n - 1) return false;
      let exact = false;
      for (let k = 0; k < SEGMENT_MIN_RUN; k++) {
        const y = step(j + k);
        if (y % x !== 0) return false;
        exact ||= y === x;
      }
      return exact;
    };
    // A coarser stretch may begin with a gap: its first step is a multiple of the step that holds.
    const after = i + 1 < n - 1 ? step(i + 1) : d;
    const next = d < res || holdsFrom(i, d) ? d : after > res && d % after === 0 && holdsFrom(i + 1, after) ? after : 0;
    if (next > 0) {
      segments.push({ source, resolution: res, start, end: i });
      start = i;
      res = next;
    }
  }
  segments.push({ source, resolution: res, start, end: n });
  return segments;
}
