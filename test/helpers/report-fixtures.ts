/**
 * Fixtures of the report tests: the six-hour crash run made with the real `vamm run`, and an
 * audit config over the fixture contracts, that run, the finding scripts and (optionally) the
 * fixture cross-check result.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'reports');
export const FINDING_SCRIPTS = [
  'finding-vault-overpays-insurance-fund',
  'finding-ignored-bad-debt',
  'finding-insurance-fund-uncollected',
  'finding-reduce-profitable-position',
] as const;

export function vamm(args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'cli', 'vamm.ts'), ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `vamm run` of the six-hour Black Thursday fixture into `out`. */
export function runCrashHours(out: string): void {
  vamm(['run', join(FIXTURES, 'crash-hours.json'), '-q', '--out', out]);
}

export function writeAuditConfig(file: string, o: { runDir: string; crosscheck: boolean; contracts?: string }): void {
  const config = {
    title: 'Fixture audit',
    profile: 'default',
    contracts: { dir: o.contracts ?? join(FIXTURES, 'contracts', 'src') },
    runs: [o.runDir],
    scripts: [join(ROOT, 'scenarios', 'scripts', 'whale-liquidation.json')],
    crosscheck: o.crosscheck ? [join(FIXTURES, 'crosscheck-whale.json')] : [],
    findings: FINDING_SCRIPTS.map((s, i) => ({
      id: `F-${i + 1}`,
      title: `finding ${i + 1}`,
      severity: (['medium', 'medium', 'low', 'low'] as const)[i],
      affects: 'the fixture',
      description: `reproduced by ${s}`,
      script: join(ROOT, 'scenarios', 'scripts', `${s}.json`),
      recommendation: 'fix it',
    })),
    recommendations: ['size the fund'],
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
}
