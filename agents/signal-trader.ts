/**
 * The shared machinery of traders that follow a price signal: wake on a fixed interval, turn
 * the signal into a target side (or flat), and trade toward it — close what points the wrong
 * way, then open the target in the same block. Two risk rules bound what a signal can lose: a
 * stop-out closes a position that has lost `stopLoss` of its margin (and keeps it out for a
 * cooling-off period), and a risk budget stops the trader for good once its equity is down by
 * `riskBudget` of where it started, instead of re-entering with what is left until it is gone.
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
  /** Share of a position's margin it may lose before it is stopped out (0 = no stop). */
  readonly stopLoss: number;
  /** Seconds it stays out after a stop-out. */
  readonly cooldown: number;
  /** Share of its starting equity it may lose in all before it stops trading (1 = all of it). */
  readonly riskBudget: number;
  readonly latency: number;
  readonly priorityFee: number;
}

export abstract class SignalTrader<P extends SignalTraderParams = SignalTraderParams> extends AgentBase<P> {
  /** It reads only its own account's rows. */
  readonly readsOthers = false;
  override readonly phase = 'trade' as const;
  private startEquity = Number.NaN;
  private outUntil = 0;

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
    const close: Submission = { action: { kind: 'close', market }, priorityFee: this.p.priorityFee };
    const equity = this.equity(view);
    if (Number.isNaN(this.startEquity)) this.startEquity = equity;
    // The risk budget is spent: flat for good.
    if (equity < this.startEquity * (1 - this.p.riskBudget)) return { submissions: have ? [close] : [], next: have ? now + this.p.interval : null };
    // Stopped out: close and stay out a while.
    const margin = Math.abs(view.position(this.ctx.index, market, 'openNotional')) / Math.max(1, this.p.leverage);
    if (have && this.p.stopLoss > 0 && pos.pnl < -this.p.stopLoss * margin) {
      this.outUntil = now + this.p.cooldown;
      return { submissions: [close], next: now + this.p.interval };
    }
    const submissions: Submission[] = [];
    if (have !== null && have !== want) submissions.push(close);
    if (want !== null && have !== want && now >= this.outUntil) {
      const margin = Math.min(this.p.margin, spendable(view, this.ctx.index) * 0.9);
      if (margin >= 1) {
        const leverage = usableLeverage(view, market, this.p.leverage);
        submissions.push({ action: { kind: 'open', market, side: want, margin, leverage }, priorityFee: this.p.priorityFee });
      }
    }
    return { submissions, next: now + this.p.interval };
  }

  /** Its equity now: cross collateral with the positions' PnL, or the wallet with isolated margin and PnL. */
  private equity(view: Observation): number {
    const market = this.p.market;
    const collateral = view.account(this.ctx.index, 'collateral');
    const pos = positionOf(view, this.ctx.index, market);
    const value = view.position(this.ctx.index, market, 'groupValue');
    if (collateral > 0 || pos.size === 0) return pos.size === 0 || Number.isNaN(value) ? collateral + view.account(this.ctx.index, 'wallet') : value + view.account(this.ctx.index, 'wallet');
    return view.account(this.ctx.index, 'wallet') + view.position(this.ctx.index, market, 'margin') + pos.pnl;
  }
}
