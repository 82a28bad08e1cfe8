/**
 * The seeded random differential on the perp-v1 twin in CI: random perp-v1 sequences (opens,
 * reduces and reversals, full closes, margin changes, time and block advances, index moves,
 * funding settlements, whale pushes and liquidation cascades, parameter changes, a shutdown
 * with settlements) over random variants (toll and spread, a fluctuation band, caps, a rich,
 * small or dry insurance fund, liquidation ratios), replayed on Perp v1 2.2.0's bytecode and
 * compared to the wei after every step. A failure is shrunk to a short script and printed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayInputFromJson } from '../contracts/harness/input.ts';
import { type DifferentialReport, formatReproduction, runPerpV1Differential } from '../contracts/harness/perp-v1/differential.ts';
import { replayPerpV1 } from '../contracts/harness/perp-v1/replay.ts';
import type { World } from '../scenarios/script-runner.ts';

const TIMEOUT = 600_000;
/** The seed CI replays; `npm run bench` runs others (bench/perp-v1-differential.ts). */
const CI_SEED = 20261121;

describe('perp-v1 twin: seeded random differential against Perp v1 2.2.0 bytecode', () => {
  it('≥ 1,000 compared steps of random sequences agree to the wei, exercising every mechanism', { timeout: TIMEOUT }, async () => {
    const report = await runPerpV1Differential({ seed: CI_SEED, minCompared: 1000 });
    if (report.failure) expect.fail(formatReproduction(report.failure));
    expect(report.compared).toBeGreaterThanOrEqual(1000);
    expect(report.reverted).toBeGreaterThan(50); // reverts are compared too
    const c = (key: string) => report.coverage[key] ?? 0;
    for (const key of ['PositionLiquidated (partial)', 'PositionLiquidated (full)', 'FundingSettled', 'BadDebt', 'RestrictionModeEntered', 'MarginChanged', 'Shutdown', 'PositionSettled', 'ParameterChanged']) {
      expect(c(key), key).toBeGreaterThan(0);
    }
    for (const reason of ['MarginRatioNotMet', 'PriceOverFluctuationLimit', 'FundNotEnough', 'OnlyOneActionAllowed', 'MarginNotEnough']) expect(c(`revert ${reason}`), reason).toBeGreaterThan(0);
  });

  it('finds a model one basis point off and shrinks it to a short script that diverges only with the fault', { timeout: TIMEOUT }, async () => {
    // The model's liquidation penalty one basis point above the deployed clearing house's: the
    // first liquidation differs, dozens of steps into the first sequence.
    const fault = ({ ch }: World) => {
      (ch.params as { liquidationFeeRatio: bigint }).liquidationFeeRatio += 10n ** 14n;
    };
    const report: DifferentialReport = await runPerpV1Differential({ seed: CI_SEED, minCompared: 1000, afterSetup: fault });
    const failure = report.failure!;
    expect(failure).not.toBeNull();
    expect(failure.failure.kind).toBe('divergence');
    expect(failure.firstFailure.kind === 'divergence' && failure.firstFailure.divergence.action).toBe('liquidate');
    // Shorter than the sequence cut after the failing step: actions before it were removed too.
    expect(failure.firstFailure.step).toBeGreaterThan(10);
    expect(failure.actionsAfter).toBeLessThanOrEqual(8);
    expect(failure.actionsAfter).toBeLessThan(failure.firstFailure.step);
    const printed = formatReproduction(failure);
    expect(printed).toContain('vamm crosscheck --twin perp-v1');
    // The printed script is the reproduction: it diverges with the fault and agrees without it.
    const script = JSON.parse(printed.slice(printed.indexOf('{'))) as Record<string, unknown>;
    const input = replayInputFromJson(script, 'reproduction.json');
    expect((await replayPerpV1(input, { afterSetup: fault })).divergences.length).toBeGreaterThan(0);
    expect((await replayPerpV1(input)).divergences).toEqual([]);
  });

  it('vamm crosscheck --twin perp-v1 --random runs it from the command line and writes JSON', { timeout: TIMEOUT }, () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vamm-differential-')), 'report.json');
    const cli = spawnSync(process.execPath, ['bin/vamm.mjs', 'crosscheck', '--twin', 'perp-v1', '--random', '40', '--seed', '7', '--out', out, '--quiet'], { encoding: 'utf8', timeout: TIMEOUT });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/perp-v1 random differential \(seed 7\): \d+ sequences?, [\d,]+ steps, [\d,]+ compared/);
    expect(cli.stdout).toContain('divergences: none');
    const json = JSON.parse(readFileSync(out, 'utf8')) as DifferentialReport;
    expect(json.compared).toBeGreaterThanOrEqual(40);
    expect(json.failure).toBeNull();
    const bad = spawnSync(process.execPath, ['bin/vamm.mjs', 'crosscheck', '--random', '40'], { encoding: 'utf8', timeout: TIMEOUT });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--random: the random differential runs on --twin perp-v1/);
  });
});
