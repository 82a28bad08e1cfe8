/**
 * The studies' intervals against values known in closed form or by brute force: Wilson at the
 * edges, the exact binomial CDF, the order-statistic interval of a median, and the expected
 * shortfall's O(n) bootstrap against the plain one on the same draws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../data/prng.ts';
import { normalQuantile, binomialCdf, bootstrapInterval, expectedShortfall, expectedShortfallInterval, quantileInterval, wilson } from '../scenarios/studies/statistics.ts';

const choose = (n: number, k: number) => {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
};

describe('statistics', () => {
  it('the normal quantile is accurate to 1e-8 in the body and the tails', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 8);
    expect(normalQuantile(1 - 1e-6)).toBeCloseTo(4.753424309, 7);
    expect(() => normalQuantile(1)).toThrow(/must be in \(0, 1\)/);
  });

  it('Wilson: 0 of 10 gives [0, 0.2775] at 95 %, and the interval always holds the estimate', () => {
    const w = wilson(0, 10);
    expect(w.estimate).toBe(0);
    expect(w.low).toBe(0);
    expect(w.high).toBeCloseTo(0.2775, 4);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const k = Math.round(f * n);
        const i = wilson(k, n);
        return (i.low as number) <= k / n + 1e-12 && k / n <= (i.high as number) + 1e-12 && (i.low as number) >= 0 && (i.high as number) <= 1;
      }),
    );
  });

  it('the binomial CDF matches the sum of the pmf from either tail', () => {
    for (const [n, p] of [
      [20, 0.3],
      [50, 0.9],
      [7, 0.5],
    ] as const) {
      let sum = 0;
      for (let k = 0; k <= n; k++) {
        sum += choose(n, k) * p ** k * (1 - p) ** (n - k);
        expect(binomialCdf(k, n, p)).toBeCloseTo(sum, 10);
      }
    }
  });

  it('the 95 % interval of a median of 100 samples is X(40) – X(61)', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantileInterval(xs, 0.5)).toEqual({ estimate: 50, low: 40, high: 61 });
    // A tail the samples cannot bound: the 99.99 % quantile of 100 samples has no upper bound.
    expect(quantileInterval(xs, 0.9999).high).toBeNull();
  });

  it('expected shortfall is the mean of the worst share, and its fast bootstrap equals the plain one on the same draws', () => {
    const xs = [0, 0, 0, 5, 1, 0, 9, 0, 2, 0];
    expect(expectedShortfall(xs, 0.2)).toBe(7);
    expect(expectedShortfall(xs, 0.01)).toBe(9);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 60 }), fc.double({ min: 0.001, max: 0.5, noNaN: true }), fc.integer({ min: 1, max: 1e6 }), (raw, p, seed) => {
        // Worst first, so that draw i is rank i for both.
        const samples = [...raw].sort((a, b) => b - a);
        const fast = expectedShortfallInterval(samples, p, new Rng(seed), 50);
        // The plain bootstrap: resample, sort, mean of the worst.
        const plain = bootstrapInterval(samples, (d) => expectedShortfall(d, p), new Rng(seed), 50);
        return Math.abs(fast.estimate - plain.estimate) < 1e-9 && Math.abs((fast.low as number) - (plain.low as number)) < 1e-9 && Math.abs((fast.high as number) - (plain.high as number)) < 1e-9;
      }),
      { numRuns: 200 },
    );
  });

  it('bootstrap intervals are reproducible from the seed', () => {
    const xs = Array.from({ length: 200 }, (_, i) => (i * 37) % 101);
    const mean = (d: number[]) => d.reduce((a, b) => a + b, 0) / d.length;
    expect(bootstrapInterval(xs, mean, new Rng(7), 300)).toEqual(bootstrapInterval(xs, mean, new Rng(7), 300));
    const i = bootstrapInterval(xs, mean, new Rng(7), 300);
    expect(i.low as number).toBeLessThan(i.estimate);
    expect(i.high as number).toBeGreaterThan(i.estimate);
  });
});
