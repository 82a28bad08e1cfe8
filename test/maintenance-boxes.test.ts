/**
 * Rows of accounts owing no socialised loss stand above maintenance rather than 1.5× it for
 * readers that compare with maintenance (sim/engine/observe.ts): whole runs write the same event
 * log as with every row held above 1.5× maintenance (`VAMM_MAINTENANCE_BOXES=0`), through the
 * liquidations, searchers and hunters of the bundled crashes.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CrashBase, crashHours } from './helpers/crash-bases.ts';
import { runLogHash } from './helpers/log-hash.ts';

describe('boxes at maintenance for accounts owing no socialised loss', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('leave the event log of crash hours as rows held above 1.5x maintenance do', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<CrashBase>('ftx', 'black-thursday', 'may19'),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom('default', 'perp-v1'),
        fc.integer({ min: 8, max: 14 }),
        async (base, seed, profile, fromHour) => {
          const scenario = crashHours(base, 'maintenance-boxes', profile, seed, fromHour);
          vi.stubEnv('VAMM_MAINTENANCE_BOXES', '0');
          const held = await runLogHash(scenario);
          vi.stubEnv('VAMM_MAINTENANCE_BOXES', '1');
          expect(await runLogHash(scenario)).toBe(held);
        },
      ),
      { numRuns: Number(process.env.VAMM_MAINTENANCE_BOXES_RUNS ?? 4) },
    );
  }, 600_000);
});
