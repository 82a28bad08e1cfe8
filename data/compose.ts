/**
 * One series at high resolution where it matters: the hourly history with the 1-minute /
 * 5-minute crash windows spliced in. Each window is trimmed to whole base bars (so no base bar
 * is half replaced) and replaces the base bars it covers. The splice is checked: the window
 * aggregated to the base resolution is compared with the base bars it replaced.
 */
import { type CandleSeries, type SeriesSegment, emptyColumns, isoTime, lowerBound } from './candle-series.ts';
import { InputError } from './input-error.ts';
import { resample } from './resample.ts';

export interface SpliceCheck {
  readonly source: string;
  readonly from: number;
  /** End of the spliced stretch (exclusive). */
  readonly to: number;
  readonly resolution: number;
  readonly bars: number;
  /** Base bars replaced, and how many of them the aggregated window matched at the close. */
  readonly replaced: number;
  readonly compared: number;
  /** Largest |window close − base close| / base close over the replaced bars. */
  readonly maxCloseDiff: number;
}

export interface ComposedSeries {
  readonly series: CandleSeries;
  readonly splices: readonly SpliceCheck[];
}

export function composeSeries(base: CandleSeries, windows: readonly CandleSeries[]): ComposedSeries {
  const res = base.resolution;
  const plan = windows
    .map((w) => {
      if (w.resolution >= res || res % w.resolution !== 0) {
        throw new InputError({ file: w.source }, `a window must be finer than the base (${w.resolution}s vs ${res}s) and divide it`);
      }
      const first = w.time[0];
      const last = w.time[w.time.length - 1];
      if (first === undefined || last === undefined) throw new InputError({ file: w.source }, 'the window is empty');
      const from = Math.ceil(first / res) * res;
      const to = Math.floor((last + w.resolution) / res) * res;
      if (to <= from) throw new InputError({ file: w.source }, `the window covers no whole ${res}s bar`);
      return { w, from, to };
    })
    .sort((a, b) => a.from - b.from);
  for (let k = 1; k < plan.length; k++) {
    const a = plan[k - 1] as (typeof plan)[number];
    const b = plan[k] as (typeof plan)[number];
    if (b.from < a.to) {
      throw new InputError({ file: b.w.source }, `overlaps window ${a.w.source} (${isoTime(b.from)} < ${isoTime(a.to)})`);
    }
  }

  const out = emptyColumns();
  const segments: SeriesSegment[] = [];
  const splices: SpliceCheck[] = [];
  const copy = (s: CandleSeries, a: number, b: number, source: string, resolution: number) => {
    if (b <= a) return;
    const start = out.time.length;
    for (let i = a; i < b; i++) {
      out.time.push(s.time[i] as number);
      out.open.push(s.open[i] as bigint);
      out.high.push(s.high[i] as bigint);
      out.low.push(s.low[i] as bigint);
      out.close.push(s.close[i] as bigint);
      out.volume.push(s.volume[i] as bigint);
    }
    const prev = segments[segments.length - 1];
    if (prev && prev.source === source && prev.end === start) segments[segments.length - 1] = { ...prev, end: out.time.length };
    else segments.push({ source, resolution, start, end: out.time.length });
  };

  let cursor = 0;
  for (const { w, from, to } of plan) {
    const baseFrom = lowerBound(base.time, from);
    const baseTo = lowerBound(base.time, to);
    copy(base, cursor, baseFrom, base.source, res);
    const a = lowerBound(w.time, from);
    const b = lowerBound(w.time, to);
    copy(w, a, b, w.source, w.resolution);
    splices.push(checkSplice(base, baseFrom, baseTo, w, a, b, from, to));
    cursor = Math.max(cursor, baseTo);
  }
  copy(base, cursor, base.time.length, base.source, res);
  const source = [base.source, ...plan.map((p) => p.w.source)].join(' + ');
  return { series: { source, resolution: res, ...out, segments }, splices };
}

function checkSplice(base: CandleSeries, baseFrom: number, baseTo: number, w: CandleSeries, a: number, b: number, from: number, to: number): SpliceCheck {
  const part: CandleSeries = {
    source: w.source,
    resolution: w.resolution,
    time: w.time.slice(a, b),
    open: w.open.slice(a, b),
    high: w.high.slice(a, b),
    low: w.low.slice(a, b),
    close: w.close.slice(a, b),
    volume: w.volume.slice(a, b),
    segments: [],
  };
  const agg = resample(part, base.resolution);
  let compared = 0;
  let maxDiff = 0;
  for (let i = baseFrom; i < baseTo; i++) {
    const k = lowerBound(agg.time, base.time[i] as number);
    if (agg.time[k] !== base.time[i]) continue;
    compared++;
    const bc = Number(base.close[i] as bigint);
    maxDiff = Math.max(maxDiff, Math.abs(Number(agg.close[k] as bigint) - bc) / bc);
  }
  return { source: w.source, from, to, resolution: w.resolution, bars: b - a, replaced: baseTo - baseFrom, compared, maxCloseDiff: maxDiff };
}

/** Seconds per bar at index i of a (possibly composed) series. */
export function resolutionAt(s: CandleSeries, i: number): number {
  for (const seg of s.segments) if (i >= seg.start && i < seg.end) return seg.resolution;
  return s.resolution;
}
