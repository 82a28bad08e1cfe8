/**
 * The liquidation check without Perp v1's TWAP walk: bounds on both TWAP valuations from the
 * window's extreme reserves (Vamm.twapExitBounds) hold every walk and every exit on the
 * time-weighted reserves, to the wei, over random histories; and the liquidation ratio decided
 * from them (liquidationMarginRatioUnlessBelow) says "below" only where the full ratio is
 * below, and otherwise returns the full ratio (or its revert), over random action sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { createClock } from '../sim/clock.ts';
import { type Dir, exitRangeOnBox, outputPrice } from '../sim/curve.ts';
import { ModelError } from '../sim/errors.ts';
import type { ProfileName } from '../sim/params.ts';
import { MARKETS, TRADERS, applyRandomAction, randomActions, randomWorld } from './helpers/random-actions.ts';
import { historyVamm, outcome } from './helpers/twap-history.ts';

const step = fc.record({
  seconds: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 31, max: 2_000 })),
  blocks: fc.integer({ min: 0, max: 3 }),
  quoteIn: fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }),
});

/** Sizes from dust to most of the base reserve (10,000 base). */
const size = fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 6n }), fc.bigInt({ min: 1n, max: 10n ** 21n }), fc.bigInt({ min: 10n ** 21n, max: 12n * 10n ** 21n }));

describe('TWAP exit bounds', () => {
  it('hold every exit, as outputPrice rounds it, on reserves inside the box', () => {
    const reserve = fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 20n }), fc.bigInt({ min: 10n ** 20n, max: 10n ** 28n }));
    let decided = 0;
    fc.assert(
      fc.property(fc.constantFrom<Dir>('ADD', 'REMOVE'), size, reserve, reserve, reserve, reserve, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (dir, amount, q1, q2, b1, b2, qAt, bAt) => {
        const [qMin, qMax] = q1 < q2 ? [q1, q2] : [q2, q1];
        const [bMin, bMax] = b1 < b2 ? [b1, b2] : [b2, b1];
        const range = exitRangeOnBox(dir, amount, qMin, qMax, bMin, bMax);
        if (range === null) return;
        decided++;
        // The box's corners, and a point inside it.
        for (const [q, b] of [[qMin, bMin], [qMax, bMax], [qMin + ((qMax - qMin) * BigInt(qAt)) / 100n, bMin + ((bMax - bMin) * BigInt(bAt)) / 100n]] as const) {
          const exit = outputPrice(dir, amount, q, b);
          expect(exit >= range.lb && exit <= range.ub, `${dir} ${amount} on (${q}, ${b}): ${exit} in [${range.lb}, ${range.ub}]`).toBe(true);
        }
      }),
      { numRuns: 20_000, seed: 20261206 },
    );
    expect(decided).toBeGreaterThan(2_000);
  });

  for (const emptyPeriod of ['latest', 'revert'] as const) {
    it(`hold the walk and the time-weighted exit on random histories (empty period: ${emptyPeriod})`, () => {
      let decided = 0;
      fc.assert(
        fc.property(
          fc.array(step, { minLength: 1, maxLength: 120 }),
          fc.array(fc.tuple(fc.constantFrom<Dir>('ADD', 'REMOVE'), size), { minLength: 1, maxLength: 4 }),
          fc.option(fc.integer({ min: 0, max: 5_000 })),
          (steps, probes, pruneAge) => {
            const clock = createClock(1_700_000_000, 100);
            const v = historyVamm(clock, emptyPeriod);
            for (const s of steps) {
              clock.timestamp += s.seconds;
              clock.blockNumber += s.blocks;
              try {
                if (s.quoteIn !== 0n) v.swapInput(s.quoteIn > 0n ? 'ADD' : 'REMOVE', s.quoteIn > 0n ? s.quoteIn : -s.quoteIn, 0n, 'once');
              } catch (e) {
                if (!(e instanceof ModelError)) throw e;
              }
              if (pruneAge !== null) v.pruneSnapshots(clock.timestamp - pruneAge - 900);
              for (const [dir, amount] of probes) {
                const bounds = v.twapExitBounds(dir, amount);
                if (bounds === null) continue;
                decided++;
                // Where bounds are given, neither valuation reverts and both lie inside them.
                for (const value of [v.outputTwap(dir, amount), v.exitNotionalAtTwap(dir, amount)]) {
                  expect(value >= bounds.lb && value <= bounds.ub, `${dir} ${amount}: ${value} in [${bounds.lb}, ${bounds.ub}]`).toBe(true);
                }
              }
            }
          },
        ),
        { numRuns: 300 },
      );
      expect(decided).toBeGreaterThan(1000);
    });
  }
});

interface Decider {
  liquidationMarginRatioUnlessBelow(trader: string, marketId: string, level: bigint): bigint | null;
}

/** A world whose TWAP valuation is Perp v1's walk: perp-v1, and default's cross accounts on the walk. */
function walkWorld(profile: ProfileName): ClearingHouse {
  const ch = randomWorld(profile);
  (ch.params as { exitTwap: string }).exitTwap = 'walk';
  return ch;
}

describe('the liquidation ratio decided from the bounds', () => {
  for (const profile of ['perp-v1', 'default'] as ProfileName[]) {
    it(`is below the level where it says so and the full ratio elsewhere (${profile})`, () => {
      let below = 0;
      let compared = 0;
      fc.assert(
        fc.property(fc.array(randomActions('liquidations'), { minLength: 1, maxLength: 50 }), fc.bigInt({ min: 0n, max: 6n * 10n ** 17n }), (actions, randomLevel) => {
          const ch = walkWorld(profile);
          const levels = [ch.params.maintenanceMarginRatio, ch.params.liquidationFeeRatio + 1n, randomLevel];
          for (const action of actions) {
            applyRandomAction(ch, action);
            for (const trader of TRADERS) {
              for (const market of MARKETS) {
                if ((ch.accounts.get(trader)?.positions.get(market)?.size ?? 0n) === 0n) continue;
                const full = outcome(() => ch.liquidationMarginRatio(trader, market));
                for (const level of levels) {
                  const decided = outcome(() => (ch as unknown as Decider).liquidationMarginRatioUnlessBelow(trader, market, level));
                  compared++;
                  if (decided === null) {
                    below++;
                    expect(typeof full === 'bigint' && full < level, `${trader} ${market}: said below ${level}, full ratio ${full}`).toBe(true);
                  } else {
                    expect(decided).toEqual(full);
                  }
                }
              }
            }
          }
        }),
        { numRuns: 200, seed: 20261206 },
      );
      // The shortcut must be taken often enough to be tested.
      expect(below).toBeGreaterThan(compared / 20);
    });
  }
});
