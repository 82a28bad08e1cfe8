/**
 * Order execution, shared by every agent that moves size (the whale, the manipulators, and any
 * schedule-driven adversary built on top): a parent order — reach a target signed notional on a
 * market — is worked as child orders:
 *  - `market`: as much as the caps allow now, again every block until done;
 *  - `twap`: equal slices of what is left, one every `duration / slices` seconds;
 *  - `iceberg`: one visible `clip` at a time, the next once the last has landed.
 * Every child is capped by the per-block band, the account's buying power and the fee it can
 * pay, and carries a slippage limit (the mark when the order arrived ± `slippageLimit`) that the
 * router enforces on the state the child lands on; while the mark is past the limit no child is
 * sent. A child that did not land (a margin check after the mark moved) halves the next one.
 * An order still open at its deadline, or that the market will not take, is dropped; what
 * filled stays.
 *
 * The interface: `place(order)` starts a parent (replacing any in progress), `step(view, now)`
 * returns the children due now and when to look next, `status` says where the order stands.
 */
import type { Observation } from '../sim/engine/observation.ts';
import { quoteToPrice } from '../sim/engine/order-router.ts';
import type { AgentAction, AgentContext, Side, Submission } from './agent.ts';
import { buyingPower, feeAffordable, maxQuoteWithinBand, usableLeverage } from './account-view.ts';

export type ExecutionStyle = 'market' | 'twap' | 'iceberg';

export interface ExecutionParams {
  readonly style: ExecutionStyle;
  /** twap: seconds over which the order is worked. */
  readonly duration: number;
  /** twap: how many slices. */
  readonly slices: number;
  /** iceberg: notional shown per child (USD). */
  readonly clip: number;
  /** Most the mark may move against the order from where it stood on arrival (0.02 = 2 %); 0 = no limit. */
  readonly slippageLimit: number;
  /** Seconds after placing that whatever has not filled is dropped; 0 = never. */
  readonly timeout: number;
}

export interface ParentOrder {
  readonly market: string;
  /**
   * Signed position notional to reach (+ long, − short), valued at the mark when the order is
   * placed: the order works toward that many base units, so a price move alone neither fills
   * nor undoes it. 0 closes the position.
   */
  readonly target: number;
  readonly leverage: number;
  /** How close to the target counts as reached (USD at the arrival mark); default max(10, 0.1 % of the target). */
  readonly tolerance?: number;
  /** A price no child may move the mark past (a buy stops below it, a sell above), in place of the arrival mark ± `slippageLimit`. */
  readonly limitPrice?: number;
}

export type ExecutionStatus = 'idle' | 'working' | 'done' | 'dropped';

export interface ExecutionStep {
  readonly submissions: Submission[];
  /** When to step again: null when no order is working. */
  readonly next: number | null;
}

/** Children smaller than this are not worth their gas. */
const MIN_CHILD = 10;
/** Steps without progress before an order the market will not take is dropped. */
const MAX_STALLS = 30;

export const DEFAULT_EXECUTION: ExecutionParams = { style: 'market', duration: 3600, slices: 12, clip: 100_000, slippageLimit: 0, timeout: 0 };

interface Working {
  readonly order: ParentOrder;
  readonly placedAt: number;
  /** Mark when the order arrived: the base of the slippage limit and of the target's size. */
  readonly arrival: number;
  /** The target in base units (signed). */
  readonly targetSize: number;
  readonly toleranceSize: number;
  slicesSent: number;
  nextSliceAt: number;
  stalls: number;
  /** Share of each child asked for; halved after a child that did not land, restored as children land. */
  scale: number;
  /** Position size when the last child was sent (NaN: none in flight). */
  sentAtSize: number;
}

export class OrderExecutor {
  private work: Working | null = null;
  private outcome: ExecutionStatus = 'idle';

  constructor(
    private readonly ctx: AgentContext,
    private readonly p: ExecutionParams,
    private readonly priorityFee: number,
    private readonly latency: number,
  ) {}

  get status(): ExecutionStatus {
    return this.work ? 'working' : this.outcome;
  }

  /** Starts working `order` (the one in progress, if any, is replaced). */
  place(order: ParentOrder, view: Observation, now: number): void {
    const arrival = view.market(order.market, 'spot');
    const tolerance = order.tolerance ?? Math.max(MIN_CHILD, Math.abs(order.target) * 0.001);
    this.work = {
      order,
      placedAt: now,
      arrival,
      targetSize: order.target / arrival,
      toleranceSize: tolerance / arrival,
      slicesSent: 0,
      nextSliceAt: now,
      stalls: 0,
      scale: 1,
      sentAtSize: Number.NaN,
    };
  }

