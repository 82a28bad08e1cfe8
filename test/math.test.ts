/**
 * Fixed point with Solidity's rounding, the decimal boundary, the swap curve's rounding in
 * the AMM's favour, and the TWAP walk.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exitValue, inputPrice, outputPrice, spotPrice } from '../sim/curve.ts';
import { ModelError } from '../sim/errors.ts';
import { ONE, ceilDiv, divD, mulD, subU } from '../sim/math/fixed.ts';
import { formatUnits, fromWei, parseUnits, toTokenUnits, toWei, weiToNumber, wholeUnitsDown } from '../sim/math/units.ts';
import { twapWalk } from '../sim/twap.ts';
import { Decimal } from 'decimal.js';

describe('fixed point', () => {
  it('floors unsigned and truncates signed division toward zero, as Solidity', () => {
    expect(mulD(3n, ONE / 2n)).toBe(1n);
    expect(mulD(-3n, ONE / 2n)).toBe(-1n); // not -2: truncation, not floor
    expect(divD(1n, 3n)).toBe(333333333333333333n);
    expect(divD(-1n, 3n)).toBe(-333333333333333333n);
    expect(ceilDiv(7n, 2n)).toBe(4n);
    expect(ceilDiv(0n, 5n)).toBe(0n);
  });

  it('reverts on unsigned underflow and division by zero', () => {
    expect(() => subU(1n, 2n)).toThrow(ModelError);
    expect(() => divD(1n, 0n)).toThrowError(/DivisionByZero/);
  });

  it('parses decimals exactly and refuses floats and excess precision', () => {
    expect(toWei('45.18072289')).toBe(45180722890000000000n);
    expect(toWei('1e-18')).toBe(1n);
    expect(toWei(12)).toBe(12n * ONE);
    expect(parseUnits('1.5', 6)).toBe(1_500_000n);
    expect(() => toWei('0.0000000000000000001')).toThrowError(/more than 18 decimal/);
    expect(() => toWei(0.1)).toThrowError(/float/);
    expect(() => toWei('12abc')).toThrowError(/not a decimal/);
    expect(toTokenUnits(1_999_999_999_999n)).toBe(1n); // floored to 6 decimals
  });

  it('formats wei back to the same decimal', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (x) => {
        expect(toWei(fromWei(x))).toBe(x);
        expect(parseUnits(formatUnits(x, 6), 6)).toBe(x);
      }),
    );
  });
});

describe('swap curve', () => {
  const reserve = fc.bigInt({ min: 10n ** 18n, max: 10n ** 30n });

  it('never lets Q·B fall below k, in either direction', () => {
    fc.assert(
      fc.property(reserve, reserve, fc.bigInt({ min: 1n, max: 10n ** 28n }), fc.boolean(), (q, b, amount, add) => {
        const k = mulD(q, b);
        if (add) {
          const base = inputPrice('ADD', amount, q, b);
          expect(mulD(q + amount, b - base)).toBeGreaterThanOrEqual(k);
        } else if (amount < q) {
          const base = inputPrice('REMOVE', amount, q, b);
          expect(mulD(q - amount, b + base)).toBeGreaterThanOrEqual(k);
        }
      }),
    );
  });

  it('loses the trader a little on a round trip, never gains', () => {
    fc.assert(
      fc.property(reserve, reserve, fc.bigInt({ min: 1n, max: 10n ** 27n }), (q, b, quote) => {
        const base = inputPrice('ADD', quote, q, b);
        const back = outputPrice('ADD', base, q + quote, b - base);
        expect(back).toBeLessThanOrEqual(quote);
      }),
    );
  });

  it('values a position by its exit: a long sells base, a short buys it back', () => {
    expect(exitValue(toWei('5'), toWei('1000'), toWei('100'))).toBe(outputPrice('ADD', toWei('5'), toWei('1000'), toWei('100')));
    expect(exitValue(-toWei('5'), toWei('1000'), toWei('100'))).toBe(-outputPrice('REMOVE', toWei('5'), toWei('1000'), toWei('100')));
    expect(spotPrice(toWei('1000'), toWei('100'))).toBe(toWei('10'));
  });

  it('reverts when a swap would empty a reserve', () => {
    expect(() => inputPrice('REMOVE', toWei('1000'), toWei('1000'), toWei('100'))).toThrowError(/QuoteReserveDepleted/);
    expect(() => outputPrice('REMOVE', toWei('100'), toWei('1000'), toWei('100'))).toThrowError(/BaseReserveDepleted/);
  });
});

describe('TWAP walk', () => {
  const points = [
    { t: 0, v: 10n },
    { t: 100, v: 20n },
    { t: 160, v: 40n },
  ];
  const walk = (now: number, interval: number) => twapWalk(points, (p) => p.v, (p) => p.t, now, interval);

  it('weights each value by how long it held inside the window', () => {
    // window [100, 200]: 20 for 60 s, 40 for 40 s
    expect(walk(200, 100)).toBe((20n * 60n + 40n * 40n) / 100n);
    // window [50, 200]: 10 for 50 s as well
    expect(walk(200, 150)).toBe((10n * 50n + 20n * 60n + 40n * 40n) / 150n);
  });

  it('gives zero weight to a point observed now', () => {
    expect(walk(160, 60)).toBe(20n);
  });

  it('averages over the history that exists when it is shorter than the window', () => {
    expect(walk(200, 1000)).toBe((10n * 100n + 20n * 60n + 40n * 40n) / 200n);
  });

  it('returns the latest value for a zero interval or a stale window', () => {
    expect(walk(500, 0)).toBe(40n);
    expect(walk(500, 100)).toBe(40n);
  });
});

describe('parseUnits: the plain-decimal fast path', () => {
  it('gives what decimal.js gives (or the same error) for any plain decimal', () => {
    // The slow path's own settings (sim/math/units.ts): 80 significant digits.
    const D = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_DOWN, toExpPos: 1000, toExpNeg: -1000 });
    const reference = (text: string, decimals: number): bigint | string => {
      const scaled = new D(text).times(new D(10).pow(decimals));
      return scaled.isInteger() ? BigInt(scaled.toFixed(0)) : 'too many decimals';
    };
    const outcome = (text: string, decimals: number): bigint | string => {
      try {
        return parseUnits(text, decimals);
      } catch (e) {
        return /more than \d+ decimal places/.test((e as Error).message) ? 'too many decimals' : (e as Error).message;
      }
    };
    const digits = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: max });
    fc.assert(
      fc.property(fc.constantFrom('', '-', '+'), digits(30), fc.option(digits(24)), fc.constantFrom(0, 6, 8, 18), (sign, whole, fraction, decimals) => {
        const text = `${sign}${whole}${fraction === null ? '' : `.${fraction}`}`;
        expect(outcome(text, decimals)).toEqual(reference(text, decimals));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('wholeUnitsDown: whole USD in a wei amount, never rounded up', () => {
  it('floors a balance a wei under a dollar, where the float view rounds it up', () => {
    const justUnder = 5n * ONE - 1n;
    expect(Math.floor(weiToNumber(justUnder))).toBe(5);
    expect(wholeUnitsDown(justUnder)).toBe(4);
    expect(wholeUnitsDown(5n * ONE)).toBe(5);
    expect(wholeUnitsDown(-1n)).toBe(-1);
    expect(wholeUnitsDown(-ONE)).toBe(-1);
  });

  it('is the largest whole number of units not above the amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (wei) => {
        const n = BigInt(wholeUnitsDown(wei));
        expect(n * ONE <= wei && wei < (n + 1n) * ONE).toBe(true);
      }),
    );
  });
});
