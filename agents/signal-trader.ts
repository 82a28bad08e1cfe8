/**
 * The shared machinery of traders that follow a price signal: wake on a fixed interval, turn
 * the signal into a target side (or flat), and trade toward it — close what points the wrong
 * way, then open the target in the same block.
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { Side, Submission, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';
import { positionOf, spendable, usableLeverage } from './account-view.ts';

export interface SignalTraderParams {
  readonly market: string;
  /** Seconds between looks at the market. */
  readonly interval: number;
  readonly margin: number;
  readonly leverage: number;
  readonly latency: number;
  readonly priorityFee: number;
}

export abstract class SignalTrader<P extends SignalTraderParams = SignalTraderParams> extends AgentBase<P> {
  override readonly phase = 'trade' as const;

  /** The side to hold now, or null for flat; `price` is the mark this wake observes. */
  protected abstract target(price: number, now: number): Side | null;

  override start(startTime: number): number {
    // Spread first looks over one interval so a crowd of them does not move in lock-step.
    return startTime + 1 + this.ctx.rng.int(this.p.interval);
  }

  override wake(view: Observation, now: number): Wake {
    const market = this.p.market;
    const want = this.target(view.market(market, 'spot'), now);
    const pos = positionOf(view, this.ctx.index, market);
    const have: Side | null = pos.size > 0 ? 'long' : pos.size < 0 ? 'short' : null;
    const submissions: Submission[] = [];
    if (have !== null && have !== want) submissions.push({ action: { kind: 'close', market }, priorityFee: this.p.priorityFee });
    if (want !== null && have !== want) {
      const margin = Math.min(this.p.margin, spendable(view, this.ctx.index) * 0.9);
      if (margin >= 1) {
        const leverage = usableLeverage(view, market, this.p.leverage);
        submissions.push({ action: { kind: 'open', market, side: want, margin, leverage }, priorityFee: this.p.priorityFee });
      }
    }
    return { submissions, next: now + this.p.interval };
  }
}
