/**
 * A searcher shown a mempool without a pending liquidation reads no other account, so the
 * engine writes only its own rows for it (simulation.ts `observe`): the same event log as a run
 * that writes every row it might read (`VAMM_SEARCHER_VIEW=full`), in runs where searchers are
 * also shown pending liquidations and read their targets' rows.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MempoolTx } from '../agents/agent.ts';
import { Searcher } from '../agents/searcher.ts';
import { crashHours } from './helpers/crash-bases.ts';
import { runLogHash } from './helpers/log-hash.ts';

/** The run's event log, hashed line by line, with the searcher's view as given. */
async function logHash(scenarioText: string, view: 'full' | 'narrow'): Promise<string> {
  vi.stubEnv('VAMM_SEARCHER_VIEW', view);
  return runLogHash(scenarioText);
}

describe("a searcher's observation without a pending liquidation", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('leaves the event log as the full observation does, through liquidations it is shown', async () => {
    const wakes = vi.spyOn(Searcher.prototype, 'wake');
    let shown = 0;
    let without = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom('default', 'perp-v1'), fc.integer({ min: 8, max: 14 }), async (seed, profile, fromHour) => {
        // Four hours of the crash's day (from 08:00 to 18:00 UTC) on 12 March 2020: public liquidations pending in most blocks of its worst hours.
        const scenario = crashHours('black-thursday', 'searcher-view', profile, seed, fromHour);
        const full = await logHash(scenario, 'full');
        wakes.mockClear();
        const narrow = await logHash(scenario, 'narrow');
        for (const call of wakes.mock.calls) {
          const mempool = (call[2] ?? []) as readonly MempoolTx[];
          if (mempool.some((tx) => tx.action.kind === 'liquidate')) shown++;
          else without++;
        }
        expect(narrow).toBe(full);
      }),
      { numRuns: Number(process.env.VAMM_SEARCHER_VIEW_RUNS ?? 4) },
    );
    wakes.mockRestore();
    // Both kinds of wake happened: searchers read liquidations' targets, and most of their wakes took the narrow view.
    expect(shown).toBeGreaterThan(20);
    expect(without).toBeGreaterThan(shown);
  }, 600_000);
});
