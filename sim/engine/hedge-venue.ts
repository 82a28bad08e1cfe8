/**
 * The off-chain venue where hedged agents (arbitrageurs, manipulators, searchers) offset their
 * vAMM positions: a CEX perpetual trading at the true reference price (the candles, never a
 * manipulated on-chain feed). Every change of a hedged agent's vAMM position is hedged after
 * the venue's latency, at the price then, paying a taker fee and a spread that grows with the
 * hedge's size; the hedge pays or receives the venue's funding every 8 hours (00, 08, 16 UTC)
 * and must post initial margin from the capital the agent keeps there — the venue calls for
 * more when its equity falls below the maintenance share. Collateral moves between the venue and
 * the chain through withdrawals (the agent's treasury, collateral-transfer.ts), so a hedge's
 * profit can pay the vAMM leg's margin. Money here is USD floats, like gas: it never touches the
 * protocol's wei.
 */
import { DEFAULT_TRANSFER, type TransferParams } from './collateral-transfer.ts';
import type { FastTick } from './price-timeline.ts';

export interface HedgeParams {
  /** Taker fee (Binance USDⓈ-M: 0.04 % in 2020–22). */
  readonly takerFee: number;
  /** Half the bid–ask spread paid on every hedge (ratio of notional). */
  readonly halfSpread: number;
  /** Extra price impact per 1M USD of the hedge's notional (ratio): the spread grows with size. */
  readonly impactPerMillion: number;
  /** Funding longs pay per 8 h (Binance's base rate: 0.01 %). */
  readonly fundingRate: number;
  /** Initial margin (ratio of notional), and the share of it below which the venue calls for more. */
  readonly marginRatio: number;
  readonly maintenanceShare: number;
  /** Seconds from the vAMM fill to the hedge fill. */
  readonly latency: number;
  /** Capital kept at the venue (USD); 0 = as much as the agent holds on chain. */
  readonly capital: number;
  /** When and how collateral moves between the venue and the chain (interval 0: never). */
  readonly transfer: TransferParams;
}

export const DEFAULT_HEDGE: HedgeParams = {
  takerFee: 0.0004,
  halfSpread: 0.00005,
  impactPerMillion: 0.0005,
  fundingRate: 0.0001,
  marginRatio: 0.1,
  maintenanceShare: 0.5,
  latency: 1,
  capital: 0,
  transfer: DEFAULT_TRANSFER,
};

/** A hedge's standing at the venue (`HedgeVenue.standingInto`). */
export interface VenueStanding {
  equity: number;
  requirement: number;
}

/** The cost ratio of hedging `notional` USD: taker fee + half spread + size impact. */
export function hedgeCostRatio(p: HedgeParams, notional: number): number {
  return p.takerFee + p.halfSpread + (p.impactPerMillion * notional) / 1e6;
}

const FUNDING_PERIOD = 8 * 3600;
const NO_HEDGE_EVENTS: readonly HedgeEvent[] = [];
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export type HedgeEvent =
  | {
      readonly type: 'HedgeFill';
      readonly agent: string;
      readonly market: string;
      /** Base bought (+) or sold (−) on the venue. */
      readonly size: number;
      readonly price: number;
      readonly fee: number;
      readonly spreadCost: number;
      /** The hedge's position after the fill. */
      readonly position: number;
      readonly filledAt: number;
    }
  | { readonly type: 'HedgeFunding'; readonly agent: string; readonly market: string; readonly position: number; readonly price: number; readonly rate: number; /** Paid by the agent (− received). */ readonly amount: number; readonly fundingTime: number }
  | { readonly type: 'HedgeMarginCall'; readonly agent: string; readonly market: string; readonly equity: number; readonly requirement: number }
  /** Collateral leaves the venue for the chain: `amount` arrives in the agent's wallet at `arrivesAt`; the venue keeps `fee`. */
  | { readonly type: 'HedgeWithdrawal'; readonly agent: string; readonly market: string; readonly amount: number; readonly fee: number; readonly arrivesAt: number }
  /** Collateral sent from the chain is credited at the venue. */
  | { readonly type: 'HedgeDeposit'; readonly agent: string; readonly market: string; readonly amount: number }
  | { readonly type: 'HedgeMark'; readonly market: string; readonly price: number };

