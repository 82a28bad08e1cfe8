/**
 * A funding manipulator that follows a parametrised multi-day plan: the space the funding-cap
 * study's optimiser searches (scenarios/studies/adversary-plan.ts maps a point of the search box
 * to these parameters).
 *
 * The plan is a target position over time, hold + push:
 * - the **hold** is the position that collects funding: its side (`short`, `long`, or `follow`:
 *   whichever side the mark-TWAP premium pays, switching when the premium crosses
 *   ±`switchThreshold`), its size, built from `buildStart` and unwound from `unwindStart`;
 * - the **push** is a position on the paying side, held from `pushLead` seconds before every
 *   `pushEvery`-th funding settlement for `pushDuration` seconds, so the mark and its 8-hour TWAP
 *   lean toward the hold; a push longer than its lead is still on at the settlement.
 *
 * Every trade is worked by the shared execution module (agents/execution.ts) as a TWAP parent
 * order toward the target: slices of at most `slice` notional, one every `interval` seconds (the
 * build speed), and, with `bandShare`, a limit price `bandShare` × the arbitrageurs' no-trade band
 * (fee + `arbEdge`) from the reference, which the order router enforces on the state each child
 * lands on, so a plan can stay where arbitrage does not answer it. The position is hedged on the
 * engine's hedge venue like every other hedged kind (sim/engine/hedge-venue.ts). Leaning on the insurance fund, which pays the
 * funding imbalance, needs no rule of its own: a hold that no one takes the other side of is
 * paid by the fund, and the study's accounting says who paid.
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { HedgeParams } from '../sim/engine/hedge-venue.ts';
import type { AgentContext, Side, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';
import { referencePrice } from './account-view.ts';
import { DEFAULT_EXECUTION, OrderExecutor } from './execution.ts';

export interface PlanManipulatorParams {
  readonly market: string;
  readonly side: 'short' | 'long' | 'follow';
  /** The hold's notional (USD). */
  readonly hold: number;
  /** Seconds after the run's start the hold is built from, and unwound from (null: never unwound). */
  readonly buildStart: number;
  readonly unwindStart: number | null;
  /** The push's notional (USD, on the paying side; 0 = none). */
  readonly push: number;
  readonly pushLead: number;
  readonly pushDuration: number;
  /** Attack every k-th settlement (1 = every one). */
  readonly pushEvery: number;
  /** The most notional per trade (USD), and seconds between decisions. */
  readonly slice: number;
  readonly interval: number;
  /** Stay within this many no-trade bands of the reference (null: no limit). */
  readonly bandShare: number | null;
  /** The edge the attacker assumes arbitrageurs want beyond the fee. */
  readonly arbEdge: number;
  /** `follow` switches side when |mark TWAP / index − 1| exceeds this. */
  readonly switchThreshold: number;
  readonly leverage: number;
  /** The hedge venue's terms (read by the engine, which hedges this kind). */
  readonly hedge: HedgeParams;
  readonly latency: number;
  readonly priorityFee: number;
}

/** Smallest trade worth sending (USD). */
const MIN_TRADE = 10;

export class PlanManipulator extends AgentBase<PlanManipulatorParams> {
  override readonly kind = 'plan-manipulator';
  /** It reads only its own account's rows. */
  readonly readsOthers = false;
  override readonly phase = 'trade' as const;
  private start0 = 0;
  /** −1 short, +1 long, 0 not chosen yet (follow mode before the premium speaks). */
  private holdSign: number;

  constructor(ctx: AgentContext, p: PlanManipulatorParams) {
    super(ctx, p);
    this.holdSign = p.side === 'short' ? -1 : p.side === 'long' ? 1 : 0;
  }

  override start(startTime: number): number | null {
    this.start0 = startTime;
    return this.p.hold > 0 || this.p.push > 0 ? startTime + Math.max(1, this.p.buildStart) : null;
  }

  /** Whether `t` is inside the push window of an attacked settlement; settlements are every `period` s on the grid of `anchor`. */
  private pushing(t: number, anchor: number, period: number): boolean {
    const p = this.p;
    if (p.push <= 0 || p.pushDuration <= 0) return false;
    const reach = Math.ceil((p.pushLead + p.pushDuration) / period) + 1;
    for (let k = -reach; k <= reach; k++) {
      const T = anchor + k * period;
      if (Math.round(T / period) % p.pushEvery !== 0) continue;
      if (t >= T - p.pushLead && t < T - p.pushLead + p.pushDuration) return true;
    }
    return false;
  }

