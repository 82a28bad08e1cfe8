/**
 * Every engine view stays defined under k changes: random runs with lazy (and eager) remaps at
 * random moments, on both profiles, with leveraged traders, liquidators and keepers, must finish
 * with no invariant violated. Under Perp v1's lazy remap a position's value can revert on its own
 * past curve (Perp v1's views do too); a view that values it without the fallback fails the run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRunScenario, resolveRun } from '../scenarios/run-loader.ts';
import { runSimulation } from '../sim/engine/run-simulation.ts';

const HOURS = ['01', '02', '04', '06', '08', '10', '12', '14'];
const migrationArb = fc.record({
  hour: fc.constantFrom(...HOURS),
  minute: fc.constantFrom('00', '17', '43'),
  multiplier: fc.constantFrom('0.25', '0.5', '0.8', '1.3', '2', '4'),
  remap: fc.constantFrom('lazy', 'lazy', 'eager', 'none'),
});

const scenario = (profile: string, seed: number, migrations: Array<{ hour: string; minute: string; multiplier: string; remap: string }>) => ({
  name: 'migration-property',
  profile,
  seed,
  market: { id: 'ETH', depth: '3000000' },
  prices: { file: 'w5_ftx', gapPolicy: 'carry-forward', from: '2022-11-08T00:00', to: '2022-11-08T16:00' },
  insuranceFund: '1000000',
  invariants: 'block',
  migrations: [...new Map(migrations.map((m) => [`${m.hour}:${m.minute}`, m])).values()]
    .sort((a, b) => `${a.hour}${a.minute}`.localeCompare(`${b.hour}${b.minute}`))
    .map((m) => ({ at: `2022-11-08T${m.hour}:${m.minute}`, multiplier: m.multiplier, remap: m.remap })),
  agents: [
    { kind: 'noise', count: 8, capital: '20000', params: { meanInterval: 1200, minLeverage: 4, maxLeverage: 10 } },
    { kind: 'momentum', count: 2, capital: '50000' },
    { kind: 'arbitrageur', count: 1, capital: '2000000', params: { interval: 60 } },
    { kind: 'liquidator', count: 2, capital: '100' },
    { kind: 'keeper', count: 1, capital: '100' },
  ],
});

describe('engine runs under random k changes', () => {
  it('finish with every invariant held, both profiles', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('default', 'perp-v1'), fc.integer({ min: 1, max: 1_000_000 }), fc.array(migrationArb, { minLength: 1, maxLength: 3 }), async (profile, seed, migrations) => {
        const s = scenario(profile, seed, migrations);
        const { summary } = await runSimulation(await resolveRun(parseRunScenario(JSON.stringify(s))));
        expect(summary.invariants.violations).toEqual({});
      }),
      { numRuns: 40 },
    );
  }, 600_000);
});
