/**
 * A manipulator. `funding`: holds a position on the side that receives funding and, over the
 * blocks before a settlement, pushes the mark the other way with extra trades so the mark
 * TWAP — and the premium — grow; it unwinds the push just before the settlement, leaving only
 * the receiving position to be paid (the multi-block attack of the seed). `liquidation-hunt`:
 * pushes the price into accounts near maintenance and unwinds after they are liquidated.
 * Its cost (slippage, fees, funding on the push, gas) and profit come out of the event log.
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { Agent, AgentContext, Side, Submission, Wake } from './agent.ts';
import { maxQuoteWithinBand, positionOf } from './account-view.ts';

export interface ManipulatorParams {
  readonly market: string;
  readonly mode: 'funding' | 'liquidation-hunt';
  /** The receiving position (funding mode): its side and size. */
  readonly holdSide: Side;
  readonly holdMargin: number;
  readonly holdLeverage: number;
  /** The push: total margin and leverage, split into `pushSteps` trades. */
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

type Phase = 'hold' | 'pushing' | 'pushed';

export class Manipulator implements Agent {
  readonly kind = 'manipulator';
  readonly phase = 'trade' as const;
  readonly latency: number;
  private state: Phase = 'hold';
  private target = 0;
  private lastAttacked = 0;
  private stepsDone = 0;
  private attacked = 0;
  private opened = false;
  private huntUntil = 0;
  private huntSide: Side | null = null;

  constructor(
    private readonly ctx: AgentContext,
    private readonly p: ManipulatorParams,
  ) {
    this.latency = p.latency;
  }

  get id(): string {
    return this.ctx.id;
  }

  start(startTime: number): number {
    return startTime + 1;
  }

  /** One trade, cut to what the market's per-block band allows. */
  private trade(view: Observation, side: Side, margin: number, leverage: number): Submission {
    const notional = Math.min(margin * leverage, maxQuoteWithinBand(view, this.p.market, side));
    return { action: { kind: 'open', market: this.p.market, side, margin: notional / leverage, leverage }, priorityFee: this.p.priorityFee };
  }

  wake(view: Observation, now: number): Wake {
    if (!view.market(this.p.market, 'open')) return { submissions: [], next: null };
    return this.p.mode === 'funding' ? this.wakeFunding(view, now) : this.wakeHunt(view, now);
  }

  private wakeFunding(view: Observation, now: number): Wake {
    const p = this.p;
    const pushSide: Side = p.holdSide === 'short' ? 'long' : 'short';
    const nextFunding = view.market(p.market, 'nextFundingTime');
    if (!this.opened) {
      this.opened = true;
      this.target = nextFunding;
      return { submissions: [this.trade(view, p.holdSide, p.holdMargin, p.holdLeverage)], next: Math.max(now + 1, this.target - p.pushLead) };
    }
    if (p.rounds > 0 && this.attacked >= p.rounds) return { submissions: [], next: null };
    if (this.state === 'hold') {
      // After an attack, wait until its settlement has happened (nextFundingTime moved on).
      if (nextFunding <= this.lastAttacked) return { submissions: [], next: now + 60 };
      this.target = nextFunding;
      const pushAt = this.target - p.pushLead;
      if (now < pushAt) return { submissions: [], next: pushAt };
      this.state = 'pushing';
      this.stepsDone = 0;
    }
    const window = Math.max(1, p.pushLead - p.unwindLead);
    if (this.state === 'pushing') {
      this.stepsDone++;
      const sub = this.trade(view, pushSide, p.pushMargin / p.pushSteps, p.pushLeverage);
      if (this.stepsDone >= p.pushSteps) this.state = 'pushed';
      const next = this.state === 'pushed' ? this.target - p.unwindLead : now + Math.max(1, Math.floor(window / p.pushSteps));
      return { submissions: [sub], next: Math.max(now + 1, next) };
    }
    // Unwind the push before the settlement: back to the receiving position.
    this.state = 'hold';
    this.attacked++;
    this.lastAttacked = this.target;
    return { submissions: [this.trade(view, p.holdSide, p.pushMargin, p.pushLeverage)], next: now + p.unwindLead + 1 };
  }

  private wakeHunt(view: Observation, now: number): Wake {
    const p = this.p;
    const pos = positionOf(view, this.ctx.index, p.market);
    if (this.huntSide !== null) {
      if (now < this.huntUntil) return { submissions: [], next: this.huntUntil };
      this.huntSide = null;
      return { submissions: pos.size !== 0 ? [{ action: { kind: 'close', market: p.market }, priorityFee: p.priorityFee }] : [], next: now + p.huntHold };
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
    if (Math.max(longAtRisk, shortAtRisk) < p.pushMargin * p.pushLeverage) return { submissions: [], next: now + p.huntHold };
    this.huntSide = longAtRisk >= shortAtRisk ? 'short' : 'long';
    this.huntUntil = now + p.huntHold;
    return { submissions: [this.trade(view, this.huntSide, p.pushMargin, p.pushLeverage)], next: this.huntUntil };
  }
}