  /** The next time after `t` when the plan's target changes by the clock (a push edge, the build or the unwind). */
  private nextEdge(t: number, anchor: number, period: number): number {
    const p = this.p;
    const edges = [this.start0 + p.buildStart, p.unwindStart === null ? Number.POSITIVE_INFINITY : this.start0 + p.unwindStart];
    if (p.push > 0 && p.pushDuration > 0) {
      const reach = Math.ceil((p.pushLead + p.pushDuration) / period) + p.pushEvery + 1;
      for (let k = -reach; k <= reach; k++) {
        const T = anchor + k * period;
        if (Math.round(T / period) % p.pushEvery !== 0) continue;
        edges.push(T - p.pushLead, T - p.pushLead + p.pushDuration);
      }
    }
    return Math.min(...edges.filter((e) => e > t));
  }

  /** The signed notional the plan wants at `now` (+ long). */
  target(view: Observation, now: number): number {
    const p = this.p;
    const { market } = p;
    if (p.side === 'follow') {
      const premium = view.market(market, 'markTwap') / view.market(market, 'index') - 1;
      if (premium > p.switchThreshold) this.holdSign = -1;
      else if (premium < -p.switchThreshold) this.holdSign = 1;
    }
    const elapsed = now - this.start0;
    const holding = elapsed >= p.buildStart && (p.unwindStart === null || elapsed < p.unwindStart);
    if (!holding || this.holdSign === 0) return 0;
    const period = view.market(market, 'fundingPeriod');
    const push = this.pushing(now, view.market(market, 'nextFundingTime'), period) ? p.push : 0;
    return this.holdSign * (p.push > 0 ? p.hold - push : p.hold);
  }

  override wake(view: Observation, now: number): Wake {
    const p = this.p;
    const { market } = p;
    if (!view.market(market, 'open')) return { submissions: [], next: null };
    const size = view.position(this.ctx.index, market, 'size');
    const held = Math.sign(size) * view.position(this.ctx.index, market, 'notional');
    const target = this.target(view, now);
    const delta = target - held;
    const period = view.market(market, 'fundingPeriod');
    const edge = this.nextEdge(now, view.market(market, 'nextFundingTime'), period);
    let submissions: Wake['submissions'] = [];
    if (Math.abs(delta) >= MIN_TRADE) {
      // A parent order placed afresh at every decision, so the target and the band follow the
      // plan's clock and the reference; its first slice goes now, the next at the next decision.
      const side: Side = delta > 0 ? 'long' : 'short';
      const ref = referencePrice(view, market);
      const band = (view.market(market, 'feeRatio') + p.arbEdge) * (p.bandShare ?? 0);
      const limitPrice = p.bandShare === null ? undefined : side === 'long' ? ref * (1 + band) : ref * (1 - band);
      const slices = Math.max(1, Math.ceil(Math.abs(delta) / p.slice));
      const executor = new OrderExecutor(this.ctx, { ...DEFAULT_EXECUTION, style: 'twap', duration: slices * p.interval, slices }, p.priorityFee, p.latency);
      // The executor works toward a size (target notional at the spot); the plan's delta is quote on the curve.
      const goal = target === 0 ? 0 : (size + baseForQuote(view, market, delta)) * view.market(market, 'spot');
      executor.place({ market, target: goal, leverage: p.leverage, tolerance: MIN_TRADE, ...(limitPrice === undefined ? {} : { limitPrice }) }, view, now);
      submissions = executor.step(view, now).submissions;
    }
    // Still working toward the target, or following the premium: come back after the interval;
    // otherwise sleep until the plan's next edge.
    const busy = submissions.length > 0 || p.side === 'follow' || Math.abs(delta) >= MIN_TRADE;
    const next = busy ? Math.min(now + p.interval, edge) : edge;
    return { submissions, next: Number.isFinite(next) ? next : null };
  }
}

/** Base a trade of `quote` USD (+ buy, − sell) moves on x·y = k; a sell of the whole quote reserve is cut just short of it. */
function baseForQuote(view: Observation, market: string, quote: number): number {
  const q = view.market(market, 'quoteReserve');
  const b = view.market(market, 'baseReserve');
  return quote >= 0 ? b - (q * b) / (q + quote) : b - (q * b) / Math.max(q * 1e-9, q + quote);
}
