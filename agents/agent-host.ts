/**
 * Where agents run. The engine asks a host to wake a set of agents on the current observation
 * and gets their submissions back in the order it asked; a host runs them in this thread or
 * sharded over worker threads, with identical results (agents own their randomness and only
 * read the observation).
 */
import { Observation, type ObservationLayout, observationLength } from '../sim/engine/observation.ts';
import type { Agent, AgentPhase, LookPromise, MempoolTx, Submission } from './agent.ts';
import { type AgentSlot, createAgent } from './registry.ts';

export interface AgentInfo {
  readonly index: number;
  readonly id: string;
  readonly kind: string;
  readonly phase: AgentPhase;
  readonly latency: number;
  readonly wakesOnChange: boolean;
  /** Agent.readsOthers, with `null` for every account. */
  readonly readsOthers: false | number | null;
  /** Agent.readsOthersOnlyForPendingLiquidations. */
  readonly readsOthersOnlyForPendingLiquidations: boolean;
  /** First wake-up, or null. */
  readonly first: number | null;
}

export interface WakeResult {
  readonly index: number;
  readonly submissions: readonly Submission[];
  readonly next: number | null;
  /** Wake.quiet, or null. */
  readonly quiet: LookPromise | null;
}

export interface AgentHostOptions {
  readonly slots: readonly AgentSlot[];
  readonly layout: ObservationLayout;
  readonly seed: number;
  readonly blockTime: number;
}

export interface AgentHost {
  /** The observation the engine fills before each wake (shared memory for worker hosts). */
  readonly view: Observation;
  /**
   * Whether the agents read `view` itself, in this thread, while `wake` runs: then rows may be
   * valued when first read (`Observation.deferRows`). Worker threads read their own copies.
   */
  readonly readsViewInThread: boolean;
  init(startTime: number): Promise<AgentInfo[]>;
  wake(indices: readonly number[], now: number, mempool?: readonly MempoolTx[]): Promise<WakeResult[]>;
  /**
   * `wake` answered at once, for a host whose agents run in this thread: the engine then runs
   * each block without an await (no promise and no microtask turn per wake).
   */
  wakeNow?(indices: readonly number[], now: number, mempool?: readonly MempoolTx[]): WakeResult[];
  close(): Promise<void>;
}

/** Wakes the given agents of a shard on an observation: shared by the local host and the workers. */
export function wakeAgents(agents: ReadonlyMap<number, Agent>, indices: readonly number[], view: Observation, now: number, mempool?: readonly MempoolTx[]): WakeResult[] {
  return indices.map((index) => {
    const agent = agents.get(index);
    if (!agent) throw new Error(`agent ${index} is not on this host`);
    const w = agent.wake(view, now, mempool);
    return { index, submissions: w.submissions, next: w.next, quiet: w.quiet ?? null };
  });
}

export function createShard(o: AgentHostOptions, indices: readonly number[]): Map<number, Agent> {
  const markets = o.layout.markets;
  return new Map(indices.map((i) => [i, createAgent(o.slots[i] as AgentSlot, o.seed, markets, o.blockTime)]));
}

export function describeAgents(agents: ReadonlyMap<number, Agent>, startTime: number): AgentInfo[] {
  return [...agents].map(([index, a]) => ({
    index,
    id: a.id,
    kind: a.kind,
    phase: a.phase,
    latency: a.latency,
    wakesOnChange: a.wakesOnChange ?? false,
    readsOthers: a.readsOthers ?? null,
    readsOthersOnlyForPendingLiquidations: a.readsOthersOnlyForPendingLiquidations ?? false,
    first: a.start(startTime),
  }));
}

/** All agents in this thread. */
export class LocalAgentHost implements AgentHost {
  readonly view: Observation;
  readonly readsViewInThread = true;
  private readonly agents: Map<number, Agent>;

  constructor(o: AgentHostOptions) {
    this.view = new Observation(o.layout, new Float64Array(observationLength(o.layout)));
    this.agents = createShard(o, o.slots.map((s) => s.index));
  }

  async init(startTime: number): Promise<AgentInfo[]> {
    return describeAgents(this.agents, startTime);
  }

  async wake(indices: readonly number[], now: number, mempool?: readonly MempoolTx[]): Promise<WakeResult[]> {
    return wakeAgents(this.agents, indices, this.view, now, mempool);
  }

  wakeNow(indices: readonly number[], now: number, mempool?: readonly MempoolTx[]): WakeResult[] {
    return wakeAgents(this.agents, indices, this.view, now, mempool);
  }

  async close(): Promise<void> {}
}
