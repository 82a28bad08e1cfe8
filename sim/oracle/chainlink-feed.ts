/**
 * A Chainlink-style aggregator: rounds of (roundId, answer with 8 decimals, updatedAt), replayed
 * from real round data or synthesised from candles. The model reads it the way the contracts
 * read AggregatorV3Interface: latest answer for the index, a TWAP of answers for funding.
 */
import { ModelError, requireThat } from '../errors.ts';
import type { Journal } from '../journal.ts';
import { twapWalk } from '../twap.ts';

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
    return twapWalk(this.rounds, (r) => r.answer * this.toWei, (r) => r.updatedAt, now, interval, this.consecutiveFrom, emptyPeriod);
  }
}
