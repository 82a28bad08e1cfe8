/**
 * A Chainlink-style aggregator: rounds of (roundId, answer with 8 decimals, updatedAt), replayed
 * from real round data or synthesised from candles. The model reads it the way the contracts
 * read AggregatorV3Interface: latest answer for the index, a TWAP of answers for funding.
 */
import { ModelError, requireThat } from '../errors.ts';
import type { Journal } from '../journal.ts';

export interface ChainlinkRound {
  readonly roundId: bigint;
  readonly answer: bigint;
  readonly startedAt: number;
  readonly updatedAt: number;
}

/**
 * An injected failure of the feed: `revert` (latestRoundData reverts), `zero` or `negative` (it
 * answers 0 or minus its price). Every read of the answer then fails, as the contracts' guarded
 * read of latestRoundData does.
 */
export type ChainlinkFault = 'none' | 'revert' | 'zero' | 'negative';
export const CHAINLINK_FAULTS: readonly ChainlinkFault[] = ['none', 'revert', 'zero', 'negative'];

export const CHAINLINK_DECIMALS = 8;

export class ChainlinkFeed {
  readonly rounds: ChainlinkRound[] = [];
  /** A test double's fixed TWAP (Perp v1's mock setTwapPrice); 0 = compute from rounds. */
  twapOverride = 0n;
  /**
   * Index of the oldest round the TWAP walk reaches: history starts after the last gap in round
   * ids, as an on-chain walk through getRoundData(roundId − 1) ends at a missing round.
   */
  consecutiveFrom = 0;
  /** 10^(18 − decimals): one answer unit in wei. */
  private readonly toWei: bigint;
  /**
   * The answers' running integral by position: `integral[i]` = Σ_{j<i} answer_j·(updatedAt_{j+1} −
   * updatedAt_j), each entry computed with the round `integralOf` holds at its place. Rounds are
   * only appended, and an undone operation pops them: an entry whose round still stands at its
   * place stands on the same rounds below it (a popped round is never pushed again).
   */
  private readonly integral: bigint[] = [];
  private readonly integralOf: ChainlinkRound[] = [];
  fault: ChainlinkFault = 'none';

  /**
   * @param decimals of the answers: 8 for a Chainlink aggregator, 18 for Perp v1's
   *   L2PriceFeed, which stores any 18-decimal price
   */
  constructor(
    private readonly j: Journal,
    readonly decimals: number = CHAINLINK_DECIMALS,
  ) {
    this.toWei = 10n ** BigInt(18 - decimals);
  }

  setFault(fault: ChainlinkFault): void {
    this.j.set(this, 'fault', fault);
  }

  /** Whether the latest answer can be read and is positive (no round, or a fault: it cannot). */
  readable(): boolean {
    return this.fault === 'none' && this.rounds.length > 0;
  }

  /** Appends a round; ids and times must increase, answers must be positive. */
  addRound(answer: bigint, updatedAt: number, roundId?: bigint): ChainlinkRound {
    requireThat(answer > 0n, 'UnderlyingPriceZero', 'a round answer must be positive');
    const last = this.latestRound();
    const id = roundId ?? (last ? last.roundId + 1n : 1n);
    requireThat(id > 0n, 'InvalidParameter', 'round ids start at 1');
    if (last) {
      requireThat(id > last.roundId, 'InvalidParameter', `round ids must increase (${id} after ${last.roundId})`);
      requireThat(updatedAt >= last.updatedAt, 'InvalidParameter', 'round times must not decrease');
    }
    const round: ChainlinkRound = { roundId: id, answer, startedAt: updatedAt, updatedAt };
    if (last && id !== last.roundId + 1n) this.j.set(this, 'consecutiveFrom', this.rounds.length);
    this.j.push(this.rounds, round);
    return round;
  }

  /** Appends a round from an 18-decimal price, which must be exact in the feed's decimals. */
  addPrice(priceWei: bigint, updatedAt: number, roundId?: bigint): ChainlinkRound {
    if (priceWei % this.toWei !== 0n) {
      throw new ModelError('InvalidParameter', `price ${priceWei} wei has more than ${this.decimals} decimals`);
    }
    return this.addRound(priceWei / this.toWei, updatedAt, roundId);
  }

  setTwapOverride(priceWei: bigint): void {
    this.j.set(this, 'twapOverride', priceWei);
  }

  latestRound(): ChainlinkRound | undefined {
    return this.rounds[this.rounds.length - 1];
  }

