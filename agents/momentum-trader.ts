/** A momentum trader: long after the mark rose more than a threshold over the lookback, short after it fell. */
import type { Side } from './agent.ts';
import { SignalTrader, type SignalTraderParams } from './signal-trader.ts';

export interface MomentumTraderParams extends SignalTraderParams {
  /** Seconds of history the return is measured over. */
  readonly lookback: number;
  /** Minimum |return| over the lookback to take a side (0.01 = 1 %). */
  readonly threshold: number;
}

export class MomentumTrader extends SignalTrader<MomentumTraderParams> {
  override readonly kind = 'momentum';
  private readonly history: Array<{ t: number; price: number }> = [];

  protected target(price: number, now: number): Side | null {
    this.history.push({ t: now, price });
    while (this.history.length > 1 && (this.history[1] as { t: number }).t <= now - this.p.lookback) this.history.shift();
    const first = this.history[0] as { t: number; price: number };
    if (now - first.t < this.p.lookback * 0.5) return null; // not enough history yet
    const ret = price / first.price - 1;
    return ret > this.p.threshold ? 'long' : ret < -this.p.threshold ? 'short' : null;
  }
}
