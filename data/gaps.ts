/**
 * Missing bars: found, reported (count, longest, where) and handled by a named policy, never
 * silently. The shared files keep real venue outages unfilled, so every consumer must choose.
 *   - `refuse`: a gap is an input error;
 *   - `skip`: keep the rows as they are (the next bar follows the gap), report the gaps;
 *   - `carry-forward`: insert flat bars at the previous close with zero volume.
 */
import { isoTime } from './candle-series.ts';

export const GAP_POLICIES = ['refuse', 'skip', 'carry-forward'] as const;
export type GapPolicy = (typeof GAP_POLICIES)[number];

export interface Gap {
  /** Open time of the first missing bar. */
  readonly from: number;
  /** Number of missing bars. */
  readonly bars: number;
  /** Index of the bar after the gap (in the series as loaded). */
  readonly index: number;
  /** File line of the bar after the gap, when known. */
  readonly line?: number;
  /** Seconds per missing bar (the resolution where the gap is). */
  readonly resolution: number;
}

export interface GapReport {
  readonly policy: GapPolicy;
  readonly resolution: number;
  readonly count: number;
  readonly missingBars: number;
  readonly longest?: Gap;
  /** Every gap, in time order. */
  readonly gaps: readonly Gap[];
  /** Bars inserted by carry-forward (0 otherwise). */
  readonly filled: number;
}

export function isGapPolicy(x: string): x is GapPolicy {
  return (GAP_POLICIES as readonly string[]).includes(x);
}

/**
 * Gaps in ascending `times` at `resolution` seconds: a step of k·resolution (k ≥ 2) misses k−1
 * bars. A step that is not a multiple of the resolution counts the whole bars it misses.
 * `resolutionAt(i)` gives a composed series' local resolution.
 */
export function findGaps(
  times: readonly number[],
  resolution: number,
  lines?: (index: number) => number | undefined,
  resolutionAt?: (index: number) => number,
): Gap[] {
  const gaps: Gap[] = [];
  if (resolution <= 0) return gaps;
  for (let i = 1; i < times.length; i++) {
    const res = resolutionAt ? resolutionAt(i) : resolution;
    const step = (times[i] as number) - (times[i - 1] as number);
    if (step > res) {
      const bars = Math.ceil(step / res) - 1;
      if (bars > 0) {
        const line = lines?.(i);
        gaps.push({ from: (times[i - 1] as number) + res, bars, index: i, resolution: res, ...(line === undefined ? {} : { line }) });
      }
    }
  }
  return gaps;
}

export function summariseGaps(gaps: readonly Gap[], resolution: number, policy: GapPolicy, filled = 0): GapReport {
  let longest: Gap | undefined;
  let missing = 0;
  for (const g of gaps) {
    missing += g.bars;
    if (!longest || g.bars > longest.bars) longest = g;
  }
  return { policy, resolution, count: gaps.length, missingBars: missing, ...(longest ? { longest } : {}), gaps, filled };
}

export function describeGap(g: Gap, resolution: number): string {
  return `${g.bars} bar${g.bars === 1 ? '' : 's'} (${formatDuration(g.bars * (g.resolution || resolution))}) from ${isoTime(g.from)}${g.line === undefined ? '' : ` before line ${g.line}`}`;
}

/** One line: "28 gaps, 128 missing bars, longest 33 bars (33h) from 2018-02-08T01:00:00Z". */
export function describeGaps(r: GapReport): string {
  if (r.count === 0) return 'no gaps';
  return `${r.count} gap${r.count === 1 ? '' : 's'}, ${r.missingBars} missing bar${r.missingBars === 1 ? '' : 's'}, longest ${describeGap(r.longest as Gap, r.resolution)}`;
}

export function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Parses "1h", "5m", "30s", "1d" or plain seconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return n * unit;
}

/**
 * Carry-forward in place: grows the columns once and moves bars back from the end, so the
 * filled series never exists next to the unfilled one. Returns the number of bars inserted.
 */
export function carryForwardInPlace(
  cols: { time: number[]; open: bigint[]; high: bigint[]; low: bigint[]; close: bigint[]; volume: bigint[] },
  gaps: readonly Gap[],
  resolution: number,
): number {
  const total = gaps.reduce((n, g) => n + g.bars, 0);
  if (total === 0) return 0;
  const n = cols.time.length;
  const all = [cols.time, cols.open, cols.high, cols.low, cols.close, cols.volume] as unknown[][];
  for (const c of all) c.length = n + total;
  let write = n + total - 1;
  let read = n - 1;
  for (let g = gaps.length - 1; g >= 0; g--) {
    const gap = gaps[g] as Gap;
    for (; read >= gap.index; read--, write--) for (const c of all) c[write] = c[read];
    const prevClose = cols.close[gap.index - 1] as bigint;
    for (let k = gap.bars - 1; k >= 0; k--, write--) {
      cols.time[write] = gap.from + k * (gap.resolution || resolution);
      cols.open[write] = prevClose;
      cols.high[write] = prevClose;
      cols.low[write] = prevClose;
      cols.close[write] = prevClose;
      cols.volume[write] = 0n;
    }
  }
  return total;
}
