/**
 * Rows of accounts owing no socialised loss stand above maintenance rather than 1.5× it for
 * readers that compare with maintenance (sim/engine/observe.ts): whole runs write the same event
 * log as with every row held above 1.5× maintenance (`VAMM_MAINTENANCE_BOXES=0`), through the
 * liquidations, searchers and hunters of the bundled crashes.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CRASH_BASES, type CrashBase, bundledScenario, dateAt } from './helpers/crash-bases.ts';
import { runLogHash } from './helpers/log-hash.ts';

async function logHash(scenarioText: string, boxes: '0' | '1'): Promise<string> {
  vi.stubEnv('VAMM_MAINTENANCE_BOXES', boxes);
  return runLogHash(scenarioText);
}

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
        async (name, seed, profile, fromHour) => {
          const base = CRASH_BASES[name];
          // Four hours of the crash's day.
          const scenario = JSON.stringify({
            ...bundledScenario(base.file),
            name: 'maintenance-boxes',
            profile,
            seed,
            prices: { file: base.prices, gapPolicy: 'carry-forward', from: dateAt(base.from, fromHour * 60), to: dateAt(base.from, (fromHour + 4) * 60) },
          });
          const held = await logHash(scenario, '0');
          expect(await logHash(scenario, '1')).toBe(held);
        },
      ),
      { numRuns: Number(process.env.VAMM_MAINTENANCE_BOXES_RUNS ?? 4) },
    );
  }, 600_000);
});
