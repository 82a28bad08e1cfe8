/**
 * The agents' float mark TWAP (sim/engine/float-twap.ts) finds the step a query falls in from
 * where it found the last one, or at the last step, without a search (issue 15: the engine asks
 * for the block's own time and for the window's start a block later). Over random step
 * functions (increasing times, values, windows short enough that old steps are dropped and the
 * arrays cut) and queries that mostly move forward a little, sometimes anywhere, every average
 * is the one a binary search over the kept steps gives, to the bit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FloatTwap } from '../sim/engine/float-twap.ts';

/** The reference: every step kept, the window's average by a binary search for each end (the TWAP's own formula). */
class Reference {
  readonly times: number[] = [];
  readonly values: number[] = [];
  readonly integral: number[] = [];
  constructor(private readonly window: number) {}

  record(time: number, value: number): void {
    const n = this.times.length;
    if (n > 0 && this.times[n - 1] === time) {
      this.values[n - 1] = value;
      return;
    }
    this.integral.push(n > 0 ? (this.integral[n - 1] as number) + (this.values[n - 1] as number) * (time - (this.times[n - 1] as number)) : 0);
    this.times.push(time);
    this.values.push(value);
  }

  average(now: number): number {
    const n = this.times.length;
    if (n === 0) return Number.NaN;
    // The first step the TWAP keeps: the last one at or before the window's reach (it drops those before).
    let start = 0;
    while (start + 1 < n && (this.times[start + 1] as number) <= (this.times[n - 1] as number) - this.window) start++;
    const from = Math.max(this.times[start] as number, now - this.window);
    if (now <= from) return this.values[n - 1] as number;
    return (this.integralTo(start, now) - this.integralTo(start, from)) / (now - from);
  }

  private integralTo(start: number, t: number): number {
    let lo = start;
    let hi = this.times.length - 1;
    if (t <= (this.times[lo] as number)) return this.integral[lo] as number;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.times[mid] as number) <= t) lo = mid;
      else hi = mid - 1;
    }
    return (this.integral[lo] as number) + (this.values[lo] as number) * (t - (this.times[lo] as number));
  }
}

const step = fc.record({
  gap: fc.integer({ min: 0, max: 30 }),
  value: fc.double({ min: 1, max: 5000, noNaN: true }),
  // Queries after the step: at its time, a little before or after, or anywhere.
  queries: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: -40, max: 40 }), fc.integer({ min: -5000, max: 5000 })), { maxLength: 3 }),
});

describe('float mark TWAP', () => {
  it('averages as a binary search over its steps does, to the bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(step, { minLength: 1, maxLength: 300 }), (window, steps) => {
        const twap = new FloatTwap(window);
        const reference = new Reference(window);
        let time = 1000;
        for (const s of steps) {
          time += s.gap;
          twap.record(time, s.value);
          reference.record(time, s.value);
          for (const q of [0, ...s.queries]) expect(Object.is(twap.average(time + q), reference.average(time + q)), `at ${time + q}`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('still does after dropping and cutting thousands of old steps', () => {
    const twap = new FloatTwap(120);
    const reference = new Reference(120);
    for (let k = 0; k < 12_000; k++) {
      const time = 12 * k;
      const value = 2000 + Math.sin(k / 7) * 300;
      twap.record(time, value);
      reference.record(time, value);
      for (const t of [time, time - 115, time - 3, time + 7]) expect(Object.is(twap.average(t), reference.average(t))).toBe(true);
    }
  });
});