interface Account {
  readonly params: HedgeParams;
  readonly capital: number;
  position: number;
  cash: number;
  called: boolean;
}

export class HedgeVenue {
  private readonly accounts = new Map<string, Account>();
  private nextFunding: number;

  constructor(
    private readonly market: string,
    /** The true reference path (arrival order = publish order). */
    path: readonly FastTick[],
    start: number,
  ) {
    this.nextFunding = Math.floor(start / FUNDING_PERIOD) * FUNDING_PERIOD + FUNDING_PERIOD;
    // One plain pass (`Float64Array.from` with a mapping function took ~40 ms over a 1-minute month's 178,560 ticks).
    const times = new Float64Array(path.length);
    const prices = new Float64Array(path.length);
    let ordered = true;
    for (let k = 0; k < path.length; k++) {
      const tick = path[k] as FastTick;
      if (k > 0 && !((times[k - 1] as number) <= tick.time)) ordered = false;
      times[k] = tick.time;
      prices[k] = Number(tick.price) / 1e18;
    }
    this.ordered = ordered;
    this.times = times;
    this.prices = prices;
  }

  open(agent: string, params: HedgeParams, onChainCapital: number): void {
    this.accounts.set(agent, { params, capital: params.capital > 0 ? params.capital : onChainCapital, position: 0, cash: 0, called: false });
  }

  hedges(agent: string): boolean {
    return this.accounts.has(agent);
  }

  /**
   * The two times `priceAt` was last asked for, and their answers (the latest first): a block
   * asks for its own time once per desk and per observation, and for its hedges' fill time.
   */
  private askedAt = Number.NaN;
  private asked = Number.NaN;
  private askedBefore = Number.NaN;
  private answeredBefore = Number.NaN;

  /** The true reference price at `t` (the last tick at or before it; the first one before the path starts). */
  priceAt(t: number): number {
    if (t === this.askedAt) return this.asked;
    const price = t === this.askedBefore ? this.answeredBefore : this.search(t);
    this.askedBefore = this.askedAt;
    this.answeredBefore = this.asked;
    this.askedAt = t;
    this.asked = price;
    return price;
  }

  /** Whether the path's times never decrease (then the tick at or before a time is found from the last one asked for). */
  private readonly ordered: boolean;
  /**
   * The ticks' times, packed: a block's search steps through them from the cursor, and reading
   * each tick object's time instead (scattered through the heap) was ~4 % of a 1-minute month.
   */
  private readonly times: Float64Array;
  /**
   * The ticks' prices as floats, converted once: converting a tick's bigint price on each search
   * (a runtime call on an object scattered through the heap) was ~5 % of a 1-minute month.
   */
  private readonly prices: Float64Array;
  /** On an ordered path: how many ticks are at or before the time last searched. */
  private cursor = 0;

