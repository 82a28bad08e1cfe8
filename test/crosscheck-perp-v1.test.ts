/**
 * The perp-v1 twin in CI: Perp v1 2.2.0's own bytecode (@perp/contract) against the model under
 * 2.2.0's rules. Every Perp v1 test script and conformance vector replays with zero divergence;
 * a model that differs is reported at the right step and field; what 2.2.0 cannot express is
 * refused up front as bad input.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../data/input-error.ts';
import { loadReplayInput } from '../contracts/harness/input.ts';
import { checkPerpV1Replayable, replayPerpV1, revertMatches } from '../contracts/harness/perp-v1/replay.ts';
import { toWei } from '../sim/math/units.ts';

const TIMEOUT = 300_000;
const scripts = [
  ...readdirSync('test/perp-v1').map((f) => join('test/perp-v1', f)),
  ...readdirSync('test/vectors').map((f) => join('test/vectors', f)),
  'test/crosscheck/perp-v1-backstop.json',
  'test/crosscheck/perp-v1-backstop-mint.json',
  'test/crosscheck/perp-v1-settlement.json',
  'test/crosscheck/perp-v1-settlement-below-zero.json',
  'test/crosscheck/perp-v1-reversal-dust.json',
];

describe('perp-v1 twin: the model vs Perp v1 2.2.0 bytecode on anvil', () => {
  it('replays every Perp v1 test script and conformance vector with zero divergence', { timeout: TIMEOUT }, async () => {
    let compared = 0;
    const gasOps = new Set<string>();
    for (const file of scripts) {
      const report = await replayPerpV1(loadReplayInput(file));
      expect(report.divergences, file).toEqual([]);
      expect(report.release).toBe('2.2.0');
      compared += report.compared;
      for (const op of Object.keys(report.gas)) gasOps.add(op);
    }
    expect(compared).toBeGreaterThan(100);
    for (const op of ['openPosition', 'closePosition', 'liquidate', 'settleFunding', 'addMargin', 'removeMargin (reverted)']) expect(gasOps, op).toContain(op);
  });

  it('a dry insurance fund reverts with "Fund not enough" on a sub-unit shortfall and mints on a whole-unit one, on the bytecode as in the model', { timeout: TIMEOUT }, async () => {
    const input = loadReplayInput('test/crosscheck/perp-v1-backstop.json');
    const report = await replayPerpV1(input);
    expect(report.divergences).toEqual([]);
    expect(report.gas['settleFunding (reverted)']?.count).toBe(1);
    // One that must mint for a whole-unit shortfall sells PERP at the exchange's ratio and pays.
    const mint = await replayPerpV1(loadReplayInput('test/crosscheck/perp-v1-backstop-mint.json'));
    expect(mint.divergences).toEqual([]);
    expect(mint.gas.settleFunding?.count).toBe(1);
  });

  it('reports a model that differs at the step and field where it does, with the reproducing actions', { timeout: TIMEOUT }, async () => {
    const input = loadReplayInput('test/perp-v1/liquidate-partial-short.json');
    const report = await replayPerpV1(input, {
      // The model's liquidation penalty one basis point off the deployed clearing house's.
      afterSetup: ({ ch }) => {
        (ch.params as { liquidationFeeRatio: bigint }).liquidationFeeRatio += toWei('0.0001');
      },
    });
    const fields = report.divergences.map((d) => d.field);
    expect(fields).toContain('accounts.alice.positions.ETH.margin');
    const first = report.divergences[0]!;
    expect(first.action).toBe('liquidate');
    expect(first.reproduce.at(-1)).toMatchObject({ liquidate: { trader: 'alice' } });
  });

  it('maps Perp v1’s revert strings to the model’s reasons, the token layer’s too', () => {
    expect(revertMatches('BadDebt', 'bad debt')).toBe(true);
    expect(revertMatches('FundNotEnough', 'Fund not enough')).toBe(true);
    expect(revertMatches('InsufficientBalance', 'DecimalERC20: transferFrom failed')).toBe(true);
    expect(revertMatches('BadDebt', 'Margin ratio not meet criteria')).toBe(false);
  });

  it('refuses what 2.2.0 cannot express, every reason at once, as bad input', () => {
    const input = loadReplayInput('scenarios/scripts/whale-liquidation.json');
    let error: unknown;
    try {
      checkPerpV1Replayable(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message).toMatch(/profile "default"/);
    expect(message).toMatch(/step 0: deposit is not part of Perp v1 2\.2\.0/);
    const v1 = loadReplayInput('test/perp-v1/liquidate-partial-short.json');
    const slippage = { ...v1, actions: [...v1.actions, { action: { name: 'liquidate', args: { liquidator: 'carol', trader: 'alice', market: 'ETH', quoteLimit: 1n } } } as never] };
    expect(() => checkPerpV1Replayable(slippage)).toThrow(/liquidateWithSlippage came after 2\.2\.0/);
  });
});
