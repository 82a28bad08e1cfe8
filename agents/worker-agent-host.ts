/**
 * Agents sharded over threads, in lock-step per block: the engine writes the observation into
 * shared memory, every shard wakes its agents on it, the engine merges the answers in the order
 * it asked. Shard 1 runs in the engine's own thread (it would otherwise wait idle for the
 * workers), the others in worker threads, with requests and answers over `wake-channel.ts`
 * rather than the event loop. A worker that dies or errors fails the run with the agent it was
 * waking, never hangs it.
 */
import { Observation, observationLength } from '../sim/engine/observation.ts';
import type { Agent, MempoolTx } from './agent.ts';
import { type AgentHost, type AgentHostOptions, type AgentInfo, createShard, describeAgents, type WakeResult, wakeAgents } from './agent-host.ts';
import { WakeChannelClient } from './wake-channel.ts';
import { workerModule } from '../scenarios/worker-bundle.ts';

/** A worker holding the agents `indices`. */
interface Shard {
  readonly indices: ReadonlySet<number>;
  readonly channel: WakeChannelClient;
}

export class WorkerAgentHost implements AgentHost {
  readonly readsViewInThread = false;
  readonly view: Observation;
  private readonly buffer: SharedArrayBuffer;
  /** Shard 1's agents, woken in the engine's own thread while the workers wake theirs. */
  private readonly local: Map<number, Agent>;
  private workers: Shard[] = [];

  constructor(
    private readonly options: AgentHostOptions,
    private readonly threads: number,
  ) {
    this.buffer = new SharedArrayBuffer(observationLength(options.layout) * Float64Array.BYTES_PER_ELEMENT);
    this.view = new Observation(options.layout, new Float64Array(this.buffer));
    this.local = createShard(options, this.shardIndices(0));
  }

  private get shardCount(): number {
    return Math.max(1, Math.min(this.threads, this.options.slots.length));
  }

  /** Round-robin, so every shard gets a mix of kinds. */
  private shardIndices(w: number): number[] {
    return this.options.slots.filter((s) => s.index % this.shardCount === w).map((s) => s.index);
  }

  async init(startTime: number): Promise<AgentInfo[]> {
    // The agents' code compiled into one module (as the batch pool's workers load it): a worker
    // starts without transforming every module through tsx.
    const module = await workerModule(new URL('./agent-worker.ts', import.meta.url), new URL('./agent-worker.mjs', import.meta.url));
    const n = this.shardCount;
    this.workers = Array.from({ length: n - 1 }, (_, i) => {
      const indices = this.shardIndices(i + 1);
      const data = { options: this.options, indices, buffer: this.buffer };
      return { indices: new Set(indices), channel: new WakeChannelClient(new URL(module), data, `agent worker ${i + 2}/${n}`) };
    });
    for (const s of this.workers) s.channel.send({ op: 'init', startTime });
    const parts: AgentInfo[][] = [describeAgents(this.local, startTime)];
    for (const s of this.workers) parts.push((await s.channel.answer()) as AgentInfo[]);
    return parts.flat().sort((a, b) => a.index - b.index);
  }

  async wake(indices: readonly number[], now: number, mempool?: readonly MempoolTx[]): Promise<WakeResult[]> {
    // The workers are asked first and the local shard decides while they do; a block whose due
    // agents are all local sends nothing.
    const asked: Shard[] = [];
    for (const shard of this.workers) {
      const mine = indices.filter((i) => shard.indices.has(i));
      if (mine.length === 0) continue;
      shard.channel.send({ op: 'wake', indices: mine, now, ...(mempool ? { mempool } : {}) });
      asked.push(shard);
    }
    const byIndex = new Map<number, WakeResult>();
    const mine = indices.filter((i) => this.local.has(i));
    if (mine.length > 0) for (const r of wakeAgents(this.local, mine, this.view, now, mempool)) byIndex.set(r.index, r);
    for (const shard of asked) for (const r of (await shard.channel.answer()) as WakeResult[]) byIndex.set(r.index, r);
    return indices.map((i) => byIndex.get(i) as WakeResult);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((s) => s.channel.close()));
  }
}
