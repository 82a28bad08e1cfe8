/**
 * The agent's on-chain router: an order with a limit is sized when it lands, on the state it
 * lands on (after every earlier transaction of its block), the way an arbitrage or execution
 * contract reads the reserves and the on-chain reference price before it calls the clearing
 * house. It trades as much of the order as keeps the mark inside the limit; when that is less
 * than the order's minimum, or the trade would not earn its minimum profit against the limit,
 * the router reverts before calling the clearing house (a cheap revert: nothing reaches the
 * chain's protocol state, so the replay skips it).
 */
import type { AgentAction, OrderLimit } from '../../agents/agent.ts';
import type { ClearingHouse } from '../clearing-house.ts';
import { weiToNumber } from '../math/units.ts';

/**
 * Reasons a transaction is refused before any protocol call — by the agent's router, or by the
 * engine's sequencer sentinel after downtime (sim/engine/scenario-events.ts) — logged, and
 * skipped by the chain replay since nothing reached the protocol.
 */
export const ROUTER_REASONS: ReadonlySet<string> = new Set(['PriceLimit', 'BelowMinProfit', 'SequencerGracePeriod']);

export type Routed = { readonly action: AgentAction } | { readonly refused: 'PriceLimit' | 'BelowMinProfit' };

type Open = Extract<AgentAction, { kind: 'open' }>;

/**
 * The most quote a trade on `side` may swap before the mark passes `limit` (x·y = k, spot =
 * Q²/k): √(k·P) − Q for a buy, Q − √(k·P) for a sell; 0 when the mark is already past it.
 */
export function quoteToPrice(quoteReserve: number, baseReserve: number, side: 'long' | 'short', limit: number): number {
  const k = quoteReserve * baseReserve;
  const q = Math.sqrt(k * limit);
  return Math.max(0, side === 'long' ? q - quoteReserve : quoteReserve - q);
}

/** The binding price limit of an order on the state now: its own price, or the reference's bound, whichever is tighter. */
export function bindingLimit(limit: OrderLimit, side: 'long' | 'short', reference: number): number {
  const own = limit.price;
  if (limit.reference === undefined) return own ?? (side === 'long' ? Number.POSITIVE_INFINITY : 0);
  const bound = reference * (1 + limit.reference);
  if (own === undefined) return bound;
  return side === 'long' ? Math.min(own, bound) : Math.max(own, bound);
}

/**
 * What a trade of `quote` earns against the limit price (which already prices in every cost the
 * agent counts): base traded × distance from the limit to the average price, √(S0·S1) on the curve.
 */
export function edgeAgainstLimit(quoteReserve: number, baseReserve: number, side: 'long' | 'short', quote: number, limit: number): number {
  if (quote <= 0 || !Number.isFinite(limit)) return 0;
  const k = quoteReserve * baseReserve;
  const q1 = side === 'long' ? quoteReserve + quote : quoteReserve - quote;
  const average = (quoteReserve * q1) / k;
  const base = quote / average;
  return side === 'long' ? base * (limit - average) : base * (average - limit);
}

/** `weiToNumber` of the last amount it converted, kept: a block's orders read the same reserves and reference until a trade or a price moves them. */
class LastFloat {
  private wei: bigint | null = null;
  private value = 0;

  of(wei: bigint): number {
    if (wei !== this.wei) {
      this.value = weiToNumber(wei);
      this.wei = wei;
    }
    return this.value;
  }
}

const quoteFloat = new LastFloat();
const baseFloat = new LastFloat();
const referenceFloat = new LastFloat();

/** Sizes a limited open on the clearing house's state now; other actions pass through. */
export function route(ch: ClearingHouse, action: AgentAction): Routed {
  if (action.kind !== 'open' || action.limit === undefined) return { action };
  const o = action as Open;
  const limit = o.limit as OrderLimit;
  const m = ch.market(o.market);
  const quoteReserve = quoteFloat.of(m.vamm.quoteReserve);
  const baseReserve = baseFloat.of(m.vamm.baseReserve);
  // The on-chain reference a router reads: the fast feed's latest price, whatever its age (the protocol's own max age is its rule, not the router's), else the index's last published answer (a failing feed is a fault the router does not see).
  const reference = limit.reference === undefined ? Number.NaN : referenceFloat.of(m.oracle.fast.latest?.price ?? m.oracle.chainlink.lastPublishedWei());
  const price = bindingLimit(limit, o.side, reference);
  const wanted = o.margin * o.leverage;
  const quote = Math.min(wanted, quoteToPrice(quoteReserve, baseReserve, o.side, price));
  if (quote <= 0 || quote < (limit.minNotional ?? 0)) return { refused: 'PriceLimit' };
  if (limit.minProfit !== undefined && edgeAgainstLimit(quoteReserve, baseReserve, o.side, quote, price) < limit.minProfit) return { refused: 'BelowMinProfit' };
  // The order without its limit: in full when it fits (its margin exactly as asked), else the part that does. Built field by field, not by a rest spread (a runtime copy whose result has a shape of its own).
  const margin = quote >= wanted ? o.margin : quote / o.leverage;
  return { action: { kind: 'open', market: o.market, side: o.side, margin, leverage: o.leverage, isolated: o.isolated } };
}
