/**
 * An arbitrageur: when the mark strays from the reference price by more than fees plus a
 * margin of safety, trades the vAMM toward it by the amount the curve says closes a share of
 * the gap (x·y=k: Q* = √(k·P*)), within its capital, hedging the position off chain at the
 * reference price (accounted in the run summary). Capital beyond a free share must be paid for
 * by funding (a hurdle rate), so a cap on funding limits how hard arbitrage holds the mark.
 * Latency models how late it sees and lands (the 2021 xDai bridge stall left none).
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { Submission, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';
import { buyingPower, feeAffordable, maxQuoteWithinBand, positionOf, referencePrice } from './account-view.ts';

export interface ArbitrageurParams {
  readonly market: string;
  readonly interval: number;
  /** Edge required beyond the trading fee (0.001 = 0.1 %). */
  readonly minEdge: number;
  /** Share of the gap to close per trade (0..1]. */
  readonly intensity: number;
  readonly leverage: number;
  readonly latency: number;
  readonly priorityFee: number;
  /**
   * Share of its capacity it commits on the gap alone. Beyond it, inventory ties up capital
   * that must earn `hurdleRate` in funding: a funding cap that keeps the rate below the hurdle
   * keeps that capital out, and the mark strays further (the tracking cost of a tight cap).
   */
  readonly freeInventory: number;
  /** Annual return the inventory beyond `freeInventory` must earn in funding (0.2 = 20 %/yr; 0 = none asked). */
  readonly hurdleRate: number;
}

const YEAR = 365 * 86400;

export class Arbitrageur extends AgentBase<ArbitrageurParams> {
  override readonly kind = 'arbitrageur';
  override readonly phase = 'trade' as const;

  override wake(view: Observation, now: number): Wake {
    const { market } = this.p;
    const next = now + this.p.interval;
    if (!view.market(market, 'open')) return { submissions: [], next: null };
    const ref = referencePrice(view, market);
    const spot = view.market(market, 'spot');
    const fee = view.market(market, 'feeRatio');
    const gap = (ref - spot) / ref;
    const pos = positionOf(view, this.ctx.index, market);
    const submissions: Submission[] = [];
    if (Math.abs(gap) > fee + this.p.minEdge) {
      const q = view.market(market, 'quoteReserve');
      const b = view.market(market, 'baseReserve');
      const targetPrice = spot + (ref - spot) * this.p.intensity;
      const quote = Math.abs(Math.sqrt(q * b * targetPrice) - q);
      const side = gap > 0 ? 'long' : 'short';
      const leverage = Math.min(this.p.leverage, view.market(market, 'maxLeverage') * 0.9);
      // Capital: exposure added on the position's side is limited by equity; reducing is free.
      const adding = (gap > 0 && pos.size >= 0) || (gap < 0 && pos.size <= 0);
      // Reducing needs no capital, but past the position it becomes a new one that does.
      const power = buyingPower(view, this.ctx.index, market, leverage);
      const room = adding ? this.fundedRoom(view, side, Math.abs(pos.notional), power) : pos.notional * 0.999 + power;
      const notional = Math.min(quote, room, maxQuoteWithinBand(view, market, side), feeAffordable(view, this.ctx.index, market));
      if (notional >= 10) {
        submissions.push({ action: { kind: 'open', market, side, margin: notional / leverage, leverage }, priorityFee: this.p.priorityFee });
      }
    }
    // No take-profit close: the inventory is what holds the mark at the index (closing it would
    // push the mark away again); it comes down as the gap reverses. The hedge carries the risk.
    return { submissions, next };
  }

  /** What it will add on `side`: all its buying power while funding pays the hurdle, else up to its free inventory. */
  private fundedRoom(view: Observation, side: 'long' | 'short', held: number, power: number): number {
    if (this.p.hurdleRate === 0) return power;
    const { market } = this.p;
    const rate = view.market(market, 'fundingRate') * (YEAR / view.market(market, 'fundingPeriod'));
    const earned = side === 'short' ? rate : -rate;
    if (earned >= this.p.hurdleRate) return power;
    return Math.max(0, Math.min(power, (held + power) * this.p.freeInventory - held));
  }
}
