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
import { H, M, type Observation } from '../sim/engine/observation.ts';
import { edgeAgainstLimit, quoteToPrice } from '../sim/engine/order-router.ts';
import type { QuietLook, Side, Submission } from './agent.ts';
import { buyingPower, feeAffordable, maxQuoteWithinBand } from './account-view.ts';
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
 * An account's rows as its room reads them: exact (`ownRows`, `heldLow` = `heldHigh`), or bounds
 * on them (agents/room-bound.ts) from which `inventoryRoom` and `freeShareRoom` give a lower bound
 * on the room: every step of theirs is monotone in floats (rounding to nearest is), and each
 * place the notional held enters takes the end of its bounds that lowers the room there.
 */
export interface RoomRows {
  /** Whether a trade on the side adds to the position (or opens one). */
  readonly adding: boolean;
  /** The notional held in the market (its exit value at spot), or bounds on it. */
  readonly heldLow: number;
  readonly heldHigh: number;
  /** Its buying power in the market (`buyingPower`), or a lower bound on it. */
  readonly power: number;
}

/** The account's own rows as the room reads them, valued exactly. */
export function ownRows(view: Observation, index: number, market: string, side: Side, leverage: number): RoomRows {
  const held = Math.abs(view.position(index, market, 'notional'));
  return { adding: addsTo(view.position(index, market, 'size'), side), heldLow: held, heldHigh: held, power: buyingPower(view, index, market, leverage) };
}

/** Whether a trade on `side` adds to a position of `size` (or opens one). */
export function addsTo(size: number, side: Side): boolean {
  return (side === 'long' && size >= 0) || (side === 'short' && size <= 0);
}

/**
 * How much may be traded on `side` within an inventory limit (USD notional): reducing needs no
 * capital, adding is capped by buying power (with a safety share, as the initial-margin check
 * values the position at the less favourable of spot and TWAP) and what is left under the limit;
 * both by the per-block band and the fee the account can pay.
 */
export function inventoryRoom(view: Observation, index: number, market: string, side: Side, rows: RoomRows, maxNotional: number, safety = 0.8): number {
  const power = Math.min(rows.power * safety, Math.max(0, maxNotional - (rows.adding ? rows.heldHigh : -rows.heldLow)));
  const room = rows.adding ? power : rows.heldLow * 0.999 + power;
  return Math.min(room, maxQuoteWithinBand(view, market, side), feeAffordable(view, index, market));
}

/** Within `room` (adding), what keeps the inventory at a `free` share (0..1) of what it would hold. */
export function freeShareRoom(rows: RoomRows, room: number, free: number): number {
  return Math.max(0, Math.min(room, (rows.heldLow + room) * free - rows.heldHigh));
}

/**
 * The market fields the pricing reads (its reserves, fee ratio and CEX price), read from the
 * observation once per look by offset: a read by field name is a keyed lookup (~20 ns in a run),
 * and an order read them about twenty times.
 */
export interface PricingRow {
  readonly quoteReserve: number;
  readonly baseReserve: number;
  readonly fee: number;
  readonly cex: number;
}

/** A `PricingRow` an agent keeps and refills at each look (`readPricingRow`). */
export type PricingRowBuffer = { -readonly [K in keyof PricingRow]: PricingRow[K] };

/** A row to fill (NaN, not 0: its fields hold doubles, so they start as doubles). */
export function emptyPricingRow(): PricingRowBuffer {
  return { quoteReserve: Number.NaN, baseReserve: Number.NaN, fee: Number.NaN, cex: Number.NaN };
}

/**
 * The market's `PricingRow` in the observation now, written into `into`: an arbitrageur refills
 * its own at every look (a new row and list per look were ~1.6 MB of a two-day run's ~87 MB).
 */
export function readPricingRow(view: Observation, market: string, into: PricingRowBuffer): PricingRow {
  const d = view.data;
  const mo = view.marketOffset(market);
  into.quoteReserve = d[mo + M.quoteReserve] as number;
  into.baseReserve = d[mo + M.baseReserve] as number;
  into.fee = d[mo + M.feeRatio] as number;
  into.cex = d[mo + M.cex] as number;
  return into;
}

