/**
 * The blocks' steps are written once (a generator that yields each set of agents to wake) and run
 * by two drivers: with a host that answers at once (agents in this thread, `wakeNow`) every block
 * runs without an await; with a host that answers later (worker threads) each wake is awaited.
 * Both must give the same log to the byte, over a day with every phase that wakes agents (traders,
 * searchers seeing the mempool, keepers and liquidators after a change), and the in-thread run
 * must never await a wake. The run's blocks are one generator's: either driver gets the run back
 * at each block's close (its progress reports).
 */
import { describe, expect, it } from 'vitest';
import type { AgentHost, AgentInfo, WakeResult } from '../agents/agent-host.ts';
import { LocalAgentHost } from '../agents/agent-host.ts';
import type { MempoolTx } from '../agents/agent.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { MemorySink } from '../sim/engine/event-log.ts';
import { type Progress, Simulation, type SimulationConfig } from '../sim/engine/simulation.ts';
import type { Observation } from '../sim/engine/observation.ts';

const scenario = () =>
  parseRunScenario(
    JSON.stringify({
      name: 'blocks-in-thread',
      profile: 'default',
      seed: 11,
      market: { id: 'ETH', depth: '5000000' },
      prices: { file: 'w1_black_thursday', gapPolicy: 'carry-forward', from: '2020-03-12', to: '2020-03-13' },
      insuranceFund: '100000',
      agents: [
        { kind: 'noise', count: 12, capital: '2500', params: { meanInterval: 1800, medianMargin: 2000, maxLeverage: 10, longBias: 0.7 } },
        { kind: 'arbitrageur', count: 2, capital: '200000', params: { interval: 120, latency: 12 } },
        { kind: 'whale', count: 1, capital: '300000', params: { margin: 150000, leverage: 3, openAfter: 3600 } },
        { kind: 'liquidator', count: 2, capital: '100', params: { latency: 12 } },
        { kind: 'searcher', count: 1, capital: '200000' },
        { kind: 'keeper', count: 1, capital: '100' },
      ],
      gas: { profile: 'l1' },
    }),
  );

/** Counts the wakes a host answered and how: at once, or awaited; each with its phase's first agent and whether a mempool came with it. */
class CountingHost implements AgentHost {
  readonly view: Observation;
  readonly readsViewInThread = true;
  awaited = 0;
  atOnce = 0;
  withMempool = 0;
  /** The in-thread host's wakeNow, or none (the engine then awaits `wake`). */
  readonly wakeNow?: (indices: readonly number[], now: number, mempool?: readonly MempoolTx[]) => WakeResult[];

  constructor(
    private readonly inner: LocalAgentHost,
    answersAtOnce: boolean,
  ) {
    this.view = inner.view;
    if (answersAtOnce) {
      this.wakeNow = (indices, now, mempool) => {
        this.atOnce++;
        if (mempool) this.withMempool++;
        return inner.wakeNow(indices, now, mempool);
      };
    }
  }

  init(start: number): Promise<AgentInfo[]> {
    return this.inner.init(start);
  }

  async wake(indices: readonly number[], now: number, mempool?: readonly MempoolTx[]): Promise<WakeResult[]> {
    this.awaited++;
    if (mempool) this.withMempool++;
    // A later answer, as a worker's would be: after other tasks have had their turn.
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.wake(indices, now, mempool);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

async function run(config: SimulationConfig, answersAtOnce: boolean, onProgress?: (p: Progress) => void) {
  const host = new CountingHost(
    new LocalAgentHost({ slots: config.slots, layout: { markets: config.markets.map((m) => m.id), accounts: config.slots.map((s) => s.id) }, seed: config.seed, blockTime: config.blockTime }),
    answersAtOnce,
  );
  const sink = new MemorySink(true);
  const result = await new Simulation(config, host, sink).run(onProgress);
  return { host, lines: sink.lines, result };
}

describe('blocks run in this thread without awaiting', () => {
  it('give the same log to the byte as blocks that await every wake, and never await', async () => {
    const config = await resolveRun(scenario());
    const now = await run(config, true);
    const later = await run(config, false);
    // Every phase woke agents, searchers with the block's mempool among them.
    expect(now.host.atOnce).toBeGreaterThan(1000);
    expect(now.host.withMempool).toBeGreaterThan(10);
    expect(now.result.actions).toBeGreaterThan(500);
    expect(now.lines.some((l) => l.includes('"type":"PositionLiquidated"'))).toBe(true);
    // The in-thread run never went through the awaited path, and the awaited run woke as often.
    expect(now.host.awaited).toBe(0);
    expect(later.host.atOnce).toBe(0);
    expect(later.host.awaited).toBe(now.host.atOnce);
    expect(later.host.withMempool).toBe(now.host.withMempool);
    expect(later.lines.length).toBe(now.lines.length);
    const firstDiff = later.lines.findIndex((l, i) => l !== now.lines[i]);
    expect(firstDiff, `first difference at line ${firstDiff}`).toBe(-1);
  }, 120_000);

  it('hand the run back at every block close (one generator for the run): progress every 500 blocks with either driver', async () => {
    // Fails when the steps run block after block without yielding at a close (then only the end is reported).
    const config = await resolveRun(scenario());
    for (const answersAtOnce of [true, false]) {
      const reports: number[] = [];
      const { result } = await run(config, answersAtOnce, (p) => reports.push(p.blocks));
      expect(result.blocks).toBeGreaterThan(2000);
      const want = Array.from({ length: Math.floor(result.blocks / 500) }, (_, k) => 500 * (k + 1));
      expect(reports).toEqual([...want, result.blocks]);
    }
  }, 120_000);
});
