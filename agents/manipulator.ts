/**
 * A manipulator. `funding`: holds a position on the side that receives funding and, over the
 * blocks before a settlement, pushes the mark the other way with extra trades so the mark
 * TWAP — and the premium — grow; it unwinds the push just before the settlement, leaving only
 * the receiving position to be paid (the multi-block attack of the seed). `liquidation-hunt`:
 * pushes the price into accounts near maintenance and unwinds after they are liquidated.
 *
 * It trades toward target positions (in signed notional), in pieces the per-block band and its
 * capital allow, so the plan survives partial fills. Its cost (slippage, fees, funding on the
 * push, gas) and profit come out of the event log like every agent's.
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { Side, Submission, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';
import { buyingPower, feeAffordable, maxQuoteWithinBand } from './account-view.ts';

export interface ManipulatorParams {
  readonly market: string;
  readonly mode: 'funding' | 'liquidation-hunt';
  /** The receiving position (funding mode): its side and size. */
  readonly holdSide: Side;
  readonly holdMargin: number;
  readonly holdLeverage: number;
  /** The push: total margin and leverage, spread over `pushSteps` trades. */
  readonly pushMargin: number;
  readonly pushLeverage: number;
  readonly pushSteps: number;
  /** Seconds before the settlement the push starts, and before it that it is unwound. */
  readonly pushLead: number;
  readonly unwindLead: number;
  /** Funding settlements to attack (0 = every one). */
  readonly rounds: number;
  /** liquidation-hunt: how close to maintenance a target must be (ratio points), and how long to hold the push. */
  readonly huntBuffer: number;
  readonly huntHold: number;
  readonly latency: number;
  readonly priorityFee: number;
}

type Phase = 'build' | 'idle' | 'push' | 'unwind';

/** Blocks a build or an unwind may take before the manipulator stops trying (reverted trades cost gas). */
const MAX_TRIES = 30;

export class Manipulator extends AgentBase<ManipulatorParams> {
  override readonly kind = 'manipulator';
  override readonly phase = 'trade' as const;
  private state: Phase = 'build';
  /** The settlement being attacked, and the last one attacked. */
  private target = 0;
  private lastAttacked = 0;
  private pushed = 0;
  private attacked = 0;
  private huntUntil = 0;
  /** Blocks spent trying to reach a target; a plan the market will not take is dropped. */
  private tries = 0;

  override wake(view: Observation, now: number): Wake {
    if (!view.market(this.p.market, 'open')) return { submissions: [], next: null };
    return this.p.mode === 'funding' ? this.wakeFunding(view, now) : this.wakeHunt(view, now);
  }

  /** Signed notional of its position now (+ long). */
  private held(view: Observation): number {
    const size = view.position(this.ctx.index, this.p.market, 'size');
    return Math.sign(size) * view.position(this.ctx.index, this.p.market, 'notional');
  }

  /** One trade toward `target` signed notional, no bigger than `cap`, the band and the capital allow. */
  private toward(view: Observation, target: number, cap: number, leverage: number): Submission | null {
    const delta = target - this.held(view);
    const side: Side = delta > 0 ? 'long' : 'short';
    const held = this.held(view);
    const reducing = Math.sign(delta) === -Math.sign(held) ? Math.abs(held) : 0;
    const notional = Math.min(
      Math.abs(delta),
      cap,
      maxQuoteWithinBand(view, this.p.market, side),
      feeAffordable(view, this.ctx.index, this.p.market),
      reducing + buyingPower(view, this.ctx.index, this.p.market, leverage),
    );
    if (notional < 10) return null;
    return { action: { kind: 'open', market: this.p.market, side, margin: notional / leverage, leverage }, priorityFee: this.p.priorityFee };
  }

