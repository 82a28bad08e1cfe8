/**
 * k changes scheduled in a run: the engine migrates at the given time and probes every open
 * position when its trader next acts. Checked against the model itself: in a `lazy` run the
 * probe's lazy size is exactly the size Perp v1's remap gives that trader at that moment; in an
 * `eager` run the stored sizes are the probe's exact sizes. A migration the contracts would reject is logged, not fatal; one
 * outside the prices is refused with the field named.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../data/input-error.ts';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { type LoggedEvent, MemorySink } from '../sim/engine/event-log.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';

const scenario = (migrations: unknown[]) => ({
  name: 'migration',
  profile: 'default',
  market: { id: 'ETH', depth: '5000000' },
  prices: { file: 'w5_ftx', gapPolicy: 'carry-forward', from: '2022-11-08T00:00', to: '2022-11-08T16:00' },
  insuranceFund: '1000000',
  invariants: 'block',
  migrations,
  agents: [
    { kind: 'noise', count: 10, capital: '20000', params: { meanInterval: 1800 } },
    { kind: 'arbitrageur', count: 1, capital: '2000000', params: { interval: 60 } },
    { kind: 'liquidator', count: 1, capital: '100' },
    { kind: 'keeper', count: 1, capital: '100' },
  ],
});

async function run(migrations: unknown[]) {
  const sink = new MemorySink();
  const { summary } = await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(scenario(migrations)))), { sinks: [sink] });
  return { summary, events: sink.events };
}

const of = (events: LoggedEvent[], type: string) => events.filter((e) => e.type === type);

describe('k changes in a run', () => {
  it('lazy: each probe is the remap Perp v1 applies when the trader acts', async () => {
    const { summary, events } = await run([{ at: '2022-11-08T08:00', multiplier: '2', remap: 'lazy' }]);
    const probes = of(events, 'RemapProbe');
    const acted = probes.filter((p) => p.when === 'action');
    expect(acted.length).toBeGreaterThan(3);
    for (const p of acted) {
      const adjusted = of(events, 'PositionAdjusted').find((a) => a.trader === p.trader);
      expect(adjusted?.newSize).toBe(p.lazySize);
      expect(adjusted?.oldSize).toBe(p.preSize);
    }
    // Those that never acted are probed at the end; every position open at the migration is probed once.
    expect(new Set(probes.map((p) => p.trader)).size).toBe(probes.length);
    expect(summary.migrations[0]).toMatchObject({ multiplier: '2', remap: 'lazy', positions: probes.length });
    // The vault's balance is not checkable after a lazy remap, and is counted so.
    expect((summary.invariants.checks as Record<string, { notApplicable: number }> | null)?.ledger?.notApplicable).toBeGreaterThan(0);
    expect(summary.invariants.violations).toEqual({});
  }, 60_000);

  it('eager: positions hold the exact sizes', async () => {
    const { summary, events } = await run([{ at: '2022-11-08T08:00', multiplier: '0.5', remap: 'eager' }]);
    const adjusted = of(events, 'PositionAdjusted');
    const probes = of(events, 'RemapProbe');
    expect(probes.length).toBeGreaterThan(3);
    for (const p of probes) {
      expect(adjusted.find((a) => a.trader === p.trader)?.newSize).toBe(p.exactSize);
      // Halving the depth: a long grows and a short shrinks (both rise) to keep their exit value.
      expect(BigInt(p.exactSize as string) > BigInt(p.preSize as string)).toBe(true);
    }
    expect(summary.invariants.violations).toEqual({});
  }, 60_000);

  it('logs a migration the contracts would reject and carries on; refuses one outside the prices', async () => {
    const { summary } = await run([{ at: '2022-11-08T08:00', multiplier: '1', remap: 'eager' }]);
    expect(summary.adminFailures).toEqual([expect.objectContaining({ action: 'migrateLiquidity', reason: 'LiquidityMultiplierIsOne' })]);
    expect(summary.migrations).toEqual([]);
    const outside = parseRunScenario(JSON.stringify(scenario([{ at: '2022-11-09T08:00', multiplier: '2', remap: 'eager' }])));
    await expect(resolveRun(outside, { file: 'm.json' })).rejects.toThrow(InputError);
    await expect(resolveRun(outside, { file: 'm.json' })).rejects.toThrow(/migrations\[0\]\.at.*outside the prices/);
  }, 60_000);
});
