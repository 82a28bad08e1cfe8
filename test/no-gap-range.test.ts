/**
 * The range where an arbitrageur's gap test held (sim/engine/no-gap-range.ts, issue 15) answers
 * as the test itself, to the bit: over random markets, fees, hedges and minimum edges, and CEX
 * prices walked within a few basis points of both sides' minimums (where the range decides most
 * answers), with the floats moved now and then, the terms changed, and prices that are not
 * positive and finite, `holds` equals `noGapEitherSide` at every step. Fails when either side's
 * direction is swapped, or when the range outlives the floats or the terms it was found on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_ARBITRAGE_NOTIONAL, arbitrageRatio, noGapEitherSide } from '../agents/arbitrage-pricing.ts';
import { DEFAULT_HEDGE, type HedgeParams } from '../sim/engine/hedge-venue.ts';
import { type GapFloats, type GapTerms, NoGapRange } from '../sim/engine/no-gap-range.ts';

/** A real number in [min, max] on a grid. */
const real = (min: number, max: number) => fc.integer({ min: 0, max: 1_000_000 }).map((k) => min + ((max - min) * k) / 1_000_000);
const decades = (lo: number, hi: number) => real(lo, hi).map((e) => 10 ** e);

const hedgeArb: fc.Arbitrary<HedgeParams> = fc.record({ takerFee: real(0, 0.002), halfSpread: real(0, 0.002), impactPerMillion: real(0, 0.01) }).map((h) => ({ ...DEFAULT_HEDGE, ...h }));
const termsArb: fc.Arbitrary<GapTerms> = fc.record({ hedge: hedgeArb, minEdge: real(0, 0.005) });

const step = fc.record({
  // Mostly the same floats (another block, another CEX tick), sometimes moved; the terms now and then another arbitrageur's.
  move: fc.integer({ min: 0, max: 7 }).map((k) => k === 0),
  quoteReserve: decades(2, 8),
  price: real(100, 5000),
  fee: fc.constantFrom(0, 0.001, 0.003),
  otherTerms: fc.integer({ min: 0, max: 15 }).map((k) => k === 0),
  // The CEX price at one side's minimum gap, moved by a few basis points (either way), or anywhere near the mark.
  at: fc.oneof(
    { weight: 4, arbitrary: fc.record({ side: fc.constantFrom('long' as const, 'short' as const), bp: real(-3, 3) }) },
    { weight: 1, arbitrary: fc.record({ near: real(-0.01, 0.01) }) },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY) },
  ),
});

/** The CEX price at which `side`'s gap is exactly the minimum on these floats (x·y = k). */
function atMinimum(f: GapFloats, t: GapTerms, side: 'long' | 'short'): number {
  const q = f.quoteReserve;
  const q1 = side === 'long' ? q + MIN_ARBITRAGE_NOTIONAL : q - MIN_ARBITRAGE_NOTIONAL;
  return (q1 * q1) / (q * f.baseReserve) / arbitrageRatio(t.hedge, f.feeRatio, 0, side, t.minEdge);
}

describe('NoGapRange', () => {
  it('answers as noGapEitherSide at every step', () => {
    let held = 0;
    let refused = 0;
    fc.assert(
      fc.property(termsArb, termsArb, fc.array(step, { minLength: 2, maxLength: 80 }), (first, second, steps) => {
        const range = new NoGapRange();
        let f: GapFloats = { version: 0, quoteReserve: 0, baseReserve: 0, feeRatio: 0 };
        let terms = first;
        for (const [i, s] of steps.entries()) {
          if (i === 0 || s.move) f = { version: f.version + 1, quoteReserve: s.quoteReserve, baseReserve: s.quoteReserve / s.price, feeRatio: s.fee };
          if (s.otherTerms) terms = terms === first ? second : first;
          const cex = typeof s.at === 'number' ? s.at : 'near' in s.at ? (f.quoteReserve / f.baseReserve) * (1 + s.at.near) : atMinimum(f, terms, s.at.side) * (1 + s.at.bp * 1e-4);
          const expected = noGapEitherSide(f.quoteReserve, f.baseReserve, f.feeRatio, cex, terms.hedge, terms.minEdge);
          expect(range.holds(f, cex, terms), `step ${i}: cex ${cex} on ${JSON.stringify(f)}`).toBe(expected);
          if (expected) held++;
          else refused++;
        }
      }),
      { numRuns: 1000 },
    );
    expect(held).toBeGreaterThan(2000);
    expect(refused).toBeGreaterThan(2000);
  });

  it('a range found on one set of floats is not used on the next', () => {
    const terms: GapTerms = { hedge: DEFAULT_HEDGE, minEdge: 0 };
    const range = new NoGapRange();
    const f: GapFloats = { version: 1, quoteReserve: 1e7, baseReserve: 5e3, feeRatio: 0.001 };
    const spot = f.quoteReserve / f.baseReserve;
    expect(range.holds(f, spot, terms)).toBe(true);
    // The same CEX price after the mark moved 1 %: a gap, which a stale range would hide.
    const moved: GapFloats = { version: 2, quoteReserve: f.quoteReserve * 0.995, baseReserve: f.baseReserve * 1.005, feeRatio: f.feeRatio };
    expect(noGapEitherSide(moved.quoteReserve, moved.baseReserve, moved.feeRatio, spot, terms.hedge, terms.minEdge)).toBe(false);
    expect(range.holds(moved, spot, terms)).toBe(false);
  });
});
