/**
 * A whale: one very large position built from a set time and held (the May 2022 Perp v1
 * bad-debt event began with one), optionally closed later. It works the order through the
 * execution module (a TWAP or iceberg with a slippage limit by default), so arbitrageurs can
 * refill the curve between its children instead of the whole order hitting it at once.
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { AgentContext, Side, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';
import { type ExecutionParams, OrderExecutor } from './execution.ts';
import { usableLeverage } from './account-view.ts';

export interface WhaleParams {
  readonly market: string;
  readonly side: Side;
  readonly margin: number;
  readonly leverage: number;
  /** Seconds after the start to begin. */
  readonly openAfter: number;
  /** Seconds after the position is built to close it (null = hold to the end). */
  readonly holdFor: number | null;
  readonly execution: ExecutionParams;
  readonly latency: number;
  readonly priorityFee: number;
}

type Phase = 'start' | 'build' | 'hold' | 'close';

export class Whale extends AgentBase<WhaleParams> {
  override readonly kind = 'whale';
  /** It reads only its own account's rows. */
  readonly readsOthers = false;
  override readonly phase = 'trade' as const;
  private readonly executor: OrderExecutor;
  private stage: Phase = 'start';

  constructor(ctx: AgentContext, p: WhaleParams) {
    super(ctx, p);
    this.executor = new OrderExecutor(this.ctx, this.p.execution, this.p.priorityFee, this.latency);
  }

  override start(startTime: number): number {
    return startTime + this.p.openAfter;
  }

  override wake(view: Observation, now: number): Wake {
    const { market } = this.p;
    if (!view.market(market, 'open')) return { submissions: [], next: null };
    if (this.stage === 'start') {
      // The leverage asked for, within the protocol's maximum.
      const leverage = usableLeverage(view, market, this.p.leverage);
      const sign = this.p.side === 'long' ? 1 : -1;
      this.executor.place({ market, target: sign * this.p.margin * leverage, leverage }, view, now);
      this.stage = 'build';
    }
    const step = this.executor.step(view, now);
    if (step.next !== null) return step;
    if (this.stage === 'build') {
      this.stage = 'hold';
      return { submissions: [], next: this.p.holdFor === null ? null : now + this.p.holdFor };
    }
    if (this.stage === 'hold') {
      this.stage = 'close';
      this.executor.place({ market, target: 0, leverage: this.p.leverage }, view, now);
      return this.executor.step(view, now);
    }
    return { submissions: [], next: null };
  }
}
