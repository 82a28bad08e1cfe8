/**
 * The mark TWAP and the time-weighted reserves from their accumulators equal Perp v1's backward
 * walk over the same series to the wei, over
 * random histories (blocks sharing timestamps, long gaps, reserves changing several times in a
 * block, pruned history) and any window, including the empty-period cases of both profiles.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Clock, createClock } from '../sim/clock.ts';
import { divD } from '../sim/math/fixed.ts';
import { twapWalk } from '../sim/twap.ts';
import type { ReserveSnapshot, Vamm } from '../sim/vamm.ts';
import { historyVamm, outcome } from './helpers/twap-history.ts';

const step = fc.record({
  seconds: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 31, max: 20_000 })),
  blocks: fc.integer({ min: 0, max: 3 }),
  quoteIn: fc.bigInt({ min: -(10n ** 22n), max: 10n ** 22n }),
});

const walk = (v: Vamm, interval: number, now: number, valueOf: (s: ReserveSnapshot) => bigint = (s) => divD(s.quote, s.base)) =>
  twapWalk(v.snapshots, valueOf, (s) => s.timestamp, now, interval, v.snapshotStart, v.twapEmptyPeriod);

/** One step of a random history: the clock moved on (seconds, blocks) and the trade, if any, made. */
function advance(v: Vamm, clock: Clock, s: { readonly seconds: number; readonly blocks: number; readonly quoteIn: bigint }): void {
  clock.timestamp += s.seconds;
  clock.blockNumber += s.blocks;
  if (s.quoteIn !== 0n) v.swapInput(s.quoteIn > 0n ? 'ADD' : 'REMOVE', s.quoteIn > 0n ? s.quoteIn : -s.quoteIn, 0n, 'once');
}

describe('TWAPs: accumulators vs backward walk', () => {
  for (const emptyPeriod of ['latest', 'revert'] as const) {
    it(`agree to the wei on random histories (empty period: ${emptyPeriod})`, () => {
      fc.assert(
        fc.property(
          fc.array(step, { minLength: 1, maxLength: 80 }),
          fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 6 }),
          fc.option(fc.integer({ min: 0, max: 100_000 })),
          (steps, intervals, pruneAge) => {
            const clock = createClock(1_700_000_000, 100);
            const v = historyVamm(clock, emptyPeriod);
            for (const s of steps) {
              advance(v, clock, s);
              if (pruneAge !== null) v.pruneSnapshots(clock.timestamp - pruneAge);
              for (const interval of intervals) {
                expect(outcome(() => v.twapPrice(interval))).toEqual(outcome(() => walk(v, interval, clock.timestamp)));
                // The time-weighted reserves the default design's TWAP valuation exits on.
                expect(outcome(() => v.twapReserves(interval).quote)).toEqual(outcome(() => walk(v, interval, clock.timestamp, (s) => s.quote)));
                expect(outcome(() => v.twapReserves(interval).base)).toEqual(outcome(() => walk(v, interval, clock.timestamp, (s) => s.base)));
              }
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  // One window asked after every trade, so the reserves' memo answers a block's later valuations:
  // trades in one block (they overwrite its own snapshot), blocks sharing a timestamp, history
  // pruned to one snapshot, the empty window (issue 15, sixteenth session).
  const sameBlockStep = fc.record({
    seconds: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 31, max: 2_000 })),
    blocks: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 2 })),
    quoteIn: fc.bigInt({ min: -(10n ** 22n), max: 10n ** 22n }),
  });
  for (const emptyPeriod of ['latest', 'revert'] as const) {
    it(`the reserves' memo agrees with the walk after every trade of a block (empty period: ${emptyPeriod})`, () => {
      fc.assert(
        fc.property(
          fc.array(sameBlockStep, { minLength: 1, maxLength: 60 }),
          fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 61, max: 5_000 })),
          fc.option(fc.integer({ min: 0, max: 100 })),
          (steps, interval, pruneAge) => {
            const clock = createClock(1_700_000_000, 100);
            const v = historyVamm(clock, emptyPeriod);
            for (const s of steps) {
              advance(v, clock, s);
              if (pruneAge !== null && s.blocks > 0) v.pruneSnapshots(clock.timestamp - pruneAge);
              const reserves = outcome(() => v.twapReserves(interval));
              const expected = outcome(() => ({ quote: walk(v, interval, clock.timestamp, (x) => x.quote), base: walk(v, interval, clock.timestamp, (x) => x.base) }));
              expect(reserves).toEqual(expected);
            }
          },
        ),
        { numRuns: 500 },
      );
    });
  }
});
