/**
 * The population's book is solved once per spec and kept (scenarios/population.ts): over random
 * specs asked in alternation, every call returns what solving that spec afresh returns (or the
 * same refusal), and a caller changing the book it got changes no later call's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BookSpec, populationBook, solveBook } from '../scenarios/population.ts';

const spec: fc.Arbitrary<BookSpec> = fc
  .record({
    long: fc.integer({ min: 0, max: 50_000_000 }),
    short: fc.integer({ min: 0, max: 50_000_000 }),
    // Mostly feasible books (over ten accounts a side, accounts 2–10 holding 2–8 times the largest); some refused.
    accounts: fc.record({ long: fc.integer({ min: 8, max: 300 }), short: fc.integer({ min: 8, max: 300 }) }),
    top1: fc.double({ min: 0.02, max: 0.2, noNaN: true }),
    more: fc.double({ min: 2, max: 8, noNaN: true }),
    leverage: fc.uniqueArray(fc.integer({ min: 1, max: 15 }), { minLength: 1, maxLength: 4 }),
    skewHolderLeverage: fc.integer({ min: 1, max: 5 }),
  })
  .map((r) => ({
    openInterest: { long: String(r.long), short: String(r.short) },
    accounts: r.accounts,
    concentration: { top1: r.top1, top10: Math.min(0.95, r.top1 * (1 + r.more)) },
    leverage: r.leverage.map((leverage, _i, all) => ({ leverage, share: 1 / all.length })),
    skewHolderLeverage: r.skewHolderLeverage,
  }));

/** One field of `a` taken from `b`. */
const variants: Record<string, (a: BookSpec, b: BookSpec) => BookSpec> = {
  long: (a, b) => ({ ...a, openInterest: { ...a.openInterest, long: b.openInterest.long } }),
  short: (a, b) => ({ ...a, openInterest: { ...a.openInterest, short: b.openInterest.short } }),
  accounts: (a, b) => ({ ...a, accounts: { ...a.accounts, short: b.accounts.short } }),
  top1: (a, b) => ({ ...a, concentration: { ...a.concentration, top1: Math.min(b.concentration.top1, a.concentration.top10) } }),
  top10: (a, b) => ({ ...a, concentration: { ...a.concentration, top10: Math.max(b.concentration.top10, a.concentration.top1) } }),
  leverage: (a, b) => ({ ...a, leverage: b.leverage }),
  skew: (a, b) => ({ ...a, skewHolderLeverage: b.skewHolderLeverage }),
};

const outcome = (f: () => unknown) => {
  try {
    return { book: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

describe('population book kept per spec', () => {
  it('returns the freshly solved book for every spec, in any order, and each call its own copy', () => {
    let solved = 0;
    let refused = 0;
    fc.assert(
      fc.property(spec, fc.array(fc.tuple(fc.constantFrom(...Object.keys(variants)), spec), { maxLength: 4 }), fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), (base, changes, order) => {
        // Specs that differ from one another in one field each, so a key that leaves a field out is caught.
        const specs = [base, ...changes.map(([field, other]) => (variants[field] as (a: BookSpec, b: BookSpec) => BookSpec)(base, other))];
        for (const k of order) {
          const p = specs[k % specs.length] as BookSpec;
          const got = outcome(() => populationBook(p));
          expect(got).toEqual(outcome(() => solveBook(p)));
          if ('book' in got) {
            solved++;
            // A caller's change stays its own.
            const book = got.book as Array<{ notional: number }>;
            if (book[0]) book[0].notional = -1;
            book.length = 0;
          } else refused++;
        }
      }),
      { numRuns: 120 },
    );
    // Not vacuous: most specs give a book, some are refused.
    expect(solved).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(0);
  });
});
