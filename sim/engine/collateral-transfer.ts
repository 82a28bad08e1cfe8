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
import type { Position } from '../position.ts';
import type { HedgeVenue, VenueStanding } from './hedge-venue.ts';

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
  /** Whether `standing` was valued from `inputs` (false: only the band was, from the records: `bandFromRecords`). */
  valued: boolean;
  /** What that standing reads at other reserves, when it rests on one open position (`inBand`); else null. */
  band: Band | null;
  /**
   * The clearing house's `stateVersion` at the desk's last look that found it in its band, and
   * whether the venue was low then (-1: none). At the same version the chain's state is the same
   * but for its oracles, which the band does not read, and so is the band's verdict for the same
   * venue (its params are fixed).
   */
  inBandAt: number;
  inBandLow: boolean;
  /** Its hedge's standing at its last look, refilled at every look (`HedgeVenue.standingInto`). */
  readonly venue: VenueStanding;
}

/**
 * A standing on one open position, as a function of its market's reserves: the value is
 * `constant` + the position's exit value (a long) or − it (a short), the notional its exit
 * value; `constant` (collateral or margin, − open notional or + it, − funding and loss owed) is
 * exact when valued and moves with none of the reserves. A move of the market's premium index
 * alone moves it by the funding owed, exactly (`fundedBand`).
 */
export interface Band {
  readonly constant: number;
  readonly size: number;
  readonly long: boolean;
  /** `constant` in wei, the funding owed in it, and the premium index that funding was owed at. */
  readonly constantWei: bigint;
  readonly funding: bigint;
  readonly premium: bigint;
}

/** A desk that has valued nothing yet, first looking at `nextLook`. */
export function newDesk(agent: string, market: string, p: TransferParams, nextLook: number): Desk {
  // (NaN, not 0: the fields hold doubles from the first look, so they start as doubles.)
  return { agent, market, p, nextLook, busy: false, inputs: null, standing: null, valued: false, band: null, inBandAt: -1, inBandLow: false, venue: { equity: Number.NaN, requirement: Number.NaN } };
}

const NO_ARRIVALS: readonly TransferArrival[] = [];
const NO_DECISIONS: readonly TransferDecision[] = [];

export class CollateralTreasury {
  private readonly desks = new Map<string, Desk>();
  private arrivals: TransferArrival[] = [];
  /** The earliest desk's next look (the desks look every minute or so, and most blocks are between two looks). */
  private nextLook = Number.POSITIVE_INFINITY;

