/**
 * Agents sharded over worker threads, in lock-step per block: the engine writes the
 * observation into shared memory, every shard wakes its agents on it, the engine merges the
 * answers in the order it asked. A worker that dies or errors fails the run with the agent
 * it was waking, never hangs it.
 */
import { Worker } from 'node:worker_threads';
import { Observation, observationLength } from '../sim/engine/observation.ts';
import type { MempoolTx } from './agent.ts';
import type { AgentHost, AgentHostOptions, AgentInfo, WakeResult } from './agent-host.ts';

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

class Shard {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;

  constructor(
    readonly worker: Worker,
    readonly indices: ReadonlySet<number>,
    private readonly label: string,
  ) {
    worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(`${this.label}: ${m.error}`));
      else p.resolve(m.result);
    });
    const fail = (e: Error) => {
      this.failure = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', (e) => fail(new Error(`${this.label} crashed: ${e.message}`)));
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`${this.label} exited with code ${code}`));
    });
  }

  request<T>(message: object): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, ...message });
    });
  }
}

export class WorkerAgentHost implements AgentHost {
  readonly view: Observation;
  private readonly shards: Shard[];

  constructor(o: AgentHostOptions, threads: number) {
    const buffer = new SharedArrayBuffer(observationLength(o.layout) * Float64Array.BYTES_PER_ELEMENT);
    this.view = new Observation(o.layout, new Float64Array(buffer));
    const n = Math.max(1, Math.min(threads, o.slots.length));
    this.shards = Array.from({ length: n }, (_, w) => {
      // Round-robin, so every shard gets a mix of kinds.
      const indices = o.slots.filter((s) => s.index % n === w).map((s) => s.index);
      const worker = new Worker(new URL('./agent-worker.mjs', import.meta.url), { workerData: { options: o, indices, buffer } });
      return new Shard(worker, new Set(indices), `agent worker ${w + 1}/${n}`);
    });
  }

  async init(startTime: number): Promise<AgentInfo[]> {
    const parts = await Promise.all(this.shards.map((s) => s.request<AgentInfo[]>({ op: 'init', startTime })));
    return parts.flat().sort((a, b) => a.index - b.index);
  }

  async wake(indices: readonly number[], now: number, mempool?: readonly MempoolTx[]): Promise<WakeResult[]> {
    const byIndex = new Map<number, WakeResult>();
    await Promise.all(
      this.shards.map(async (shard) => {
        const mine = indices.filter((i) => shard.indices.has(i));
        if (mine.length === 0) return;
        for (const r of await shard.request<WakeResult[]>({ op: 'wake', indices: mine, now, ...(mempool ? { mempool } : {}) })) byIndex.set(r.index, r);
      }),
    );
    return indices.map((i) => byIndex.get(i) as WakeResult);
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.worker.terminate()));
  }
}
