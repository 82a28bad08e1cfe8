/**
 * A whale: one very large position built from a set time and held (the May 2022 Perp v1
 * bad-debt event began with one), optionally closed later. Where the market has a per-block
 * price band it builds the position in band-sized pieces, one per block.
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { Agent, AgentContext, Side, Wake } from './agent.ts';
import { maxQuoteWithinBand, positionOf } from './account-view.ts';

export interface WhaleParams {
  readonly market: string;
  readonly side: Side;
  readonly margin: number;
  readonly leverage: number;
  /** Seconds after the start to begin. */
  readonly openAfter: number;
  /** Seconds after the position is built to close it (null = hold to the end). */
  readonly holdFor: number | null;
  readonly latency: number;
  readonly priorityFee: number;
}

export class Whale implements Agent {
  readonly kind = 'whale';
  readonly phase = 'trade' as const;
  readonly latency: number;
  private placed = 0;
  private built = false;

  constructor(
    private readonly ctx: AgentContext,
    private readonly p: WhaleParams,
  ) {
    this.latency = p.latency;
  }

  get id(): string {
    return this.ctx.id;
  }

  start(startTime: number): number {
    return startTime + this.p.openAfter;
  }

  wake(view: Observation, now: number): Wake {
    const { market, priorityFee } = this.p;
    if (!view.market(market, 'open')) return { submissions: [], next: null };
    if (!this.built) {
      const target = this.p.margin * this.p.leverage;
      const piece = Math.min(target - this.placed, maxQuoteWithinBand(view, market, this.p.side));
      this.placed += piece;
      this.built = this.placed >= target * 0.999;
      const next = this.built ? (this.p.holdFor === null ? null : now + this.p.holdFor) : now + this.ctx.blockTime;
      return {
        submissions: [{ action: { kind: 'open', market, side: this.p.side, margin: piece / this.p.leverage, leverage: this.p.leverage }, priorityFee }],
        next,
      };
    }
    const open = positionOf(view, this.ctx.index, market).size !== 0;
    return { submissions: open ? [{ action: { kind: 'close', market }, priorityFee }] : [], next: null };
  }
}
