/**
 * `vamm liveness [script]`: liveness of the contracts under injected faults. With a script, checks
 * it (e.g. a shortest script the audit wrote to liveness/); without, runs the fault search. Either
 * on this tree's contracts or, with --contracts-ref, on a git ref's. JSON to --out; exit 1 on a
 * violation.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { compileContracts } from '../../contracts/harness/compile.ts';
import { checkoutContractsAt } from '../../contracts/harness/git-ref.ts';
import { checkLiveness } from '../../contracts/harness/liveness.ts';
import { InputError } from '../../data/input-error.ts';
import { FAULTS, type FaultName } from '../../scenarios/liveness/faults.ts';
import { DEFAULT_GAS_BOUND, searchLiveness } from '../../scenarios/liveness/search.ts';
import { loadScript } from '../../scenarios/script-loader.ts';
import { toJson } from '../../sim/state-view.ts';
import { EXIT_FAILED_CHECKS } from '../errors.ts';

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n <= 0) throw new InputError({ file: flag }, `${flag} must be a positive integer, got "${value}"`);
    return n;
  };
}

export function registerLivenessCommand(program: Command): void {
  program
    .command('liveness')
    .description('check liquidation, solvency and admin-gas liveness of the contracts under injected faults')
    .argument('[script]', 'a scripted scenario to check (default: search every fault family)')
    .option('--contracts-ref <ref>', 'the contracts as they were at this git ref (default: this tree)')
    .option('--faults <names>', `comma-separated faults to search (${FAULTS.join(', ')})`)
    .option('--seeds <n>', 'scenarios per fault', positiveInt('--seeds'), 3)
    .option('--gas-bound <gas>', 'most gas an admin transaction may use', positiveInt('--gas-bound'), DEFAULT_GAS_BOUND)
    .option('-o, --out <file>', 'write the result as JSON')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (file: string | undefined, opts: { contractsRef?: string; faults?: string; seeds: number; gasBound: number; out?: string; quiet?: boolean }) => {
      const faults = opts.faults?.split(',').map((f) => f.trim()) as FaultName[] | undefined;
      for (const f of faults ?? []) if (!(FAULTS as readonly string[]).includes(f)) throw new InputError({ file: '--faults' }, `unknown fault "${f}" (faults: ${FAULTS.join(', ')})`);
      const script = file ? loadScript(file) : null;
      const progress = (m: string) => opts.quiet || process.stderr.write(`${m}\n`);
      const checkout = opts.contractsRef ? checkoutContractsAt(opts.contractsRef) : null;
      try {
        progress(`compiling ${checkout ? `the contracts at ${opts.contractsRef} (${checkout.commit.slice(0, 12)})` : 'the contracts'}`);
        const artifacts = compileContracts({ quiet: true, ...(checkout ? { srcDir: checkout.srcDir } : {}) });
        if (script) {
          const run = await checkLiveness(script, { artifacts, gasBound: opts.gasBound });
          for (const v of run.violations) process.stdout.write(`${v.property} violated${v.step >= 0 ? ` after step ${v.step}` : ''}: ${v.message}\n`);
          if (run.violations.length === 0) process.stdout.write(`held: ${Object.entries(run.checks).map(([p, n]) => `${p} (${n} checks)`).join(', ')}\n`);
          if (opts.out) writeFileSync(opts.out, `${JSON.stringify(toJson(run), null, 2)}\n`);
          if (run.violations.length > 0) process.exitCode = EXIT_FAILED_CHECKS;
          return;
        }
        const report = await searchLiveness({ artifacts, seeds: opts.seeds, gasBound: opts.gasBound, ...(faults ? { faults } : {}), onProgress: progress });
        for (const r of report.rows) {
          if (r.status === 'not exercised') continue;
          const v = r.violation;
          process.stdout.write(`${r.status.padEnd(9)} ${r.fault.padEnd(22)} ${r.property.padEnd(15)}${v ? ` shortest script ${v.script.steps.length} steps: ${v.message}` : ` (${r.scenarios} scenarios, ${r.checks} checks)`}\n`);
        }
        if (opts.out) writeFileSync(opts.out, `${JSON.stringify(toJson(report), null, 2)}\n`);
        if (report.rows.some((r) => r.status === 'violated')) process.exitCode = EXIT_FAILED_CHECKS;
      } finally {
        checkout?.remove();
      }
    });
}
