/**
 * Runs a resolved simulation end to end: picks the agent host (this thread, or sharded over
 * worker threads), streams the event log to its sinks, builds the summary, and always closes
 * the workers.
 */
import { LocalAgentHost, type AgentHost, type AgentHostOptions } from '../../agents/agent-host.ts';
import { WorkerAgentHost } from '../../agents/worker-agent-host.ts';
import { type EventSink, TeeSink } from './event-log.ts';
import type { Progress, RunResult, SimulationConfig } from './simulation.ts';
import { Simulation } from './simulation.ts';
import { type RunSummary, SummaryBuilder } from './summary.ts';

export interface RunOptions {
  /** Worker threads for the agents (1 = this thread). */
  readonly agentThreads?: number;
  readonly sinks?: readonly EventSink[];
  readonly onProgress?: (p: Progress) => void;
}

export function hostFor(config: SimulationConfig, threads: number): AgentHost {
  const options: AgentHostOptions = {
    slots: config.slots,
    layout: { markets: config.markets.map((m) => m.id), accounts: config.slots.map((s) => s.id) },
    seed: config.seed,
    blockTime: config.blockTime,
  };
  return threads > 1 ? new WorkerAgentHost(options, threads) : new LocalAgentHost(options);
}

export async function runSimulation(config: SimulationConfig, o: RunOptions = {}): Promise<{ result: RunResult; summary: RunSummary; builder: SummaryBuilder }> {
  const builder = new SummaryBuilder();
  const host = hostFor(config, o.agentThreads ?? 1);
  try {
    const sim = new Simulation(config, host, new TeeSink([builder, ...(o.sinks ?? [])]));
    const result = await sim.run(o.onProgress);
    return { result, summary: builder.result(), builder };
  } finally {
    await host.close();
  }
}
