/**
 * How an arbitrageur (or a searcher back-running the oracle) prices a trade toward the CEX
 * price: the limit past which a unit earns less than its minimum edge after the vAMM fee and
 * the hedge's taker fee and size-dependent spread; the size that reaches it within the room it
 * has; the profit it expects against its breakeven; the priority fee it bids (a share of that
 * profit); and the limited order its router sizes again on the state it lands on, refusing it
 * when it would not pay its gas.
 */
import type { Rng } from '../data/prng.ts';
import { GAS_UNITS } from '../sim/engine/gas-process.ts';
import { type HedgeParams, hedgeCostRatio } from '../sim/engine/hedge-venue.ts';
import type { Observation } from '../sim/engine/observation.ts';
import { edgeAgainstLimit, quoteToPrice } from '../sim/engine/order-router.ts';
import type { Side, Submission } from './agent.ts';
import { buyingPower, feeAffordable, maxQuoteWithinBand, positionOf } from './account-view.ts';
import { type Distribution, draw } from './distribution.ts';

/** Below this a trade is not worth sending. */
export const MIN_ARBITRAGE_NOTIONAL = 50;

export interface Bid {
  /** Share of the expected profit paid as priority fee. */
  readonly share: number;
  /** Least and most priority fee (gwei). */
  readonly min: number;
  readonly max: number;
}

/**
 * How much may be traded on `side` within an inventory limit (USD notional): reducing needs no
 * capital, adding is capped by buying power (with a safety share, as the initial-margin check
 * values the position at the less favourable of spot and TWAP) and what is left under the limit;
 * both by the per-block band and the fee the account can pay. `adding` says which it is.
 */
export function inventoryRoom(view: Observation, index: number, market: string, side: Side, leverage: number, maxNotional: number, safety = 0.8): { room: number; adding: boolean; held: number } {
  const pos = positionOf(view, index, market);
  const held = Math.abs(pos.notional);
  const adding = (side === 'long' && pos.size >= 0) || (side === 'short' && pos.size <= 0);
  const power = Math.min(buyingPower(view, index, market, leverage) * safety, Math.max(0, maxNotional - (adding ? held : -held)));
  const room = adding ? power : held * 0.999 + power;
  return { room: Math.min(room, maxQuoteWithinBand(view, market, side), feeAffordable(view, index, market)), adding, held };
}

/** Limit / reference: a buy pays at most (1 − h)(1 − e)/(1 + f), a sell takes at least (1 + h)(1 + e)/(1 − f). */
export function arbitrageRatio(hedge: HedgeParams, fee: number, quote: number, side: Side, edge: number): number {
  const h = hedgeCostRatio(hedge, quote);
  return side === 'long' ? ((1 - h) * (1 - edge)) / (1 + fee) : ((1 + h) * (1 + edge)) / (1 - fee);
}

/**
 * The quote that takes the mark to the limit of a small hedge, whatever the room: the gap alone.
 * Under the minimum no room makes an order of it, so a caller may skip valuing its room: any
 * room gives a quote under the minimum (null), and a NaN room (a band over 111 %: √ of a
 * negative) a quote whose expected edge is 0, which `arbitrageOrder` refuses against any gas.
 */
export function gapQuote(view: Observation, market: string, side: Side, hedge: HedgeParams, minEdge: number): number {
  return gapQuoteAt(view.market(market, 'quoteReserve'), view.market(market, 'baseReserve'), view.market(market, 'feeRatio'), view.market(market, 'cex'), side, hedge, minEdge);
}

/** `gapQuote` on the market's reserves, fee and CEX price as numbers. */
export function gapQuoteAt(quoteReserve: number, baseReserve: number, fee: number, cex: number, side: Side, hedge: HedgeParams, minEdge: number): number {
  return quoteToPrice(quoteReserve, baseReserve, side, cex * arbitrageRatio(hedge, fee, 0, side, minEdge));
}

