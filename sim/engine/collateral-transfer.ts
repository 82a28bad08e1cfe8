/**
 * A hedged agent's treasury: it moves collateral between its hedge venue and the chain, as a
 * market maker's operations desk does. A short vAMM leg in a rally loses on chain what its long
 * hedge gains at the venue; without a transfer the chain leg is liquidated while the hedge sits
 * on the profit. So, every `interval` seconds:
 *  - when the account's margin ratio on chain (at spot) is below `chainLow`, it withdraws from
 *    the venue what lifts it to `chainTarget`, keeping `venueKeep` × the hedge's initial margin
 *    there; the venue charges its withdrawal fee, the tokens reach the wallet `withdrawalLatency`
 *    seconds later (the exchange's processing and the chain's confirmations) and the agent then
 *    deposits them (a transaction, paying gas);
 *  - the reverse: when the venue's equity is below `venueLow` × the hedge's initial margin and
 *    the chain's margin ratio is above `chainHigh`, it withdraws collateral on chain down to
 *    `chainTarget` (a transaction), sends the tokens to the venue's deposit address (another)
 *    and the venue credits them `depositLatency` seconds later.
 * One transfer per agent is under way at a time. Decisions are the engine's, in USD floats; the
 * tokens that arrive are minted to the wallet (money entering the chain from the venue) and the
 * tokens sent leave to the venue's address, both logged so the contracts' replay does the same.
 */
import type { ClearingHouse } from '../clearing-house.ts';
import { isModelError } from '../errors.ts';
import { weiToNumber, wholeUnitsDown } from '../math/units.ts';
import type { HedgeVenue } from './hedge-venue.ts';

export interface TransferParams {
  /** Seconds between the treasury's looks; 0: collateral never moves between the venue and the chain. */
  readonly interval: number;
  /** Top the chain up below this margin ratio (at spot)… */
  readonly chainLow: number;
  /** …to this one; collateral sent back to the venue leaves the chain at this one. */
  readonly chainTarget: number;
  /** Collateral goes back to the venue only from a chain margin ratio above this. */
  readonly chainHigh: number;
  /** Share of the hedge's initial margin always kept at the venue (a multiple: 1.5 = 150 %). */
  readonly venueKeep: number;
  /** Send collateral to the venue when its equity is below this multiple of the hedge's initial margin… */
  readonly venueLow: number;
  /** …up to this multiple. */
  readonly venueTarget: number;
  /** Seconds from the venue's withdrawal to the tokens in the wallet. */
  readonly withdrawalLatency: number;
  /** Seconds from sending tokens to the venue to the venue crediting them. */
  readonly depositLatency: number;
  /** The venue's fee per withdrawal (USD). */
  readonly withdrawalFee: number;
  /** The least worth moving (USD). */
  readonly minTransfer: number;
  /** Priority fee of the treasury's transactions (gwei). */
  readonly priorityFee: number;
}

/**
 * Defaults: look every minute; top up below twice the default design's maintenance margin
 * (6.25 %) to 25 %; a centralised exchange's USDC withdrawal to Ethereum takes about half an
 * hour with confirmations and costs a flat fee of a few dollars (10 USD here); a deposit is
 * credited after its confirmations (15 minutes).
 */
export const DEFAULT_TRANSFER: TransferParams = {
  interval: 60,
  chainLow: 0.125,
  chainTarget: 0.25,
  chainHigh: 0.5,
  venueKeep: 1.5,
  venueLow: 1,
  venueTarget: 2,
  withdrawalLatency: 1800,
  depositLatency: 900,
  withdrawalFee: 10,
  minTransfer: 1000,
  priorityFee: 1,
};

/** The venue's deposit address on chain: where collateral sent to the venue goes. */
export const VENUE_WALLET = 'hedge-venue';

export type TransferDecision =
  /** Venue → chain: withdrawn from the venue now, in the wallet at `arrivesAt`. */
  | { readonly kind: 'toChain'; readonly agent: string; readonly market: string; readonly amount: number; readonly fee: number; readonly arrivesAt: number }
  /** Chain → venue: withdraw `amount` on chain now, then send it to the venue. */
  | { readonly kind: 'toVenue'; readonly agent: string; readonly market: string; readonly amount: number };

/** A transfer landing: in the wallet (then deposited) or at the venue. */
export interface TransferArrival {
  readonly at: number;
  readonly kind: 'toChain' | 'toVenue';
  readonly agent: string;
  readonly market: string;
  readonly amount: number;
}

export interface Desk {
  readonly agent: string;
  readonly market: string;
  readonly p: TransferParams;
  nextLook: number;
  busy: boolean;
  /** What its last chain standing was valued from, and the standing (null: it could not be valued). */
  inputs: unknown[] | null;
  standing: { value: bigint; notional: bigint } | null;
}

export class CollateralTreasury {
  private readonly desks = new Map<string, Desk>();
  private arrivals: TransferArrival[] = [];

  /** Gives `agent` a treasury for its position in `market` (none when its interval is 0). */
  add(agent: string, market: string, p: TransferParams, start: number): void {
    if (p.interval > 0) this.desks.set(agent, { agent, market, p, nextLook: start + p.interval, busy: false, inputs: null, standing: null });
  }

  get size(): number {
    return this.desks.size;
  }

  params(agent: string): TransferParams | undefined {
    return this.desks.get(agent)?.p;
  }

  /** The next landing (+∞: none). */
  nextArrival(): number {
    return this.arrivals[0]?.at ?? Number.POSITIVE_INFINITY;
  }

