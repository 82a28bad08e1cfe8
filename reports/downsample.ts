/**
 * A streaming downsampler that keeps extremes: points arrive in time order and fall into time
 * buckets; each bucket keeps its first, lowest, highest and last point (the M4 rule), so a
 * line drawn through what is kept has the same envelope as the full series — the crash low
 * and every spike survive. The run's length is not known while the log streams, so buckets
 * start one second wide and double (merging neighbours exactly) whenever there are more than
 * `maxBuckets`: memory stays bounded by the bucket count, however long the run.
 */

export interface Series {
  /** Unix seconds, non-decreasing. */
  readonly t: number[];
  readonly v: number[];
}

interface Point {
  readonly t: number;
  readonly v: number;
  /** Arrival order: breaks ties between points with the same time. */
  readonly seq: number;
}

interface Bucket {
  index: number;
  first: Point;
  min: Point;
  max: Point;
  last: Point;
}

export class ExtremaDownsampler {
  private readonly buckets: Bucket[] = [];
  private origin = Number.NaN;
  private width = 1;
  private seen = 0;

  /** At most 4 points per bucket are kept: 4·maxBuckets points at most. */
  constructor(private readonly maxBuckets = 1000) {
    if (!Number.isInteger(maxBuckets) || maxBuckets < 2) throw new Error(`maxBuckets must be an integer ≥ 2, got ${maxBuckets}`);
  }

  /** The current bucket width in seconds (a power of two). */
  get bucketWidth(): number {
    return this.width;
  }

  /** Number of points added (before downsampling). */
  get count(): number {
    return this.seen;
  }

  add(t: number, v: number): void {
    if (!Number.isFinite(v)) return;
    if (Number.isNaN(this.origin)) this.origin = t;
    const last = this.buckets[this.buckets.length - 1];
    if (last && t < last.last.t) throw new Error(`points must arrive in time order: ${t} after ${last.last.t}`);
    const p: Point = { t, v, seq: this.seen++ };
    const index = Math.floor((t - this.origin) / this.width);
    if (last && last.index === index) {
      if (v < last.min.v) last.min = p;
      if (v > last.max.v) last.max = p;
      last.last = p;
      return;
    }
    this.buckets.push({ index, first: p, min: p, max: p, last: p });
    if (this.buckets.length > this.maxBuckets) this.coarsen();
  }

  /** Doubles the bucket width, merging buckets that now share an index (exact for M4). */
  private coarsen(): void {
    this.width *= 2;
    let out = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      const b = this.buckets[i] as Bucket;
      const index = Math.floor(b.index / 2);
      const prev = out > 0 ? (this.buckets[out - 1] as Bucket) : undefined;
      if (prev && prev.index === index) {
        if (b.min.v < prev.min.v) prev.min = b.min;
        if (b.max.v > prev.max.v) prev.max = b.max;
        prev.last = b.last;
      } else {
        b.index = index;
        this.buckets[out++] = b;
      }
    }
    this.buckets.length = out;
  }

  /** The kept points in time order (each bucket's first, min, max and last, without repeats). */
  series(): Series {
    const t: number[] = [];
    const v: number[] = [];
    for (const b of this.buckets) {
      const kept = [b.first, b.min, b.max, b.last].sort((x, y) => x.seq - y.seq);
      let prevSeq = -1;
      for (const p of kept) {
        if (p.seq === prevSeq) continue;
        prevSeq = p.seq;
        t.push(p.t);
        v.push(p.v);
      }
    }
    return { t, v };
  }
}