  private search(t: number): number {
    const times = this.times;
    let lo = 0;
    let hi = times.length;
    if (this.ordered) {
      // The first tick after `t` (the binary search below finds the same on an ordered path): a block's time is near the last one's.
      let k = this.cursor;
      if (k > 0 && (times[k - 1] as number) > t) hi = k;
      else {
        for (let steps = 0; steps < 8 && k < hi && (times[k] as number) <= t; steps++) k++;
        if (k === hi || (times[k] as number) > t) lo = hi = k;
        else lo = k;
      }
    }
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((times[mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    this.cursor = lo;
    const at = Math.max(0, lo - 1);
    return at < this.prices.length ? (this.prices[at] as number) : Number.NaN;
  }

  /** Offsets a vAMM position change of `base` (signed) made at `t`. */
  hedge(agent: string, base: number, t: number): HedgeEvent[] {
    const a = this.accounts.get(agent);
    if (!a || base === 0) return [];
    const size = -base;
    const filledAt = t + a.params.latency;
    const price = this.priceAt(filledAt);
    const notional = Math.abs(size) * price;
    const fee = notional * a.params.takerFee;
    const spreadCost = notional * (a.params.halfSpread + (a.params.impactPerMillion * notional) / 1e6);
    a.position += size;
    a.cash -= size * price + fee + spreadCost;
    const fill: HedgeEvent = { type: 'HedgeFill', agent, market: this.market, size: round6(size), price: round6(price), fee: round6(fee), spreadCost: round6(spreadCost), position: round6(a.position), filledAt };
    const call = this.marginCall(agent, a, price);
    return call === null ? [fill] : [fill, call];
  }

  /** Funding settlements due by `now`, each at the price of its funding time (one shared empty list when none is: most blocks). */
  settleFunding(now: number): readonly HedgeEvent[] {
    if (this.nextFunding > now) return NO_HEDGE_EVENTS;
    const out: HedgeEvent[] = [];
    while (this.nextFunding <= now) {
      const t = this.nextFunding;
      const price = this.priceAt(t);
      for (const [agent, a] of this.accounts) {
        if (a.position === 0) continue;
        const amount = a.position * price * a.params.fundingRate;
        a.cash -= amount;
        out.push({ type: 'HedgeFunding', agent, market: this.market, position: round6(a.position), price: round6(price), rate: a.params.fundingRate, amount: round6(amount), fundingTime: t });
        const call = this.marginCall(agent, a, price);
        if (call !== null) out.push(call);
      }
      this.nextFunding += FUNDING_PERIOD;
    }
    return out;
  }

  /**
   * The hedge's equity (capital + cash + position at the price at `t`) and its initial margin
   * requirement, written into `out` (a desk's own: desks look every minute, and a new object per
   * look was ~3 % of a run's bytes); false, `out` untouched, when the agent has no account here.
   */
  standingInto(agent: string, t: number, out: VenueStanding): boolean {
    const a = this.accounts.get(agent);
    if (!a) return false;
    const price = this.priceAt(t);
    out.equity = a.capital + a.cash + a.position * price;
    out.requirement = Math.abs(a.position) * price * a.params.marginRatio;
    return true;
  }

  /** Collateral leaves the venue: `amount` for the chain, arriving at `arrivesAt`, and the venue's `fee`. */
  withdraw(agent: string, amount: number, fee: number, arrivesAt: number): HedgeEvent {
    const a = this.accounts.get(agent);
    if (!a) throw new Error(`${agent} has no account at the hedge venue`);
    a.cash -= amount + fee;
    return { type: 'HedgeWithdrawal', agent, market: this.market, amount: round6(amount), fee: round6(fee), arrivesAt };
  }

  /** Collateral from the chain is credited. */
  credit(agent: string, amount: number, t: number): HedgeEvent[] {
    const a = this.accounts.get(agent);
    if (!a) throw new Error(`${agent} has no account at the hedge venue`);
    a.cash += amount;
    const deposit: HedgeEvent = { type: 'HedgeDeposit', agent, market: this.market, amount: round6(amount) };
    const call = this.marginCall(agent, a, this.priceAt(t));
    return call === null ? [deposit] : [deposit, call];
  }

  /** Margin calls on every open hedge at the price at `t`. */
  checkAll(t: number): HedgeEvent[] {
    const price = this.priceAt(t);
    const calls: HedgeEvent[] = [];
    for (const [agent, a] of this.accounts) {
      const call = a.position === 0 ? null : this.marginCall(agent, a, price);
      if (call !== null) calls.push(call);
    }
    return calls;
  }

  /** The closing mark: where open hedges are valued. */
  mark(t: number): HedgeEvent {
    return { type: 'HedgeMark', market: this.market, price: round6(this.priceAt(t)) };
  }

  /** A margin call when the hedge's equity is under its maintenance share of the requirement (once until it is above again), else null. */
  private marginCall(agent: string, a: Account, price: number): HedgeEvent | null {
    const requirement = Math.abs(a.position) * price * a.params.marginRatio;
    const equity = a.capital + a.cash + a.position * price;
    const short = equity < requirement * a.params.maintenanceShare;
    if (short && !a.called) {
      a.called = true;
      return { type: 'HedgeMarginCall', agent, market: this.market, equity: round6(equity), requirement: round6(requirement) };
    }
    if (!short) a.called = false;
    return null;
  }
}