  private wakeFunding(view: Observation, now: number): Wake {
    const p = this.p;
    const dir = p.holdSide === 'short' ? 1 : -1; // the push goes against the receiving side
    const hold = -dir * p.holdMargin * p.holdLeverage;
    const push = hold + dir * p.pushMargin * p.pushLeverage;
    const nextFunding = view.market(p.market, 'nextFundingTime');
    const tolerance = Math.max(10, p.holdMargin * p.holdLeverage * 0.01);
    const submissions: Submission[] = [];
    const step = (target: number, cap: number, leverage: number) => {
      const s = this.toward(view, target, cap, leverage);
      if (s) submissions.push(s);
      return Math.abs(target - this.held(view)) <= tolerance || !s;
    };
    const nextBlock = now + this.ctx.blockTime;

    if (this.state === 'build') {
      const done = step(hold, Number.POSITIVE_INFINITY, p.holdLeverage) || ++this.tries > MAX_TRIES;
      if (done) {
        this.state = 'idle';
        this.tries = 0;
      }
      return { submissions, next: done ? now + 1 : nextBlock };
    }
    if (this.state === 'idle') {
      if (p.rounds > 0 && this.attacked >= p.rounds) return { submissions, next: null };
      // After an attack, wait for its settlement (nextFundingTime moves on).
      if (nextFunding <= this.lastAttacked) return { submissions, next: now + 60 };
      this.target = nextFunding;
      const pushAt = this.target - p.pushLead;
      if (now < pushAt) return { submissions, next: pushAt };
      this.state = 'push';
      this.pushed = 0;
    }
    if (this.state === 'push') {
      if (now >= this.target - p.unwindLead) {
        this.state = 'unwind';
      } else {
        this.pushed++;
        const goal = hold + ((push - hold) * Math.min(this.pushed, p.pushSteps)) / p.pushSteps;
        step(goal, Number.POSITIVE_INFINITY, p.pushLeverage);
        const interval = Math.max(this.ctx.blockTime, Math.floor((p.pushLead - p.unwindLead) / p.pushSteps));
        return { submissions, next: Math.min(now + interval, this.target - p.unwindLead) };
      }
    }
    // Unwind back to the receiving position before the settlement, a piece per block.
    const done = step(hold, Number.POSITIVE_INFINITY, p.pushLeverage) || ++this.tries > MAX_TRIES;
    if (done) {
      this.tries = 0;
      this.state = 'idle';
      this.attacked++;
      this.lastAttacked = this.target;
      return { submissions, next: now + 1 };
    }
    return { submissions, next: nextBlock };
  }

  private wakeHunt(view: Observation, now: number): Wake {
    const p = this.p;
    if (this.huntUntil > 0) {
      if (now < this.huntUntil) return { submissions: [], next: this.huntUntil };
      const s = this.toward(view, 0, Number.POSITIVE_INFINITY, p.pushLeverage);
      if (s) return { submissions: [s], next: now + this.ctx.blockTime };
      this.huntUntil = 0;
      return { submissions: [], next: now + p.huntHold };
    }
    // Find the side with the most notional near maintenance and push against it.
    const maintenance = view.header('maintenanceMarginRatio');
    let longAtRisk = 0;
    let shortAtRisk = 0;
    for (let i = 0; i < view.layout.accounts.length; i++) {
      if (i === this.ctx.index) continue;
      const ratio = view.position(i, p.market, 'marginRatio');
      if (Number.isNaN(ratio) || ratio > maintenance + p.huntBuffer) continue;
      const size = view.position(i, p.market, 'size');
      const notional = view.position(i, p.market, 'notional');
      if (size > 0) longAtRisk += notional;
      else if (size < 0) shortAtRisk += notional;
    }
    if (Math.max(longAtRisk, shortAtRisk) < p.pushMargin * p.pushLeverage * 0.1) return { submissions: [], next: now + p.huntHold };
    const dir = longAtRisk >= shortAtRisk ? -1 : 1;
    const s = this.toward(view, dir * p.pushMargin * p.pushLeverage, Number.POSITIVE_INFINITY, p.pushLeverage);
    this.huntUntil = now + p.huntHold;
    return { submissions: s ? [s] : [], next: now + this.ctx.blockTime };
  }
}
