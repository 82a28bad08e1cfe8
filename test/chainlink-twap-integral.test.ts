/**
 * The Chainlink feed's TWAP from its running integral equals Perp v1's backward walk over the
 * same rounds to the wei (issue 15): over random histories (rounds sharing timestamps, long
 * gaps, gaps in round ids that move `consecutiveFrom`, rounds pushed inside operations that are
 * undone and then replaced by other rounds at the same places) and any window, both empty-period
 * modes, each window asked after every step so the integral is extended and reused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Journal } from '../sim/journal.ts';
import { type ChainlinkRound, ChainlinkFeed } from '../sim/oracle/chainlink-feed.ts';
import { twapWalk } from '../sim/twap.ts';
import { outcome } from './helpers/twap-history.ts';

const TO_WEI = 10n ** 10n;

const step = fc.record({
  seconds: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 120 }), fc.integer({ min: 121, max: 40_000 })),
  answer: fc.bigInt({ min: 1n, max: 10n ** 12n }),
  /** Skip round ids (a gap: the walk stops there). */
  idGap: fc.oneof({ weight: 9, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 3n }) }),
  /** Push this many rounds inside an operation that is then undone, before the kept one. */
  undone: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
  /** Seconds after the round that the TWAP is asked at. */
  lag: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5_000 })),
});

const walk = (feed: ChainlinkFeed, interval: number, now: number, emptyPeriod: 'latest' | 'revert') =>
  twapWalk(feed.rounds, (r: ChainlinkRound) => r.answer * TO_WEI, (r) => r.updatedAt, now, interval, feed.consecutiveFrom, emptyPeriod);

describe('Chainlink TWAP: running integral vs backward walk', () => {
  for (const emptyPeriod of ['latest', 'revert'] as const) {
    it(`agree to the wei on random histories (empty period: ${emptyPeriod})`, () => {
      fc.assert(
        fc.property(
          fc.array(step, { minLength: 1, maxLength: 60 }),
          fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200_000 })), { minLength: 1, maxLength: 5 }),
          (steps, intervals) => {
            const j = new Journal();
            const feed = new ChainlinkFeed(j);
            let time = 1_700_000_000;
            let id = 0n;
            for (const s of steps) {
              time += s.seconds;
              // Rounds pushed and undone after the integral reached past them: their places are taken by other rounds.
              for (let k = 0; k < s.undone; k++) {
                expect(() =>
                  j.atomic(() => {
                    feed.addRound(s.answer + 7n + BigInt(k), time + 1 + k, id + 1n + BigInt(k));
                    for (const interval of intervals) outcome(() => feed.twap(interval, time + 1 + k + s.lag, emptyPeriod));
                    throw new Error('undone');
                  }),
                ).toThrow('undone');
              }
              id += 1n + s.idGap;
              feed.addRound(s.answer, time, id);
              for (const interval of intervals) {
                const now = time + s.lag;
                expect(outcome(() => feed.twap(interval, now, emptyPeriod))).toEqual(outcome(() => walk(feed, interval, now, emptyPeriod)));
              }
            }
          },
        ),
        { numRuns: 400 },
      );
    });
  }

  it('a round replaced after an undone operation is summed as the new one', () => {
    const j = new Journal();
    const feed = new ChainlinkFeed(j);
    feed.addRound(100n, 0);
    feed.addRound(200n, 1000);
    // The integral reaches a round that is then undone…
    expect(() =>
      j.atomic(() => {
        feed.addRound(300n, 2000);
        feed.addRound(400n, 2500);
        feed.twap(3000, 3000);
        throw new Error('undone');
      }),
    ).toThrow('undone');
    // …and other rounds take its places.
    feed.addRound(900n, 1500);
    feed.addRound(800n, 2800);
    expect(feed.twap(3000, 3000)).toBe(walk(feed, 3000, 3000, 'revert'));
    expect(feed.twap(3000, 3000)).toBe(((100n * 1000n + 200n * 500n + 900n * 1300n + 800n * 200n) * TO_WEI) / 3000n);
  });
});