  /** Landings due by `now`, in time order. */
  dueArrivals(now: number): TransferArrival[] {
    let k = 0;
    while (k < this.arrivals.length && (this.arrivals[k] as TransferArrival).at <= now) k++;
    return k === 0 ? [] : this.arrivals.splice(0, k);
  }

  /** Schedules a landing. */
  land(a: TransferArrival): void {
    let k = this.arrivals.length;
    while (k > 0 && (this.arrivals[k - 1] as TransferArrival).at > a.at) k--;
    this.arrivals.splice(k, 0, a);
  }

  /** The transfer under way for `agent` is over (landed, deposited, or refused on chain). */
  done(agent: string): void {
    const d = this.desks.get(agent);
    if (d) d.busy = false;
  }

  /** The desks due to look at `now` decide; a decision marks its desk busy until `done`. */
  look(now: number, ch: ClearingHouse, venue: HedgeVenue): TransferDecision[] {
    const out: TransferDecision[] = [];
    for (const d of this.desks.values()) {
      if (now < d.nextLook) continue;
      d.nextLook = now + d.p.interval;
      if (d.busy) continue;
      const decision = decide(d, now, ch, venue);
      if (decision) {
        d.busy = true;
        out.push(decision);
      }
    }
    return out;
  }
}

/** One desk's decision at `now`, or null. */
function decide(d: Desk, now: number, ch: ClearingHouse, venue: HedgeVenue): TransferDecision | null {
  const { p, agent, market } = d;
  const pos = ch.accounts.get(agent)?.positions.get(market);
  if (!pos || pos.size === 0n) return null;
  const hedge = venue.standing(agent, now);
  if (!hedge) return null;
  const chain = chainStanding(d, ch);
  if (chain === null) return null;
  const value = weiToNumber(chain.value);
  const notional = weiToNumber(chain.notional);
  if (!(notional > 0)) return null;
  const ratio = value / notional;
  if (ratio < p.chainLow) {
    const need = p.chainTarget * notional - value;
    const free = hedge.equity - p.venueKeep * hedge.requirement - p.withdrawalFee;
    const amount = Math.floor(Math.min(need, free));
    if (amount < p.minTransfer) return null;
    return { kind: 'toChain', agent, market, amount, fee: p.withdrawalFee, arrivesAt: now + p.withdrawalLatency };
  }
  if (ratio > p.chainHigh && hedge.equity < p.venueLow * hedge.requirement) {
    const need = p.venueTarget * hedge.requirement - hedge.equity;
    // Free collateral in whole USD, floored exactly: the withdrawal must never ask for more than is free.
    const spare = Math.min(value - p.chainTarget * notional, wholeUnitsDown(ch.freeCollateral(agent, market)));
    const amount = Math.floor(Math.min(need, spare));
    if (amount < p.minTransfer) return null;
    return { kind: 'toVenue', agent, market, amount };
  }
  return null;
}

/**
 * The desk's account value and notional on chain at spot (null: a position the curve cannot
 * take back in one trade has no exit value, and the desk cannot size a transfer). Desks look
 * every minute and most looks find the chain as the last one left it: the standing is valued
 * again only when something it is valued from changed (`sameInputs`).
 */
export function chainStanding(d: Desk, ch: ClearingHouse): { value: bigint; notional: bigint } | null {
  if (d.inputs !== null && sameInputs(d.inputs, ch, d.agent)) return d.standing;
  let standing: { value: bigint; notional: bigint } | null;
  try {
    standing = ch.marginStanding(d.agent, d.market, 'spot');
  } catch (e) {
    if (!isModelError(e)) throw e;
    standing = null;
  }
  d.inputs = standingInputs(ch, d.agent);
  d.standing = standing;
  return standing;
}

/**
 * What an account's standing at spot is valued from: the margin mode, its collateral, its
 * position records (by identity: the model replaces a record, never mutates it) and, for each
 * open one, its market's reserves, premium and loss indices. Null (never reused) while a market
 * it holds is under a lazy remap or a k migration: sizes then move with other accounts' trades.
 */
function standingInputs(ch: ClearingHouse, agent: string): unknown[] | null {
  const account = ch.accounts.get(agent);
  if (account === undefined) return null;
  const out: unknown[] = [ch.params.marginMode, account.collateral];
  for (const [id, pos] of account.positions) {
    out.push(id, pos);
    if (pos.size === 0n) continue;
    const m = ch.market(id);
    if (m.lastRemap === 'lazy' || m.migration !== null) return null;
    out.push(m.vamm.quoteReserve, m.vamm.baseReserve, m.cumulativePremiumFraction, m.lossIndexLong, m.lossIndexShort);
  }
  return out;
}

/** Whether `standingInputs` would give `inputs` again (compared in place, nothing built). */
function sameInputs(inputs: readonly unknown[], ch: ClearingHouse, agent: string): boolean {
  const account = ch.accounts.get(agent);
  if (account === undefined || inputs[0] !== ch.params.marginMode || inputs[1] !== account.collateral) return false;
  let k = 2;
  for (const [id, pos] of account.positions) {
    if (inputs[k] !== id || inputs[k + 1] !== pos) return false;
    k += 2;
    if (pos.size === 0n) continue;
    const m = ch.market(id);
    if (m.lastRemap === 'lazy' || m.migration !== null) return false;
    if (inputs[k] !== m.vamm.quoteReserve || inputs[k + 1] !== m.vamm.baseReserve || inputs[k + 2] !== m.cumulativePremiumFraction || inputs[k + 3] !== m.lossIndexLong || inputs[k + 4] !== m.lossIndexShort) return false;
    k += 5;
  }
  return k === inputs.length;
}
