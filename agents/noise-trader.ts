/**
 * A noise trader: arrives at Poisson times, opens a position of random side, size and leverage,
 * holds it for an exponential time, closes it. The background flow every market has.
 */
import { type Wake, exponentialWait } from './agent.ts';
import { AgentBase } from './agent-base.ts';
import { spendable, usableLeverage } from './account-view.ts';
import type { Observation } from '../sim/engine/observation.ts';

export interface NoiseTraderParams {
  readonly market: string;
  /** Mean seconds between decisions to trade. */
  readonly meanInterval: number;
  /** Median margin per trade (USD) and the lognormal spread around it. */
  readonly medianMargin: number;
  readonly marginSigma: number;
  readonly minLeverage: number;
  readonly maxLeverage: number;
  /** Mean holding time (s). */
  readonly meanHolding: number;
  /** Probability a new position is long. */
  readonly longBias: number;
  readonly latency: number;
  readonly priorityFee: number;
}

export class NoiseTrader extends AgentBase<NoiseTraderParams> {
  override readonly kind = 'noise';
  /** It reads only its own account's rows. */
  readonly readsOthers = false;
  override readonly phase = 'trade' as const;
  private exitAt = Number.POSITIVE_INFINITY;

  override start(startTime: number): number {
    return startTime + exponentialWait(this.ctx.rng, this.p.meanInterval);
  }

  override wake(view: Observation, now: number): Wake {
    const { rng } = this.ctx;
    // Only its size: a record field, so its own rows need not be valued on the reserves now.
    const size = view.position(this.ctx.index, this.p.market, 'size');
    const nextArrival = now + exponentialWait(rng, this.p.meanInterval);
    if (size !== 0) {
      if (now >= this.exitAt) {
        this.exitAt = Number.POSITIVE_INFINITY;
        return { submissions: [{ action: { kind: 'close', market: this.p.market }, priorityFee: this.p.priorityFee }], next: nextArrival };
      }
      return { submissions: [], next: Math.min(this.exitAt, nextArrival) };
    }
    const margin = Math.min(this.p.medianMargin * Math.exp(this.p.marginSigma * rng.normal()), spendable(view, this.ctx.index) * 0.9);
    const leverage = usableLeverage(view, this.p.market, this.p.minLeverage + rng.next() * (this.p.maxLeverage - this.p.minLeverage));
    this.exitAt = now + exponentialWait(rng, this.p.meanHolding);
    if (margin < 1) return { submissions: [], next: nextArrival };
    const side = rng.next() < this.p.longBias ? 'long' : 'short';
    return {
      submissions: [{ action: { kind: 'open', market: this.p.market, side, margin, leverage }, priorityFee: this.p.priorityFee }],
      next: Math.min(this.exitAt, nextArrival),
    };
  }
}
