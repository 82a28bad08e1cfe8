/**
 * A generator's float price to wei (data/wei-text.ts): the shortcut through price × 10⁸ in
 * floats gives what `toFixed(8)` gives (the float's exact value rounded to 8 decimals) for every
 * price: random ones across the range, and floats a few ulps either side of a half of the 8th
 * decimal, where the product in floats can land on the half while the exact one is not on it.
 * Its float view without the bigint (roundedPriceFloat, the cascade screen's) is the same number.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floatPriceToWei, roundedPriceFloat, weiToFloat } from '../data/wei-text.ts';

/** The reference: the float's exact value to 8 decimals, as text. */
function byText(price: number): bigint {
  const text = price.toFixed(8);
  const dot = text.indexOf('.');
  return BigInt(text.slice(0, dot) + text.slice(dot + 1)) * 10n ** 10n;
}

/** The float `k` ulps from `x` (x > 0). */
function ulpsAway(x: number, k: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + BigInt(k));
  return view.getFloat64(0);
}

const nearHalf = fc.record({ n: fc.oneof(fc.integer({ min: 0, max: 10 ** 6 }), fc.integer({ min: 10 ** 6, max: 2 ** 45 }), fc.integer({ min: 2 ** 45, max: 2 ** 52 })), k: fc.integer({ min: -6, max: 6 }) }).map(({ n, k }) => ulpsAway((n + 0.5) / 1e8, k));

describe('float price to wei', () => {
  it('equals the float’s exact value rounded to 8 decimals, near halves too', () => {
    let nearHalves = 0;
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: 1e-12, max: 1e20, noNaN: true }), fc.double({ min: 100, max: 100_000, noNaN: true }), nearHalf), (price) => {
        fc.pre(price > 0);
        const scaled = price * 1e8;
        if (Math.abs(scaled - Math.floor(scaled) - 0.5) < 1e-6) nearHalves++;
        expect(floatPriceToWei(price), String(price)).toBe(byText(price));
      }),
      { numRuns: 20_000 },
    );
    // Not vacuous: many prices sit where the product in floats is ambiguous.
    expect(nearHalves).toBeGreaterThan(2000);
    // A float just under a half whose product in floats lands on the half: the text rounds down.
    const under = ulpsAway(2345.678901235, -1);
    expect(floatPriceToWei(under)).toBe(byText(under));
  });

  it('is, seen as a float, what roundedPriceFloat gives without the bigint (near halves too)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: 1e-12, max: 1e20, noNaN: true }), fc.double({ min: 100, max: 100_000, noNaN: true }), nearHalf), (price) => {
        fc.pre(price > 0);
        expect(roundedPriceFloat(price), String(price)).toBe(weiToFloat(floatPriceToWei(price)));
      }),
      { numRuns: 20_000 },
    );
  });
});
