/**
 * The extreme-keeping downsampler: bounded output however long the input, every bucket's
 * first/min/max/last kept (so the crash low and the spikes survive), and streaming with
 * bucket doubling gives exactly what one pass at the final width would.
 */
import { describe, expect, it } from 'vitest';
import { splitmix32 } from '../data/prng.ts';
import { ExtremaDownsampler } from '../reports/downsample.ts';

/** M4 in one pass at a known width and origin: the reference. */
function bruteForce(points: Array<[number, number]>, origin: number, width: number): { t: number[]; v: number[] } {
  const buckets = new Map<number, Array<{ i: number; t: number; v: number }>>();
  points.forEach(([t, v], i) => {
    const b = Math.floor((t - origin) / width);
    if (!buckets.has(b)) buckets.set(b, []);
    buckets.get(b)!.push({ i, t, v });
  });
  const t: number[] = [];
  const v: number[] = [];
  for (const list of buckets.values()) {
    let min = list[0]!;
    let max = list[0]!;
    for (const p of list) {
      if (p.v < min.v) min = p;
      if (p.v > max.v) max = p;
    }
    const kept = [...new Set([list[0]!, min, max, list[list.length - 1]!])].sort((a, b) => a.i - b.i);
    for (const p of kept) {
      t.push(p.t);
      v.push(p.v);
    }
  }
  return { t, v };
}

function randomWalk(n: number, seed: number): Array<[number, number]> {
  const next = splitmix32(seed);
  const rand = () => next() / 2 ** 32;
  const out: Array<[number, number]> = [];
  let price = 2000;
  let t = 1_600_000_000;
  for (let i = 0; i < n; i++) {
    t += 1 + Math.floor(rand() * 60);
    price *= 1 + (rand() - 0.5) * 0.01;
    out.push([t, price]);
  }
  return out;
}

describe('ExtremaDownsampler', () => {
  it('keeps every point of a short series', () => {
    const d = new ExtremaDownsampler(100);
    const pts = randomWalk(80, 1);
    for (const [t, v] of pts) d.add(t, v);
    expect(d.series()).toEqual({ t: pts.map((p) => p[0]), v: pts.map((p) => p[1]) });
  });

  it('stays within 4 points per bucket on a long series, and keeps the crash low and the spike', () => {
    const d = new ExtremaDownsampler(500);
    const pts = randomWalk(300_000, 2);
    pts[123_456]![1] = 1; // the crash low
    pts[234_567]![1] = 1e6; // a spike
    for (const [t, v] of pts) d.add(t, v);
    const s = d.series();
    expect(d.count).toBe(300_000);
    expect(s.t.length).toBeLessThanOrEqual(4 * 500);
    expect(s.t.length).toBeGreaterThan(500);
    expect(s.t).toContain(pts[123_456]![0]);
    expect(Math.min(...s.v)).toBe(1);
    expect(Math.max(...s.v)).toBe(1e6);
    expect(s.t[0]).toBe(pts[0]![0]);
    expect(s.t[s.t.length - 1]).toBe(pts[pts.length - 1]![0]);
  });

  it('merging buckets while streaming equals one pass at the final width', () => {
    for (const seed of [3, 4, 5]) {
      const d = new ExtremaDownsampler(64);
      const pts = randomWalk(20_000, seed);
      for (const [t, v] of pts) d.add(t, v);
      expect(d.series()).toEqual(bruteForce(pts, pts[0]![0], d.bucketWidth));
    }
  });

  it('keeps the first, lowest, highest and last of points sharing a timestamp', () => {
    const d = new ExtremaDownsampler(10);
    for (const v of [5, 9, 1, 7, 6]) d.add(100, v);
    expect(d.series()).toEqual({ t: [100, 100, 100, 100], v: [5, 9, 1, 6] });
  });

  it('refuses points out of time order and ignores non-finite values', () => {
    const d = new ExtremaDownsampler(10);
    d.add(10, 1);
    d.add(11, Number.NaN);
    expect(() => d.add(9, 1)).toThrow(/time order/);
    expect(d.count).toBe(1);
    expect(() => new ExtremaDownsampler(1)).toThrow(/maxBuckets/);
  });
});
