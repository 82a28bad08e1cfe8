/**
 * How a parent order is cut into child orders: at each wake, how much of what remains goes now.
 * Kept behind this small interface so the plan manipulator can take the project's shared
 * execution module (TWAP/iceberg with a slippage limit, issue 12) without changing its plan.
 *
 * `TwapSlicer` sends at most a fixed notional per wake (the wake interval sets the pace) and
 * never past a limit price: the quote that would move the vAMM's spot beyond it is solved on the
 * curve (spot ∝ Q², so reaching price P from spot S takes Q·(√(P/S) − 1) of quote on a buy).
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { Side } from './agent.ts';

export interface ChildOrderRequest {
  readonly market: string;
  readonly side: Side;
  /** Notional still to trade (USD, positive). */
  readonly remaining: number;
  /** No fill beyond this spot price (a buy stops below it, a sell above it); null = none. */
  readonly limitPrice: number | null;
}

export interface OrderSlicer {
  /** The notional to send now (0 when nothing should go). */
  childNotional(view: Observation, request: ChildOrderRequest): number;
}

/** The quote a trade may move before the spot reaches `limit` (0 when it is already past it). */
export function quoteToLimit(view: Observation, market: string, side: Side, limit: number): number {
  const q = view.market(market, 'quoteReserve');
  const spot = view.market(market, 'spot');
  if (!(limit > 0) || !(spot > 0)) return 0;
  const room = side === 'long' ? q * (Math.sqrt(limit / spot) - 1) : q * (1 - Math.sqrt(limit / spot));
  return Math.max(0, room);
}

export class TwapSlicer implements OrderSlicer {
  /** `slice`: the most notional per child order (USD). */
  constructor(private readonly slice: number) {}

  childNotional(view: Observation, r: ChildOrderRequest): number {
    const limited = r.limitPrice === null ? Number.POSITIVE_INFINITY : quoteToLimit(view, r.market, r.side, r.limitPrice);
    return Math.max(0, Math.min(r.remaining, this.slice, limited));
  }
}
