/**
 * The oracle model (Chainlink rounds, the fast feed, their composite) and the undo journal
 * that makes operations atomic.
 */
import { describe, expect, it } from 'vitest';
import { Journal } from '../sim/journal.ts';
import { toWei } from '../sim/math/units.ts';
import { ChainlinkFeed } from '../sim/oracle/chainlink-feed.ts';
import { CompositeOracle } from '../sim/oracle/composite-oracle.ts';

describe('Chainlink feed', () => {
  it('keeps 8-decimal answers with increasing round ids and times', () => {
    const feed = new ChainlinkFeed(new Journal());
    feed.addPrice(toWei('1800.12345678'), 1000);
    feed.addRound(180_500_000_000n, 1100, 7n);
    expect(feed.price()).toBe(toWei('1805'));
    expect(feed.latestRound()).toMatchObject({ roundId: 7n, updatedAt: 1100 });
    expect(() => feed.addPrice(toWei('1.123456789'), 1200)).toThrowError(/more than 8 decimals/);
    expect(() => feed.addRound(1n, 1200, 7n)).toThrowError(/round ids must increase/);
    expect(() => feed.addRound(1n, 1000)).toThrowError(/round times must not decrease/);
    expect(() => feed.addRound(0n, 1200)).toThrowError(/UnderlyingPriceZero/);
    expect(feed.age(1500)).toBe(400);
  });

  it('averages answers over time with the backward walk', () => {
    const feed = new ChainlinkFeed(new Journal());
    feed.addPrice(toWei('100'), 0);
    feed.addPrice(toWei('200'), 3000);
    // 100 held for 3000 s of the window, 200 for the last 600 s
    expect(feed.twap(3600, 3600)).toBe((toWei('100') * 3000n + toWei('200') * 600n) / 3600n);
    feed.setTwapOverride(toWei('150'));
    expect(feed.twap(3600, 3600)).toBe(toWei('150'));
  });

  it('walks back only through consecutive round ids, as getRoundData(roundId − 1) on chain', () => {
    const feed = new ChainlinkFeed(new Journal());
    feed.addRound(100_00000000n, 0, 5n);
    feed.addRound(200_00000000n, 3000, 9n); // a gap: round 8 does not exist on chain
    expect(feed.twap(3600, 3600)).toBe(toWei('200'));
    feed.addRound(300_00000000n, 3300, 10n);
    expect(feed.twap(3600, 3600)).toBe((toWei('200') * 300n + toWei('300') * 300n) / 600n);
    expect(() => feed.addRound(1n, 3400, 0n)).toThrowError(/InvalidParameter/);
    feed.setTwapOverride(toWei('150'));
    expect(feed.twap(3600, 3600)).toBe(toWei('150'));
  });
});

describe('composite oracle', () => {
  const make = () => {
    const oracle = new CompositeOracle(new Journal(), { stalenessLimit: 3900, fastMaxAge: 60, fastMaxConfidenceRatio: toWei('0.01') });
    oracle.chainlink.addPrice(toWei('2000'), 0);
    return oracle;
  };

  it('uses the fast feed when fresh and tight, Chainlink otherwise', () => {
    const oracle = make();
    oracle.fast.update({ price: toWei('2010'), confidence: toWei('5'), publishTime: 100 });
    expect(oracle.referencePrice(120)).toBe(toWei('2010'));
    expect(oracle.referencePrice(200)).toBe(toWei('2000')); // too old
    oracle.fast.update({ price: toWei('2010'), confidence: toWei('30'), publishTime: 200 });
    expect(oracle.referencePrice(210)).toBe(toWei('2000')); // confidence 1.5 % > 1 %
    expect(oracle.indexPrice()).toBe(toWei('2000')); // the index is always Chainlink
  });

  it('is stale only when neither source is fresh', () => {
    const oracle = make();
    expect(oracle.isFresh(3900)).toBe(true);
    expect(oracle.isFresh(3901)).toBe(false);
    oracle.fast.update({ price: toWei('2000'), confidence: toWei('1'), publishTime: 3890 });
    expect(oracle.isFresh(3901)).toBe(true);
    oracle.params = { ...oracle.params, stalenessLimit: 0 };
    expect(oracle.isFresh(10 ** 9)).toBe(true);
  });
});

describe('journal', () => {
  it('undoes every mutation of a failed operation, in reverse, and keeps a successful one', () => {
    const j = new Journal();
    const state = { a: 1, list: [1], map: new Map([['x', 1]]) };
    expect(() =>
      j.atomic(() => {
        j.set(state, 'a', 2);
        j.push(state.list, 2);
        j.mapSet(state.map, 'y', 2);
        j.mapDelete(state.map, 'x');
        j.set(state, 'a', 3);
        throw new Error('revert');
      }),
    ).toThrow('revert');
    expect(state).toEqual({ a: 1, list: [1], map: new Map([['x', 1]]) });
    j.atomic(() => j.set(state, 'a', 5));
    expect(state.a).toBe(5);
  });

  it('rolls back only the inner part of a nested failure the outer one catches', () => {
    const j = new Journal();
    const s = { a: 0, b: 0 };
    j.atomic(() => {
      j.set(s, 'a', 1);
      try {
        j.atomic(() => {
          j.set(s, 'b', 1);
          throw new Error('inner');
        });
      } catch {
        // the outer operation goes on
      }
    });
    expect(s).toEqual({ a: 1, b: 0 });
  });

  it('simulates: runs, returns, and always undoes', () => {
    const j = new Journal();
    const s = { a: 0 };
    const seen = j.simulate(() => {
      j.set(s, 'a', 42);
      return s.a;
    });
    expect(seen).toBe(42);
    expect(s.a).toBe(0);
  });
});