  /** Drops the order in progress. */
  cancel(): void {
    if (this.work) this.finish('dropped');
  }

  step(view: Observation, now: number): ExecutionStep {
    const w = this.work;
    if (!w) return { submissions: [], next: null };
    const { market } = w.order;
    const size = view.position(this.ctx.index, market, 'size');
    const remainingSize = w.targetSize - size;
    if (Math.abs(remainingSize) <= w.toleranceSize || (w.order.target === 0 && size === 0)) return this.finish('done');
    if (this.p.timeout > 0 && now >= w.placedAt + this.p.timeout) return this.finish('dropped');
    const nextBlock = now + this.ctx.blockTime + this.latency;
    if (!Number.isNaN(w.sentAtSize)) {
      // The last child did not move the position (a margin check, or the router's limit): ask for half next time.
      if (size === w.sentAtSize) {
        w.scale /= 2;
        if (++w.stalls > MAX_STALLS) return this.finish('dropped');
      } else w.scale = Math.min(1, w.scale * 2);
      w.sentAtSize = Number.NaN;
    }
    if (this.p.style === 'twap' && now < w.nextSliceAt) return { submissions: [], next: w.nextSliceAt };
    const held = Math.sign(size) * view.position(this.ctx.index, market, 'notional');
    const child = this.child(view, w, remainingSize, held);
    if (child === null) {
      if (++w.stalls > MAX_STALLS) return this.finish('dropped');
      return { submissions: [], next: nextBlock };
    }
    w.sentAtSize = size;
    if (this.p.style === 'twap') {
      w.slicesSent++;
      w.nextSliceAt = now + this.p.duration / this.p.slices;
    }
    return { submissions: [{ action: child, priorityFee: this.priorityFee }], next: this.p.style === 'twap' ? Math.max(w.nextSliceAt, nextBlock) : nextBlock };
  }

  /** The child order for `remainingSize` signed base, or null when nothing can be sent (caps, or the mark past the limit). */
  private child(view: Observation, w: Working, remainingSize: number, held: number): AgentAction | null {
    const { order } = w;
    const { market } = order;
    const side: Side = remainingSize > 0 ? 'long' : 'short';
    const leverage = usableLeverage(view, market, order.leverage);
    const q = view.market(market, 'quoteReserve');
    const b = view.market(market, 'baseReserve');
    let wantSize: number;
    if (this.p.style === 'twap') wantSize = Math.abs(remainingSize) / Math.max(1, this.p.slices - w.slicesSent);
    else wantSize = Math.abs(remainingSize);
    let want = quoteForBase(q, b, side, wantSize * w.scale);
    if (this.p.style === 'iceberg') want = Math.min(this.p.clip, want);
    const limitPrice = order.limitPrice ?? (this.p.slippageLimit > 0 ? w.arrival * (side === 'long' ? 1 + this.p.slippageLimit : 1 - this.p.slippageLimit) : undefined);
    const toLimit = limitPrice === undefined ? Number.POSITIVE_INFINITY : quoteToPrice(q, b, side, limitPrice);
    // Closing the whole position at once when that is what is left and the caps allow it.
    const exit = Math.abs(held);
    if (order.target === 0 && w.scale === 1 && want >= exit * 0.999 && toLimit >= exit && maxQuoteWithinBand(view, market, side) >= exit) return { kind: 'close', market };
    const reducing = Math.sign(remainingSize) === -Math.sign(held) ? exit : 0;
    const notional = Math.min(
      want,
      toLimit,
      maxQuoteWithinBand(view, market, side),
      feeAffordable(view, this.ctx.index, market),
      reducing + buyingPower(view, this.ctx.index, market, leverage),
    );
    if (notional < MIN_CHILD) return null;
    return {
      kind: 'open',
      market,
      side,
      margin: notional / leverage,
      leverage,
      ...(limitPrice === undefined ? {} : { limit: { price: limitPrice, minNotional: MIN_CHILD } }),
    };
  }

  private finish(outcome: 'done' | 'dropped'): ExecutionStep {
    this.work = null;
    this.outcome = outcome;
    return { submissions: [], next: null };
  }
}

/** Quote a trade must swap to move `base` units on x·y = k: k/(B − b) − Q buying, Q − k/(B + b) selling. */
function quoteForBase(quoteReserve: number, baseReserve: number, side: Side, base: number): number {
  const k = quoteReserve * baseReserve;
  if (side === 'long') return base >= baseReserve ? Number.POSITIVE_INFINITY : k / (baseReserve - base) - quoteReserve;
  return quoteReserve - k / (baseReserve + base);
}
