/**
 * A manipulator. `funding`: holds a position on the side that receives funding and, over the
 * blocks before a settlement, pushes the mark the other way with extra trades so the mark
 * TWAP — and the premium — grow; it unwinds the push just before the settlement, leaving only
 * the receiving position to be paid (the multi-block attack of the seed). `liquidation-hunt`:
 * pushes the price into accounts near maintenance and unwinds after they are liquidated.
 *
 * It trades toward target positions (in signed notional) through the execution module, in
 * children the per-block band, its capital and its slippage limit allow, so the plan survives
 * partial fills. Its cost (slippage, fees, funding on the
 * push, gas) and profit come out of the event log like every agent's.
 */
import type { HedgeParams } from '../sim/engine/hedge-venue.ts';
import type { Observation } from '../sim/engine/observation.ts';
import type { AgentContext, Side, Submission, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';
import { type ExecutionParams, OrderExecutor } from './execution.ts';

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
  /** liquidation-hunt: seconds after the start it begins hunting, and after which it starts no new hunt (0 = no end). */
  readonly huntAfter: number;
  readonly huntUntil: number;
  /** How its orders are worked (slicing and slippage limit). */
  readonly execution: ExecutionParams;
  /** Its hedge venue (the engine hedges every fill; sim/engine/hedge-venue.ts). */
  readonly hedge: HedgeParams;
  readonly latency: number;
  readonly priorityFee: number;
}

type Phase = 'build' | 'idle' | 'push' | 'unwind';

export class Manipulator extends AgentBase<ManipulatorParams> {
  override readonly kind = 'manipulator';
  override readonly phase = 'trade' as const;
  private readonly executor: OrderExecutor;
  private state: Phase = 'build';
  /** The settlement being attacked, and the last one attacked. */
  private target = 0;
  private lastAttacked = 0;
  private pushed = 0;
  private nextPushAt = 0;
  private attacked = 0;
  private huntUntil = 0;
  private huntStage: 'scan' | 'push' | 'unwind' = 'scan';
  /** A liquidation hunt reads other accounts within its buffer above maintenance; the other modes only its own. */
  readonly readsOthers: false | number;

  constructor(ctx: AgentContext, p: ManipulatorParams) {
    super(ctx, p);
    this.readsOthers = p.mode === 'liquidation-hunt' ? Math.max(0, p.huntBuffer) : false;
    this.executor = new OrderExecutor(ctx, p.execution, p.priorityFee, p.latency);
  }

  private started = 0;

  override start(startTime: number): number {
    this.started = startTime;
    return startTime + 1 + (this.p.mode === 'liquidation-hunt' ? this.p.huntAfter : 0);
  }

  override wake(view: Observation, now: number): Wake {
    if (!view.market(this.p.market, 'open')) return { submissions: [], next: null };
    return this.p.mode === 'funding' ? this.wakeFunding(view, now) : this.wakeHunt(view, now);
  }

  /** Works toward `target` signed notional: places the order when it is new, then steps it. */
  private work(view: Observation, now: number, target: number, leverage: number, fresh: boolean): { submissions: Submission[]; next: number | null } {
    if (fresh) this.executor.place({ market: this.p.market, target, leverage, tolerance: Math.max(10, this.p.holdMargin * this.p.holdLeverage * 0.01) }, view, now);
    return this.executor.step(view, now);
  }

  private wakeFunding(view: Observation, now: number): Wake {
    const p = this.p;
    const dir = p.holdSide === 'short' ? 1 : -1; // the push goes against the receiving side
    const hold = -dir * p.holdMargin * p.holdLeverage;
    const push = hold + dir * p.pushMargin * p.pushLeverage;
    const nextFunding = view.market(p.market, 'nextFundingTime');

    if (this.state === 'build') {
      const step = this.work(view, now, hold, p.holdLeverage, this.executor.status === 'idle');
      if (step.next !== null) return step;
      this.state = 'idle';
      return { submissions: step.submissions, next: now + 1 };
    }
    if (this.state === 'idle') {
      if (p.rounds > 0 && this.attacked >= p.rounds) return { submissions: [], next: null };
      // After an attack, wait for its settlement (nextFundingTime moves on).
      if (nextFunding <= this.lastAttacked) return { submissions: [], next: now + 60 };
      this.target = nextFunding;
      const pushAt = this.target - p.pushLead;
      if (now < pushAt) return { submissions: [], next: pushAt };
      this.state = 'push';
      this.pushed = 0;
      this.nextPushAt = now;
    }
    const unwindAt = this.target - p.unwindLead;
    if (this.state === 'push') {
      if (now < unwindAt) {
        // Each push step raises the goal by one step; between them the executor works the order.
        const fresh = now >= this.nextPushAt;
        if (fresh) {
          this.pushed = Math.min(this.pushed + 1, p.pushSteps);
          const interval = Math.max(this.ctx.blockTime, Math.floor((p.pushLead - p.unwindLead) / p.pushSteps));
          this.nextPushAt = now + interval;
        }
        const goal = hold + ((push - hold) * this.pushed) / p.pushSteps;
        const step = this.work(view, now, goal, p.pushLeverage, fresh);
        return { submissions: step.submissions, next: Math.min(step.next ?? Number.POSITIVE_INFINITY, this.nextPushAt, unwindAt) };
      }
      this.state = 'unwind';
      this.work(view, now, hold, p.pushLeverage, true);
    }
    // Unwind back to the receiving position before the settlement.
    const step = this.executor.step(view, now);
    if (step.next !== null) return step;
    this.state = 'idle';
    this.attacked++;
    this.lastAttacked = this.target;
    return { submissions: step.submissions, next: now + 1 };
  }

  private wakeHunt(view: Observation, now: number): Wake {
    const p = this.p;
    if (this.huntStage === 'push') {
      if (now < this.huntUntil) {
        const step = this.executor.step(view, now);
        return { submissions: step.submissions, next: Math.min(step.next ?? this.huntUntil, this.huntUntil) };
      }
      this.huntStage = 'unwind';
      this.work(view, now, 0, p.pushLeverage, true);
    }
    if (this.huntStage === 'unwind') {
      const step = this.executor.step(view, now);
      if (step.next !== null) return step;
      this.huntStage = 'scan';
      return { submissions: step.submissions, next: now + p.huntHold };
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
    this.huntUntil = now + p.huntHold;
    this.huntStage = 'push';
    const step = this.work(view, now, dir * p.pushMargin * p.pushLeverage, p.pushLeverage, true);
    return { submissions: step.submissions, next: Math.min(step.next ?? this.huntUntil, this.huntUntil) };
  }
}
