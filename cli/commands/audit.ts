/**
 * `vamm audit <config.json>`: the audit report (HTML, Markdown, JSON, PDF) from an audit config:
 * contract scope with hashes, protocol parameters, invariant counts from runs and scripts,
 * cross-check evidence, stress results, findings each reproduced by its script.
 *
 * Evidence that is not there yet (run folders, cross-check results) is listed all at once with
 * the commands that make it; `--make` makes it first. The output folder is replaced whole, and
 * only when the report is built.
 */
import type { Command } from 'commander';
import { StagedFolder } from '../../data/staged-folder.ts';
import { loadAuditConfig } from '../../reports/audit/config.ts';
import { describeMissing, missingEvidence, recipeCommand } from '../../reports/audit/needs.ts';
import { writeAudit } from '../../reports/audit/write-audit.ts';
import { bytes } from '../../reports/format.ts';
import { EXIT_FAILED_CHECKS, UsageError } from '../errors.ts';
import { crosscheck, loadInput } from './crosscheck.ts';
import { runToFolder } from './run.ts';

const AUDIT_FILES = ['audit.html', 'audit.md', 'audit.json', 'audit.pdf'] as const;

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('write the audit report (audit.html, audit.md, audit.json, audit.pdf) from an audit config')
    .argument('<config>', 'audit config JSON (see docs/REPORTS.md)')
    .option('-o, --out <dir>', 'output folder (replaced whole when the report is built)', 'out/audit')
    .option('--make', 'first make the evidence the config says how to make and that is not there (runs, cross-checks)')
    .option('--no-pdf', 'skip the PDF (printed by headless Chromium: $VAMM_CHROMIUM, /usr/bin/chromium or the npm one)')
    .option('--contracts-ref <ref>', 'audit the contracts as they were at this git ref (scope and liveness checks)')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (file: string, opts: { out: string; make?: boolean; pdf: boolean; quiet?: boolean; contractsRef?: string }) => {
      const config = loadAuditConfig(file);
      const staged = StagedFolder.begin(opts.out, { flag: '--out', outputs: AUDIT_FILES, writer: 'vamm audit' });
      try {
        const missing = missingEvidence(config);
        if (missing.length > 0) {
          const unmakeable = missing.filter((m) => !m.recipe);
          if (!opts.make || unmakeable.length > 0) {
            throw new UsageError(`${describeMissing(missing)}\n${unmakeable.length === 0 ? `make them all with: vamm audit ${file} --make` : 'add how to make them to the config, or make them yourself'}`);
          }
          // Runs first: a cross-check may replay one of them.
          const recipes = missing.map((m) => m.recipe!).sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'run' ? -1 : 1));
          recipes.forEach((r, i) => process.stderr.write(`${i === 0 ? `making ${recipes.length} missing piece${recipes.length === 1 ? '' : 's'} of evidence:\n` : ''}  ${recipeCommand(r)}\n`));
          for (const r of recipes) {
            if (r.kind === 'run') await runToFolder(r.scenario, { ...(r.seed === undefined ? {} : { seed: r.seed }), out: r.dir, quiet: opts.quiet ?? false, command: recipeCommand(r) });
            else await crosscheck(await loadInput(r.input), { out: r.out, views: r.views, quiet: opts.quiet ?? false });
          }
        }
        const started = performance.now();
        const r = await writeAudit(config, staged.path, {
          pdf: opts.pdf,
          generated: new Date().toISOString().slice(0, 10),
          ...(opts.contractsRef ? { contractsRef: opts.contractsRef } : {}),
          ...(opts.quiet ? {} : { onProgress: (m: string) => process.stderr.write(`liveness: ${m}\n`) }),
        });
        staged.commit();
        const seconds = (performance.now() - started) / 1000;
        const at = (p: string | null) => p && p.replace(staged.path, staged.target);
        process.stdout.write(`${at(r.html)} (${bytes(r.bytes.html)}), ${at(r.markdown)}, ${at(r.json)}${r.pdf ? `, ${at(r.pdf)} (${bytes(r.bytes.pdf ?? 0)})` : ''} in ${seconds.toFixed(1)} s\n`);
        const failures: string[] = [];
        for (const f of r.model.findings.filter((x) => !x.reproduced)) failures.push(`finding ${f.finding.id} is not reproduced by ${f.finding.script}: ${f.script.failures.join('; ') || 'no expectations'}`);
        const scriptViolations = r.model.scripts.reduce((n, s) => n + Object.values(s.invariants ?? {}).reduce((k, c) => k + c.violations, 0), 0);
        if (scriptViolations > 0) failures.push(`${scriptViolations} invariant violations in the scripts`);
        const runViolations = r.model.runs.reduce((n, run) => n + Object.values(run.summary.invariants.violations).reduce((a, b) => a + b, 0), 0);
        if (runViolations > 0) failures.push(`${runViolations} invariant violations in the runs`);
        for (const x of r.model.crosscheck.filter((c) => c.divergences.length > 0)) failures.push(`cross-check ${x.name}: ${x.divergences.length} divergences from the contracts`);
        for (const x of r.model.liveness?.report.rows.filter((row) => row.status === 'violated') ?? []) {
          failures.push(`liveness: ${x.property} violated under ${x.fault}: ${x.violation?.message}`);
        }
        for (const f of failures) process.stderr.write(`${f}\n`);
        if (failures.length > 0) process.exitCode = EXIT_FAILED_CHECKS;
      } catch (error) {
        staged.discard();
        throw error;
      }
    });
}
