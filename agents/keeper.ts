/**
 * The funding keeper: settles funding when it falls due — on time, late by a delay, or (with
 * a miss probability, or `never`) not at all: the fault injection for keeper liveness.
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { AgentContext, QuietUntilDue, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';

export interface KeeperParams {
  readonly market: string;
  /** Seconds after the funding time it acts. */
  readonly delay: number;
  /** Probability of missing a settlement entirely (it tries again at the next one). */
  readonly missProbability: number;
  readonly never: boolean;
  readonly latency: number;
  readonly priorityFee: number;
}

export class FundingKeeper extends AgentBase<KeeperParams> {
  override readonly kind = 'keeper';
  /** It reads only its own account's rows. */
  readonly readsOthers = false;
  override readonly phase = 'keeper' as const;
  /** A look before its next settlement does nothing but wake again then. */
  private readonly quiet: QuietUntilDue;

  constructor(ctx: AgentContext, p: KeeperParams) {
    super(ctx, p);
    this.quiet = { kind: 'untilDue', market: p.market, delay: p.delay };
  }

  override start(startTime: number): number | null {
    return this.p.never ? null : startTime + 1;
  }

  override wake(view: Observation, now: number): Wake {
    const due = view.market(this.p.market, 'nextFundingTime');
    if (!view.market(this.p.market, 'open')) return { submissions: [], next: null };
    if (now < due + this.p.delay) return { submissions: [], next: due + this.p.delay, quiet: this.quiet };
    // Check again a little later: by then nextFundingTime has moved past this settlement.
    const next = now + Math.max(this.ctx.blockTime, 60);
    if (this.ctx.rng.next() < this.p.missProbability) return { submissions: [], next: due + 3600, quiet: this.quiet };
    return { submissions: [{ action: { kind: 'settleFunding', market: this.p.market }, priorityFee: this.p.priorityFee }], next, quiet: this.quiet };
  }
}
