/**
 * The audit's findings are reproduced by scripted scenarios (scenarios/scripts/finding-*.json).
 * Each must pass `vamm script` (every expectation met, every invariant holding), and each must
 * show its finding: the quantity the model records for it is zero before the triggering step
 * and positive after it, or the limitation's revert happens while the full close succeeds.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScript } from '../scenarios/script-loader.ts';
import { resolvePath, runScript, type StepRecord } from '../scenarios/script-runner.ts';
import type { Json } from '../sim/state-view.ts';

const dir = join(import.meta.dirname, '..', 'scenarios', 'scripts');
const load = (name: string) => runScript(parseScript(readFileSync(join(dir, `${name}.json`), 'utf8'), name));
const value = (s: StepRecord, path: string): bigint => BigInt(resolvePath(s.state as Json, path) as string);

describe('finding scripts', () => {
  it('are bundled: one per finding', () => {
    const files = readdirSync(dir).filter((f) => f.startsWith('finding-')).sort();
    expect(files).toEqual([
      'finding-ignored-bad-debt.json',
      'finding-insurance-fund-uncollected.json',
      'finding-reduce-profitable-position.json',
      'finding-vault-overpays-insurance-fund.json',
    ]);
  });

  for (const [name, path, trigger] of [
    ['finding-vault-overpays-insurance-fund', 'vaultOverpaidToInsuranceFund', 'liquidate'],
    ['finding-ignored-bad-debt', 'ignoredBadDebt', 'openPosition'],
    ['finding-insurance-fund-uncollected', 'insuranceFund.uncollected', 'settleFunding'],
  ] as const) {
    it(`${name}: ${path} goes from 0 to positive at the ${trigger}`, () => {
      const run = load(name);
      expect(run.failures).toEqual([]);
      const last = run.steps[run.steps.length - 1]!;
      expect(last.action).toBe(trigger);
      expect(value(run.steps[run.steps.length - 2]!, path)).toBe(0n);
      expect(value(last, path)).toBeGreaterThan(0n);
      for (const c of Object.values(run.invariants ?? {})) expect(c.violations).toBe(0);
    });
  }

  it('F-1 is Perp v1 only: the same liquidation of an isolated position in the default design charges the fund just the shortfall', () => {
    const script = JSON.parse(readFileSync(join(dir, 'finding-vault-overpays-insurance-fund.json'), 'utf8'));
    script.profile = 'default';
    // The default design refuses maintenance at or above the initial margin (review finding 8): just below it.
    script.clearingHouse = { initMarginRatio: '0.05', maintenanceMarginRatio: '0.0499', liquidationFeeRatio: '0.025' };
    delete script.backstopLiquidityProviders;
    script.markets[0].fees = { feeRatio: '0' };
    script.steps = [{ deposit: { trader: 'alice', amount: '5000' } }, { deposit: { trader: 'bob', amount: '5000' } }, ...script.steps.map(({ expect: _e, ...step }: Record<string, unknown>) => step)];
    script.steps[3].openPosition.isolated = true;
    const run = runScript(parseScript(JSON.stringify(script), 'default-variant'));
    expect(run.failures).toEqual([]);
    const last = run.steps[run.steps.length - 1]!;
    const liquidated = (last.events as Array<Record<string, Json>>).find((e) => e.type === 'PositionLiquidated')!;
    expect(liquidated.partial).toBe(false);
    expect(value(last, 'vaultOverpaidToInsuranceFund')).toBe(0n);
    const flows = (last.events as Array<Record<string, Json>>).filter((e) => e.type === 'InsuranceFundFlow');
    // Only the shortfall leaves the fund; no remaining margin is paid in.
    expect(flows.map((f) => f.reason)).toEqual(['bad-debt']);
    expect(-BigInt(flows[0]!.amount as string)).toBe(BigInt(liquidated.badDebt as string));
  });

  it('finding-reduce-profitable-position: the reduction reverts, the full close succeeds (default design)', () => {
    const run = load('finding-reduce-profitable-position');
    expect(run.profile).toBe('default');
    expect(run.failures).toEqual([]);
    const reduce = run.steps.find((s) => s.revert)!;
    expect(reduce.revert?.reason).toBe('OpenNotionalNotPositive');
    const close = run.steps[run.steps.length - 1]!;
    expect(close.action).toBe('closePosition');
    expect(close.ok).toBe(true);
    expect(value(close, 'accounts.alice.positions.ETH.size')).toBe(0n);
  });

  it('each passes `vamm script` (exit 0)', () => {
    for (const f of readdirSync(dir).filter((x) => x.startsWith('finding-'))) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'cli', 'vamm.ts'), 'script', join(dir, f), '--summary'], { encoding: 'utf8' });
      expect(out, f).toMatch(/result: all expectations met/);
    }
  });
});
