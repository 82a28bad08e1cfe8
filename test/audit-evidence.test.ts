/**
 * The audit out of the box: the bundled config carries cross-check evidence and says how to
 * make every piece of its evidence; `vamm audit` lists everything missing at once (with the
 * commands), and `--make` makes it and then builds the report.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAuditConfig } from '../reports/audit/config.ts';
import { describeMissing, missingEvidence, recipeCommand } from '../reports/audit/needs.ts';
import { vammCli } from './helpers/cli.ts';
import { FIXTURES, ROOT } from './helpers/report-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'vamm-audit-make-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the default design's audit config", () => {
  const config = loadAuditConfig(join(ROOT, 'scenarios', 'audit', 'default-design.json'));

  it('carries cross-check evidence: the mechanisms script and a day of agent trading, replayed on the contracts', () => {
    expect(config.crosscheck.map((f) => relative(ROOT, f))).toEqual(['runs/crosscheck/mechanisms.json', 'runs/crosscheck/crosscheck-black-thursday-seed1.json']);
  });

  it('says how to make every piece of its evidence, each from a file in the repository or a run it makes first', () => {
    const made = new Set(config.recipes.map((r) => (r.kind === 'run' ? r.dir : r.out)));
    for (const path of [...config.runs, ...config.crosscheck]) expect(made, path).toContain(path);
    for (const r of config.recipes) {
      if (r.kind === 'run') expect(existsSync(r.scenario), r.scenario).toBe(true);
      else expect(existsSync(r.input) || config.runs.includes(r.input), r.input).toBe(true);
    }
    expect(recipeCommand(config.recipes.find((r) => r.kind === 'crosscheck' && r.input.endsWith('-seed1'))!, ROOT)).toBe(
      'vamm crosscheck runs/crosscheck-black-thursday-seed1 --out runs/crosscheck/crosscheck-black-thursday-seed1.json',
    );
  });

  it('lists everything that is missing at once, each with its command', () => {
    const missing = missingEvidence({ ...config, runs: config.runs.map((r) => join(dir, relative(ROOT, r))), crosscheck: config.crosscheck.map((c) => join(dir, relative(ROOT, c))), recipes: [] });
    expect(missing).toHaveLength(9);
    expect(describeMissing(missing, dir)).toMatch(/^the audit needs 9 pieces of evidence that are not there:\n {2}runs\/black-thursday-2020-seed1: no such run folder;/);
  });
});

describe('vamm audit --make', () => {
  it('makes the missing run and cross-check, then builds the audit with that evidence; a second time it makes nothing', async () => {
    const config = join(dir, 'audit.json');
    writeFileSync(
      config,
      JSON.stringify({
        title: 'Made audit',
        contracts: { dir: join(FIXTURES, 'contracts', 'src') },
        runs: [{ dir: 'runs/crash-hours', scenario: join(FIXTURES, 'crash-hours.json') }],
        crosscheck: [{ out: 'runs/crosscheck/mechanisms.json', input: join(ROOT, 'test', 'crosscheck', 'mechanisms.json') }],
      }),
    );
    const listed = await vammCli(['audit', config, '--out', join(dir, 'out'), '--no-pdf']);
    expect(listed.code).toBe(2);
    expect(listed.stderr).toMatch(/needs 2 pieces of evidence[\s\S]*make them all with: vamm audit .*audit\.json --make/);
    const made = await vammCli(['audit', config, '--out', join(dir, 'out'), '--no-pdf', '--make']);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toMatch(/making 2 missing pieces of evidence:\n {2}vamm run .*crash-hours\.json --out .*runs\/crash-hours\n {2}vamm crosscheck .*mechanisms\.json --out .*runs\/crosscheck\/mechanisms\.json/);
    // The cross-check's progress names its set-up phases before any step (the compile can take half a minute).
    expect(made.stderr).toMatch(/crosscheck [\w-]+: compiling contracts \(\d+s\)\n[\s\S]*: starting anvil and deploying \(/);
    const audit = JSON.parse(readFileSync(join(dir, 'out', 'audit.json'), 'utf8'));
    expect(audit.crosscheck).toHaveLength(1);
    expect(audit.crosscheck[0].divergences).toEqual([]);
    expect(audit.runs).toHaveLength(1);
    expect(readFileSync(join(dir, 'out', 'audit.md'), 'utf8')).not.toContain('not provided');
    const again = await vammCli(['audit', config, '--out', join(dir, 'out'), '--no-pdf', '--make']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/making/);
  }, 600_000);
});