/** The market's `PricingRow` in the observation now (a row of its own). */
export function pricingRow(view: Observation, market: string): PricingRow {
  return readPricingRow(view, market, emptyPricingRow());
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
export function gapQuote(r: PricingRow, side: Side, hedge: HedgeParams, minEdge: number): number {
  return gapQuoteAt(r.quoteReserve, r.baseReserve, r.fee, r.cex, side, hedge, minEdge);
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

const SIDES: readonly Side[] = ['long', 'short'];

/** Relative slack of `gasRefusedEitherSide` against the rounding of both sides' floats (each ~10⁻¹⁵ of the quote). */
const GAS_SLACK = 1e-9;

/**
 * Whether a look sends nothing on either side for want of a gap or of gas (the second half of
 * an arbitrageur's `QuietLook`): on each side the gap is under the minimum, or the most an order
 * on it may earn is under an open's gas at the least tip. Sound on the look's own floats:
 * - the quote it sends is its quote toward the limit × `intensity`, that quote at most the gap:
 *   the limit at a size s ≥ 0 prices the hedge at s, h(s) ≥ h(0) (impact ≥ 0), so the limit is
 *   no further than the gap's and each step of `quoteToPrice` is monotone (fee in (−1, 1),
 *   minimum edge in [0, 1), CEX price, reserves > 0; rounding to nearest is monotone); a NaN
 *   room gives an order whose expected edge is 0;
 * - what a quote x earns (`edgeAgainstLimit`, zero edge) is x·(L(x)/a − 1) long, x·(1 − L(x)/a)
 *   short, a the average price on the curve, (Q + x)/B long, (Q − x)/B short (x < Q: the short
 *   gap is under the quote reserve), and L(x) no better than L(0). So it is at most g(x) =
 *   x·(L(0)·B/(Q + x) − 1) long, x·(1 − L(0)·B/(Q − x)) short, which rises up to the quote that
 *   takes the mark to L(0), beyond the gap (its limit has the minimum edge): at most g(intensity
 *   × gap), each side's float within ~10⁻¹⁴ of the quote of its real value;
 * - the gas it weighs it against is that of its tip, at least `leastTip`, at the same base fee
 *   and ETH price (`gasCostUsd`, monotone in the tip for ETH > 0).
 * The bound plus `GAS_SLACK` of the quote under the gas less `GAS_SLACK` of it: refused.
 */
export function gasRefusedEitherSide(quoteReserve: number, baseReserve: number, fee: number, cex: number, terms: QuietLook, baseFee: number, ethUsd: number): boolean {
  const { hedge, minEdge, intensity } = terms;
  if (!(quoteReserve > 0 && baseReserve > 0 && quoteReserve * baseReserve < Number.POSITIVE_INFINITY && cex > 0 && cex < Number.POSITIVE_INFINITY)) return false;
  if (!(fee > -1 && fee < 1 && minEdge >= 0 && minEdge < 1 && hedge.impactPerMillion >= 0 && hedgeCostRatio(hedge, 0) >= 0 && intensity >= 0 && intensity <= 1 && ethUsd > 0)) return false;
  const gas = gasCostUsd(GAS_UNITS.open as number, baseFee, terms.leastTip, ethUsd);
  for (const side of SIDES) {
    const gap = gapQuoteAt(quoteReserve, baseReserve, fee, cex, side, hedge, minEdge);
    if (gap < MIN_ARBITRAGE_NOTIONAL) continue;
    if (!(gap < (side === 'short' ? quoteReserve : Number.POSITIVE_INFINITY))) return false;
    const most = intensity * gap;
    // The zero-edge limit at no size, over the average price of `most` on the curve.
    const over = (cex * arbitrageRatio(hedge, fee, 0, side, 0) * baseReserve) / (side === 'long' ? quoteReserve + most : quoteReserve - most);
    const earns = most * (side === 'long' ? over - 1 : 1 - over);
    if (!(earns + most * GAS_SLACK < gas * (1 - GAS_SLACK))) return false;
  }
  return true;
}

/** The quote that takes the mark to its limit (within `room`), and that limit; null when under the minimum. */
export function arbitrageQuote(r: PricingRow, side: Side, room: number, hedge: HedgeParams, minEdge: number): { quote: number; limit: number } | null {
  // Size first at the cost of a small hedge, then price the hedge's spread at that size.
  const size = Math.min(room, gapQuote(r, side, hedge, minEdge));
  if (size < MIN_ARBITRAGE_NOTIONAL) return null;
  const toLimit = quoteToLimit(r, side, size, hedge, minEdge);
  const quote = Math.min(room, toLimit.quote);
  return quote < MIN_ARBITRAGE_NOTIONAL ? null : { quote, limit: toLimit.limit };
}

/**
 * The limit of a trade of `size` (its hedge's spread priced at that size) and the quote that
 * takes the mark to it. From the gap's quote (`gapQuote`) it is `arbitrageQuote` with no room
 * limit, to the bit, and any room at least both quotes binds neither of its minimums.
 */
export function quoteToLimit(r: PricingRow, side: Side, size: number, hedge: HedgeParams, minEdge: number): { quote: number; limit: number } {
  const limit = r.cex * arbitrageRatio(hedge, r.fee, size, side, minEdge);
  return { quote: quoteToPrice(r.quoteReserve, r.baseReserve, side, limit), limit };
}

/**
 * The limited order for `quote` in `market` (its pricing row `r`; `view` for the block's gas
 * terms), bidding a share of its expected profit; null when that profit would not pay the gas.
 */
export function arbitrageOrder(
  view: Observation,
  r: PricingRow,
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
  const { cex, fee } = r;
  const q = r.quoteReserve;
  const b = r.baseReserve;
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
  // The header read by offset (a read by name is a keyed lookup).
  const d = view.data;
  if (d[H.feeOrdering] === 0) return bid.min;
  const ethUsd = d[H.ethUsd] as number;
  const total = ethUsd > 0 ? (bid.share * value * 1e9) / (units * ethUsd) : 0;
  return Math.min(bid.max, Math.max(bid.min, total - (d[H.baseFee] as number)));
}

/** What `units` of gas cost at the block's base fee plus `tip` (USD). */
export function gasUsd(view: Observation, units: number, tip: number): number {
  return gasCostUsd(units, view.data[H.baseFee] as number, tip, view.data[H.ethUsd] as number);
}

/** `gasUsd` on the base fee and ETH price as numbers. */
export function gasCostUsd(units: number, baseFee: number, tip: number, ethUsd: number): number {
  return (units * (baseFee + tip) * ethUsd) / 1e9;
}
