/**
 * A worker thread holding one shard of a run's agents. It reads the observation from shared
 * memory and answers the engine's requests on its wake channel until the engine closes it; its
 * agents are built from the same slots and seed as anywhere else, so their decisions do not
 * depend on the thread.
 */
import { workerData } from 'node:worker_threads';
import { Observation } from '../sim/engine/observation.ts';
import type { MempoolTx } from './agent.ts';
import { type AgentHostOptions, createShard, describeAgents, wakeAgents } from './agent-host.ts';
import { serveWakeChannel, type WakeChannelEnds } from './wake-channel.ts';

interface Init extends WakeChannelEnds {
  readonly options: AgentHostOptions;
  readonly indices: number[];
  readonly buffer: SharedArrayBuffer;
}

type Request = { readonly op: 'init'; readonly startTime: number } | { readonly op: 'wake'; readonly indices: number[]; readonly now: number; readonly mempool?: MempoolTx[] };

const init = workerData as Init;
const view = new Observation(init.options.layout, new Float64Array(init.buffer));
const agents = createShard(init.options, init.indices);

serveWakeChannel(init, (message) => {
  const req = message as Request;
  return req.op === 'init' ? describeAgents(agents, req.startTime) : wakeAgents(agents, req.indices, view, req.now, req.mempool);
});
