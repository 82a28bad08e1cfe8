/**
 * A mean-reversion trader: keeps an exponential moving average of the mark and fades moves
 * away from it — short when the mark is more than a threshold above, long when below, flat
 * once it is back inside half the band.
 */
import type { Side } from './agent.ts';
import { SignalTrader, type SignalTraderParams } from './signal-trader.ts';

export interface MeanReversionTraderParams extends SignalTraderParams {
  /** Half-life of the moving average (s). */
  readonly halfLife: number;
  /** Deviation from the average that opens a position (0.02 = 2 %). */
  readonly threshold: number;
}

export class MeanReversionTrader extends SignalTrader<MeanReversionTraderParams> {
  override readonly kind = 'mean-reversion';
  private average = Number.NaN;
  private lastT = 0;
  private holding: Side | null = null;

  protected target(price: number, now: number): Side | null {
    if (Number.isNaN(this.average)) {
      this.average = price;
      this.lastT = now;
      return null;
    }
    const weight = 1 - 0.5 ** ((now - this.lastT) / this.p.halfLife);
    this.average += (price - this.average) * weight;
    this.lastT = now;
    const deviation = price / this.average - 1;
    if (deviation > this.p.threshold) this.holding = 'short';
    else if (deviation < -this.p.threshold) this.holding = 'long';
    else if (Math.abs(deviation) < this.p.threshold / 2) this.holding = null;
    return this.holding;
  }
}
