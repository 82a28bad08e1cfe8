/**
 * A worker thread holding one shard of a run's agents. It reads the observation from shared
 * memory and answers the engine's wake requests; its agents are built from the same slots and
 * seed as anywhere else, so their decisions do not depend on the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Observation } from '../sim/engine/observation.ts';
import type { MempoolTx } from './agent.ts';
import { type AgentHostOptions, createShard, describeAgents, wakeAgents } from './agent-host.ts';

interface Init {
  readonly options: AgentHostOptions;
  readonly indices: number[];
  readonly buffer: SharedArrayBuffer;
}

type Request =
  | { readonly id: number; readonly op: 'init'; readonly startTime: number }
  | { readonly id: number; readonly op: 'wake'; readonly indices: number[]; readonly now: number; readonly mempool?: MempoolTx[] };

const { options, indices, buffer } = workerData as Init;
const view = new Observation(options.layout, new Float64Array(buffer));
const agents = createShard(options, indices);
const port = parentPort;
if (!port) throw new Error('agent-worker must run in a worker thread');

port.on('message', (req: Request) => {
  try {
    const result = req.op === 'init' ? describeAgents(agents, req.startTime) : wakeAgents(agents, req.indices, view, req.now, req.mempool);
    port.postMessage({ id: req.id, result });
  } catch (e) {
    port.postMessage({ id: req.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