  /** Gives `agent` a treasury for its position in `market` (none when its interval is 0). */
  add(agent: string, market: string, p: TransferParams, start: number): void {
    if (p.interval > 0) {
      this.desks.set(agent, newDesk(agent, market, p, start + p.interval));
      this.nextLook = Math.min(this.nextLook, start + p.interval);
    }
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

  /** Landings due by `now`, in time order (one shared empty list when none is: most blocks). */
  dueArrivals(now: number): readonly TransferArrival[] {
    let k = 0;
    while (k < this.arrivals.length && (this.arrivals[k] as TransferArrival).at <= now) k++;
    return k === 0 ? NO_ARRIVALS : this.arrivals.splice(0, k);
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
  look(now: number, ch: ClearingHouse, venue: HedgeVenue): readonly TransferDecision[] {
    if (now < this.nextLook) return NO_DECISIONS;
    const out: TransferDecision[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const d of this.desks.values()) {
      if (now >= d.nextLook) {
        d.nextLook = now + d.p.interval;
        if (!d.busy) {
          const decision = decide(d, now, ch, venue);
          if (decision) {
            d.busy = true;
            out.push(decision);
          }
        }
      }
      next = Math.min(next, d.nextLook);
    }
    this.nextLook = next;
    return out;
  }
}

/** One desk's decision at `now`, or null. */
export function decide(d: Desk, now: number, ch: ClearingHouse, venue: Pick<HedgeVenue, 'standingInto'>): TransferDecision | null {
  const { p, agent, market } = d;
  const version = ch.stateVersion;
  // Most looks find the chain as a look that found the desk in its band left it (a block where no one acted, or only oracles moved).
  const remembered = d.inBandAt === version;
  if (!remembered) {
    const pos = ch.accounts.get(agent)?.positions.get(market);
    if (!pos || pos.size === 0n) return null;
  }
  const hedge = d.venue;
  if (!venue.standingInto(agent, now, hedge)) return null;
  const venueLow = hedge.equity < p.venueLow * hedge.requirement;
  if (remembered && venueLow === d.inBandLow) return null;
  // Most looks find the margin ratio inside the desk's band: then nothing moves, and the exact standing is not needed.
  if (inBand(d, ch, venueLow)) {
    d.inBandAt = version;
    d.inBandLow = venueLow;
    return null;
  }
  d.inBandAt = -1;
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
  if (ratio > p.chainHigh && venueLow) {
    const need = p.venueTarget * hedge.requirement - hedge.equity;
    // Free collateral in whole USD, floored exactly: the withdrawal must never ask for more than is free.
    const free = freeCollateral(ch, agent, market);
    if (free === null) return null;
    const spare = Math.min(value - p.chainTarget * notional, wholeUnitsDown(free));
    const amount = Math.floor(Math.min(need, spare));
    if (amount < p.minTransfer) return null;
    return { kind: 'toVenue', agent, market, amount };
  }
  return null;
}

/** Free collateral (null: a position valued on the time-weighted curve has no exit there, and the desk cannot size a withdrawal). */
function freeCollateral(ch: ClearingHouse, agent: string, market: string): bigint | null {
  try {
    return ch.freeCollateral(agent, market);
  } catch (e) {
    if (!isModelError(e)) throw e;
    return null;
  }
}

/**
 * The desk's account value and notional on chain at spot (null: a position the curve cannot
 * take back in one trade has no exit value, and the desk cannot size a transfer). Desks look
 * every minute and most looks find the chain as the last one left it: the standing is valued
 * again only when something it is valued from changed (`sameInputs`).
 */
export function chainStanding(d: Desk, ch: ClearingHouse): { value: bigint; notional: bigint } | null {
  if (d.inputs !== null && d.valued && compareInputs(d.inputs, ch, d.agent) === SAME) return d.standing;
  let standing: { value: bigint; notional: bigint } | null;
  try {
    standing = ch.marginStanding(d.agent, d.market, 'spot');
  } catch (e) {
    if (!isModelError(e)) throw e;
    standing = null;
  }
  d.inputs = standingInputs(ch, d.agent);
  d.standing = standing;
  d.valued = true;
  d.band = d.inputs !== null && standing !== null ? bandOf(ch, d.agent, d.market, standing) : null;
  return standing;
}

/** The standing's band when the account's only open position is in the desk's market (its group then holds that position alone). */
function bandOf(ch: ClearingHouse, agent: string, market: string, standing: { value: bigint; notional: bigint }): Band | null {
  let only: Position | null = null;
  for (const [id, pos] of (ch.accounts.get(agent) as NonNullable<ReturnType<typeof ch.accounts.get>>).positions) {
    if (pos.size === 0n) continue;
    if (id !== market || only !== null) return null;
    only = pos;
  }
  if (only === null) return null;
  const long = only.size > 0n;
  const m = ch.market(market);
  return bandAt(long ? standing.value - standing.notional : standing.value + standing.notional, weiToNumber(long ? only.size : -only.size), long, ch.fundingOwedOn(m, only), m.cumulativePremiumFraction);
}

/**
 * After the account's own inputs changed (a trade, a deposit): its band built from its records
 * alone, without valuing its standing, when its only open position is in the desk's market and
 * no market it holds is under a lazy remap or a k migration. The band's constant is the value
 * less (a long) or plus (a short) the exit value, and the value is the group's base (margin
 * when isolated, else collateral) + PnL − funding − loss with the PnL ±(exit value − open
 * notional): the exit value cancels, leaving base ∓ open notional − funding − loss, exactly
 * what `bandOf` takes from a valued standing. Returns whether it built one (then the desk's
 * standing is not valued from its new inputs).
 */
function bandFromRecords(d: Desk, ch: ClearingHouse): boolean {
  const account = ch.accounts.get(d.agent);
  if (account === undefined) return false;
  let only: Position | null = null;
  for (const [id, pos] of account.positions) {
    if (pos.size === 0n) continue;
    if (id !== d.market || only !== null) return false;
    only = pos;
  }
  if (only === null) return false;
  const inputs = standingInputs(ch, d.agent);
  if (inputs === null) return false;
  const m = ch.market(d.market);
  const long = only.size > 0n;
  const base = only.isolated || ch.params.marginMode === 'isolated' ? only.margin : account.collateral;
  const funding = ch.fundingOwedOn(m, only);
  const constant = (long ? base - only.openNotional : base + only.openNotional) - funding - ch.lossOwedOn(m, only);
  d.inputs = inputs;
  d.standing = null;
  d.valued = false;
  d.band = bandAt(constant, weiToNumber(long ? only.size : -only.size), long, funding, m.cumulativePremiumFraction);
  return true;
}

/** A band (one literal shape: a spread of a band, bigints and all, cost ~1 µs). */
function bandAt(constantWei: bigint, size: number, long: boolean, funding: bigint, premium: bigint): Band {
  return { constant: weiToNumber(constantWei), size, long, constantWei, funding, premium };
}

/**
 * Whether the desk's band holds at its market's premium index now, when only that index moved
 * since its inputs (`compareInputs` FUNDING): the position record, collateral and loss indices
 * stand, so the band's constant (collateral or margin ∓ open notional − funding − loss owed)
 * moves by exactly the change in funding owed, and is brought there without valuing the standing.
 */
function fundedBand(d: Desk, ch: ClearingHouse): boolean {
  const band = d.band as Band;
  const m = ch.market(d.market);
  if (band.premium === m.cumulativePremiumFraction) return true;
  const pos = ch.accounts.get(d.agent)?.positions.get(d.market);
  if (pos === undefined || pos.size === 0n) return false;
  const funding = ch.fundingOwedOn(m, pos);
  d.band = bandAt(band.constantWei + band.funding - funding, band.size, band.long, funding, m.cumulativePremiumFraction);
  return true;
}

/**
 * Relative slack on every float64 magnitude and absolute slack in USD: each wei amount read as
 * a float is within 2.3·10⁻¹⁶ of it, a short's B − |s| (kept above 1 % of B) loses at most
 * 5·10⁻¹⁴, the exit value's flooring is a few wei; the slack is 20 times the sum and more.
 */
const RELATIVE = 1e-12;
const ABSOLUTE = 1e-15;

/**
 * Whether the desk's decision is provably null without valuing its standing exactly: the
 * account's inputs but its market's reserves are those its band was valued from (or, after its
 * own inputs changed, its band is built again from its records: `bandFromRecords`), and at the
 * current reserves the margin ratio (value / notional, as `decide` reads it in floats) is at or
 * above `chainLow` and, when the venue is low, at or below `chainHigh`. The exit value is
 * Q·s/(B + s) for a long and Q·s/(B − s) for a short, give or take a few wei of flooring
 * (curve.ts); bounds on it with the slack above bound the ratio, and the ratio read in floats
 * is within a few ulps of the exact one.
 */
export function inBand(d: Desk, ch: ClearingHouse, venueLow: boolean): boolean {
  if (d.inputs === null) return false;
  const inputs = compareInputs(d.inputs, ch, d.agent);
  if (inputs === CHANGED ? !bandFromRecords(d, ch) : d.band == null || (inputs === FUNDING && !fundedBand(d, ch))) return false;
  const band = d.band as Band;
  const vamm = ch.market(d.market).vamm;
  if (vamm.quoteReserve !== floatsOf.quote || vamm.baseReserve !== floatsOf.base) {
    floatsOf.quote = vamm.quoteReserve;
    floatsOf.base = vamm.baseReserve;
    floatsOf.q = weiToNumber(vamm.quoteReserve);
    floatsOf.b = weiToNumber(vamm.baseReserve);
  }
  const { q, b } = floatsOf;
  const room = band.long ? b + band.size : b - band.size;
  // A short's buy-back cost explodes near the base reserve, and B − s loses digits: valued exactly there.
  if (!(room > b * 1e-2)) return false;
  const exit = (q * band.size) / room;
  const exitSlack = RELATIVE * exit + ABSOLUTE;
  const valueSlack = RELATIVE * (Math.abs(band.constant) + exit) + ABSOLUTE + exitSlack;
  const value = band.long ? band.constant + exit : band.constant - exit;
  const nLow = exit - exitSlack;
  const nHigh = exit + exitSlack;
  if (!(nLow > 1e3 * ABSOLUTE)) return false;
  const vLow = value - valueSlack;
  const vHigh = value + valueSlack;
  // value / notional over the box: extremes at its corners (notional > 0).
  const rLow = Math.min(vLow / nLow, vLow / nHigh);
  const rHigh = Math.max(vHigh / nLow, vHigh / nHigh);
  const slack = RELATIVE * (Math.abs(rLow) + Math.abs(rHigh) + 1);
  const { chainLow, chainHigh } = d.p;
  if (!(rLow - slack > chainLow)) return false;
  return !venueLow || rHigh + slack < chainHigh;
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

/** The reserves last read as floats (every desk of a market looks at the same reserves in a block). */
const floatsOf = { quote: -1n, base: -1n, q: Number.NaN, b: Number.NaN };

const SAME = 0;
const RESERVES = 1;
const FUNDING = 2;
const CHANGED = 3;

/**
 * Whether `standingInputs` would give `inputs` again (SAME), again but for reserves (RESERVES),
 * again but for premium indices and perhaps reserves (FUNDING), or not (compared in place, nothing built).
 */
function compareInputs(inputs: readonly unknown[], ch: ClearingHouse, agent: string): typeof SAME | typeof RESERVES | typeof FUNDING | typeof CHANGED {
  const account = ch.accounts.get(agent);
  if (account === undefined || inputs[0] !== ch.params.marginMode || inputs[1] !== account.collateral) return CHANGED;
  let k = 2;
  let reserves = false;
  let premium = false;
  for (const [id, pos] of account.positions) {
    if (inputs[k] !== id || inputs[k + 1] !== pos) return CHANGED;
    k += 2;
    if (pos.size === 0n) continue;
    const m = ch.market(id);
    if (m.lastRemap === 'lazy' || m.migration !== null) return CHANGED;
    if (inputs[k + 3] !== m.lossIndexLong || inputs[k + 4] !== m.lossIndexShort) return CHANGED;
    if (inputs[k + 2] !== m.cumulativePremiumFraction) premium = true;
    if (inputs[k] !== m.vamm.quoteReserve || inputs[k + 1] !== m.vamm.baseReserve) reserves = true;
    k += 5;
  }
  return k !== inputs.length ? CHANGED : premium ? FUNDING : reserves ? RESERVES : SAME;
}
