/**
 * What every agent kind shares: its context (id, account index, random stream), its parameters
 * and their latency, and a first wake-up one second after the start unless the kind says
 * otherwise. A kind adds its decisions (`wake`) and its state.
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { Agent, AgentContext, AgentPhase, MempoolTx, Wake } from './agent.ts';

export abstract class AgentBase<P extends { readonly latency: number }> implements Agent {
  abstract readonly kind: string;
  abstract readonly phase: AgentPhase;
  readonly latency: number;

  constructor(
    protected readonly ctx: AgentContext,
    protected readonly p: P,
  ) {
    this.latency = p.latency;
  }

  get id(): string {
    return this.ctx.id;
  }

  start(startTime: number): number | null {
    return startTime + 1;
  }

  abstract wake(view: Observation, now: number, mempool?: readonly MempoolTx[]): Wake;
}