  /** The latest round as latestRoundData answers it, fault included (0 or negative); null when it reverts or has no round. */
  latestAnswer(): { roundId: bigint; answerWei: bigint; updatedAt: number } | null {
    const last = this.latestRound();
    if (!last || this.fault === 'revert') return null;
    const answer = this.fault === 'zero' ? 0n : this.fault === 'negative' ? -last.answer : last.answer;
    return { roundId: last.roundId, answerWei: answer * this.toWei, updatedAt: last.updatedAt };
  }

  /** Latest answer in wei; reverts when the feed has no round. */
  price(): bigint {
    const last = this.latestRound();
    requireThat(last !== undefined, 'UnderlyingPriceZero', 'the feed has no round');
    requireThat(this.fault === 'none', 'UnderlyingPriceZero', `the feed fails (${this.fault})`);
    return last.answer * this.toWei;
  }

  /**
   * The latest round's price in wei as published, whatever fault the feed's readers see: what the
   * engine and its agents know off chain (gas in USD, observations, snapshots). Throws with no round.
   */
  lastPublishedWei(): bigint {
    const last = this.latestRound();
    requireThat(last !== undefined, 'UnderlyingPriceZero', 'the feed has no round');
    return last.answer * this.toWei;
  }

  /** Seconds since the latest readable round (Infinity with none). */
  age(now: number): number {
    const last = this.latestRound();
    return last && this.fault === 'none' ? now - last.updatedAt : Number.POSITIVE_INFINITY;
  }

  /** TWAP of answers over `interval` seconds by Perp v1's backward walk (back to the last id gap). */
  twap(interval: number, now: number, emptyPeriod: 'revert' | 'latest' = 'revert'): bigint {
    if (this.twapOverride !== 0n) return this.twapOverride;
    requireThat(this.readable(), 'UnderlyingPriceZero', this.rounds.length > 0 ? `the feed fails (${this.fault})` : 'the feed has no round');
    return this.integralTwap(interval, now, emptyPeriod);
  }

  /**
   * `twapWalk` over the rounds (the answers in wei, back to `consecutiveFrom`), to the wei, from
   * the running integral and a binary search for the window's start instead of a step per round:
   * funding settles on an 8-hour window of the month's rounds, ~115 of them (issue 15). The walk's
   * sum is Σ answer·toWei·fraction; this one is toWei·Σ answer·fraction, the same integer.
   */
  private integralTwap(interval: number, now: number, emptyPeriod: 'revert' | 'latest'): bigint {
    const rounds = this.rounds;
    const last = rounds.length - 1;
    const latest = rounds[last] as ChainlinkRound;
    const value = latest.answer * this.toWei;
    if (interval === 0) return value;
    const baseTimestamp = now - interval;
    const first = this.consecutiveFrom;
    if (last === first || latest.updatedAt <= baseTimestamp) return value;
    const integral = this.integralTo(last);
    const tail = latest.answer * BigInt(now - latest.updatedAt);
    // The last round at or before the window's start, from `first` (times never decrease); -1: none.
    let lo = -1;
    if ((rounds[first] as ChainlinkRound).updatedAt <= baseTimestamp) {
      lo = first;
      let hi = last;
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if ((rounds[mid] as ChainlinkRound).updatedAt <= baseTimestamp) lo = mid;
        else hi = mid;
      }
    }
    if (lo < 0) {
      const period = now - (rounds[first] as ChainlinkRound).updatedAt;
      if (period === 0) {
        if (emptyPeriod === 'latest') return value;
        throw new ModelError('DivisionByZero', 'TWAP over an empty period');
      }
      return ((tail + (integral[last] as bigint) - (integral[first] as bigint)) * this.toWei) / BigInt(period);
    }
    const start = rounds[lo] as ChainlinkRound;
    const head = start.answer * BigInt((rounds[lo + 1] as ChainlinkRound).updatedAt - baseTimestamp);
    return ((tail + (integral[last] as bigint) - (integral[lo + 1] as bigint) + head) * this.toWei) / BigInt(interval);
  }

  /** The running integral, brought up to round `last` (entries whose round no longer stands at their place computed again). */
  private integralTo(last: number): readonly bigint[] {
    const { rounds, integral, integralOf } = this;
    let n = Math.min(integralOf.length, rounds.length);
    while (n > 0 && integralOf[n - 1] !== rounds[n - 1]) n--;
    if (n === 0) {
      integral[0] = 0n;
      integralOf[0] = rounds[0] as ChainlinkRound;
      n = 1;
    }
    for (let i = n; i <= last; i++) {
      const before = rounds[i - 1] as ChainlinkRound;
      const round = rounds[i] as ChainlinkRound;
      integral[i] = (integral[i - 1] as bigint) + before.answer * BigInt(round.updatedAt - before.updatedAt);
      integralOf[i] = round;
    }
    return integral;
  }
}