/**
 * Whether the gap is under the minimum on both sides: then a look finds no gap whichever side
 * the mark is on (an arbitrageur's quiet look, agents/agent.ts `QuietLook`).
 */
export function noGapEitherSide(quoteReserve: number, baseReserve: number, fee: number, cex: number, hedge: HedgeParams, minEdge: number): boolean {
  return gapQuoteAt(quoteReserve, baseReserve, fee, cex, 'long', hedge, minEdge) < MIN_ARBITRAGE_NOTIONAL && gapQuoteAt(quoteReserve, baseReserve, fee, cex, 'short', hedge, minEdge) < MIN_ARBITRAGE_NOTIONAL;
}

/** The quote that takes the mark to its limit (within `room`), and that limit; null when under the minimum. */
export function arbitrageQuote(view: Observation, market: string, side: Side, room: number, hedge: HedgeParams, minEdge: number): { quote: number; limit: number } | null {
  const cex = view.market(market, 'cex');
  const q = view.market(market, 'quoteReserve');
  const b = view.market(market, 'baseReserve');
  const fee = view.market(market, 'feeRatio');
  // Size first at the cost of a small hedge, then price the hedge's spread at that size.
  let quote = Math.min(room, gapQuote(view, market, side, hedge, minEdge));
  if (quote < MIN_ARBITRAGE_NOTIONAL) return null;
  const limit = cex * arbitrageRatio(hedge, fee, quote, side, minEdge);
  quote = Math.min(room, quoteToPrice(q, b, side, limit));
  return quote < MIN_ARBITRAGE_NOTIONAL ? null : { quote, limit };
}

/** The limited order for `quote`, bidding a share of its expected profit; null when that profit would not pay the gas. */
export function arbitrageOrder(
  view: Observation,
  market: string,
  side: Side,
  quote: number,
  leverage: number,
  hedge: HedgeParams,
  minEdge: number,
  bid: Bid,
  rng: Rng,
  latency: Distribution,
): Submission | null {
  if (quote < MIN_ARBITRAGE_NOTIONAL) return null;
  const cex = view.market(market, 'cex');
  const fee = view.market(market, 'feeRatio');
  const q = view.market(market, 'quoteReserve');
  const b = view.market(market, 'baseReserve');
  const expected = edgeAgainstLimit(q, b, side, quote, cex * arbitrageRatio(hedge, fee, quote, side, 0));
  const tip = priorityFeeFor(view, GAS_UNITS.open as number, expected, bid);
  const gas = gasUsd(view, GAS_UNITS.open as number, tip);
  if (expected <= gas) return null;
  const ratio = arbitrageRatio(hedge, fee, quote, side, minEdge);
  return {
    action: {
      kind: 'open',
      market,
      side,
      margin: quote / leverage,
      leverage,
      // Its limit now, the same bound on the on-chain fast price when it lands, and its gas to earn.
      limit: { price: cex * ratio, reference: ratio - 1, minNotional: MIN_ARBITRAGE_NOTIONAL, minProfit: gas },
    },
    priorityFee: tip,
    latency: Math.max(0, draw(rng, latency)),
  };
}

/**
 * The priority fee (gwei) that spends `bid.share` of `value` USD on `units` of gas beyond the base
 * fee, within the bid's bounds; the least bid where priority fees do not order the block (first
 * come, first served), since paying more buys nothing there.
 */
export function priorityFeeFor(view: Observation, units: number, value: number, bid: Bid): number {
  if (view.header('feeOrdering') === 0) return bid.min;
  const ethUsd = view.header('ethUsd');
  const total = ethUsd > 0 ? (bid.share * value * 1e9) / (units * ethUsd) : 0;
  return Math.min(bid.max, Math.max(bid.min, total - view.header('baseFee')));
}

/** What `units` of gas cost at the block's base fee plus `tip` (USD). */
export function gasUsd(view: Observation, units: number, tip: number): number {
  return (units * (view.header('baseFee') + tip) * view.header('ethUsd')) / 1e9;
}
