/**
 * The gas comparison with Perp v1 measures what its labels say: in both designs the scenario's
 * partial liquidation is partial, its full liquidation closes the whole position with bad debt,
 * nothing labelled reverts, and both twins replay it with zero divergence.
 */
import { describe, expect, it } from 'vitest';
import { GAS_OPERATIONS, gasBesidePerpV1, gasScenario } from '../bench/gas-beside-perp-v1.ts';
import { buildWorld, tryAction } from '../scenarios/script-runner.ts';

describe('gas beside Perp v1', () => {
  for (const design of ['default', 'perp-v1'] as const) {
    it(`${design}: each labelled step does the operation its label names`, () => {
      const { input, labels } = gasScenario(design);
      const header = design === 'perp-v1' ? { ...input.header, clearingHouse: { ...input.header.clearingHouse, release: '2.2.0' as const } } : input.header;
      const world = buildWorld(header);
      const seen = new Set<string>();
      input.actions.forEach(({ action }, i) => {
        const before = world.ch.events.length;
        const { revert } = tryAction(world, action);
        const label = labels.get(i);
        if (!label) return;
        expect(revert, `${label} (step ${i})`).toBeNull();
        seen.add(label);
        const events = world.ch.events.slice(before);
        const liquidated = events.find((e) => e.type === 'PositionLiquidated');
        if (label === 'partial liquidation') expect(liquidated).toMatchObject({ partial: true });
        if (label === 'full liquidation') {
          expect(liquidated).toMatchObject({ partial: false });
          expect(world.ch.position((action.args as { trader: string }).trader, 'ETH').size).toBe(0n);
          expect(events.some((e) => e.type === 'BadDebt' && e.amount > 0n)).toBe(true);
        }
      });
      expect([...seen].sort()).toEqual([...GAS_OPERATIONS].sort());
    });
  }

  it('replays on both twins with zero divergence and reads every operation\'s gas', { timeout: 300_000 }, async () => {
    const c = await gasBesidePerpV1();
    expect(c.divergences).toEqual({ default: 0, perpV1: 0 });
    for (const row of c.rows) {
      expect(row.defaultGas, row.operation).toBeGreaterThan(21_000);
      expect(row.perpV1Gas, row.operation).toBeGreaterThan(21_000);
    }
  });
});
