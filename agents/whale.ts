/**
 * A whale: one very large position built from a set time and held (the May 2022 Perp v1
 * bad-debt event began with one), optionally closed later. Where the market has a per-block
 * price band it builds the position in band-sized pieces, one per block, checking what landed.
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { Side, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';
import { maxQuoteWithinBand, positionOf, usableLeverage } from './account-view.ts';

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

/** Pieces a build may take before the whale holds what it has (reverted pieces cost gas). */
const MAX_TRIES = 30;

export class Whale extends AgentBase<WhaleParams> {
  override readonly kind = 'whale';
  override readonly phase = 'trade' as const;
  private built = false;
  /** Pieces sent so far; a build the market will not take is given up after MAX_TRIES. */
  private tries = 0;
  private lastHave = 0;
  /** Share of the missing notional each piece asks for: halved after a piece that did not land. */
  private scale = 1;

  override start(startTime: number): number {
    return startTime + this.p.openAfter;
  }

  override wake(view: Observation, now: number): Wake {
    const { market, priorityFee } = this.p;
    if (!view.market(market, 'open')) return { submissions: [], next: null };
    if (!this.built) {
      // The leverage asked for, within the protocol's maximum.
      const leverage = usableLeverage(view, market, this.p.leverage);
      const target = this.p.margin * leverage;
      // What is on: the position's cost basis, so a piece that reverted (the initial-margin check
      // after the last piece moved the mark, say) is tried again, at half the size.
      const have = Math.abs(view.position(this.ctx.index, market, 'openNotional'));
      if (this.tries > 0 && have <= this.lastHave) this.scale /= 2;
      this.lastHave = have;
      if (target - have <= target * 0.001 || this.tries >= MAX_TRIES) {
        this.built = true;
        return { submissions: [], next: this.p.holdFor === null ? null : now + this.p.holdFor };
      }
      this.tries++;
      const piece = Math.min(target - have, maxQuoteWithinBand(view, market, this.p.side)) * this.scale;
      return {
        submissions: [{ action: { kind: 'open', market, side: this.p.side, margin: piece / leverage, leverage }, priorityFee }],
        // Look again once the piece has landed.
        next: now + this.ctx.blockTime + this.latency,
      };
    }
    const open = positionOf(view, this.ctx.index, market).size !== 0;
    return { submissions: open ? [{ action: { kind: 'close', market }, priorityFee }] : [], next: null };
  }
}
