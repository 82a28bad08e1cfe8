/**
 * The market's oracle: Chainlink for the funding index and settlement, the fast feed for
 * real-time checks when it is fresh and tight, Chainlink otherwise. Staleness pauses opening
 * (not closing or liquidation) in the profiles that enable it.
 */
import { requireThat } from '../errors.ts';
import type { Journal } from '../journal.ts';
import { ONE } from '../math/fixed.ts';
import { ChainlinkFeed } from './chainlink-feed.ts';
import { FastFeed } from './fast-feed.ts';

export interface OracleParams {
  /** Chainlink answer older than this (s) is stale; 0 = never stale. */
  stalenessLimit: number;
  /** Fast-feed price older than this (s) is not used. */
  fastMaxAge: number;
  /** Fast-feed price with confidence/price above this ratio is not used. */
  fastMaxConfidenceRatio: bigint;
}

export class CompositeOracle {
  readonly chainlink: ChainlinkFeed;
  readonly fast: FastFeed;

  constructor(
    j: Journal,
    public params: OracleParams,
    /** What the index TWAP does when its whole window is at the current timestamp. */
    private readonly twapEmptyPeriod: 'revert' | 'latest' = 'revert',
    /** Decimals of the index feed's answers (Chainlink 8, Perp v1's L2PriceFeed 18). */
    indexDecimals?: number,
  ) {
    this.chainlink = new ChainlinkFeed(j, indexDecimals);
    this.fast = new FastFeed(j);
  }

  /** The index price (Chainlink's latest answer). */
  indexPrice(): bigint {
    return this.chainlink.price();
  }

  /** TWAP of the index for funding. */
  indexTwap(interval: number, now: number): bigint {
    return this.chainlink.twap(interval, now, this.twapEmptyPeriod);
  }

  /** Whether the fast feed may be used at `now` (a publish time in the future is not fresh). */
  fastUsable(now: number): boolean {
    const f = this.fast.latest;
    if (!f || f.price <= 0n) return false;
    if (f.publishTime > now || now - f.publishTime > this.params.fastMaxAge) return false;
    return f.confidence * ONE <= f.price * this.params.fastMaxConfidenceRatio;
  }

  /** The real-time reference price: the fast feed when usable, else the index. */
  referencePrice(now: number): bigint {
    if (this.fastUsable(now)) return (this.fast.latest as { price: bigint }).price;
    const price = this.chainlink.price();
    requireThat(price > 0n, 'UnderlyingPriceZero');
    return price;
  }

  /** Fresh when either source is fresh; with staleness disabled always fresh. */
  isFresh(now: number): boolean {
    if (this.params.stalenessLimit === 0) return true;
    return this.indexFresh(now) || this.fastUsable(now);
  }

  /** Whether Chainlink's latest answer is fresh (the index TWAP may set funding); with staleness disabled always. */
  indexFresh(now: number): boolean {
    if (this.params.stalenessLimit === 0) return true;
    return this.chainlink.age(now) <= this.params.stalenessLimit;
  }

  /**
   * A price that may be trusted now, or null: the fast feed when usable, else Chainlink's answer
   * when readable and fresh. Never throws: an outage must not stop what can go on without it.
   */
  usablePrice(now: number): bigint | null {
    if (this.fastUsable(now)) return (this.fast.latest as { price: bigint }).price;
    return this.chainlink.readable() && this.indexFresh(now) ? this.chainlink.price() : null;
  }
}
