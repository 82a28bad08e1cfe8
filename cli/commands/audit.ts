/**
 * `vamm audit <config.json>`: the audit report (HTML, Markdown, PDF) from an audit config:
 * contract scope with hashes, protocol parameters, invariant counts from runs and scripts,
 * cross-check evidence, stress results, findings each reproduced by its script.
 */
import type { Command } from 'commander';
import { loadAuditConfig } from '../../reports/audit/config.ts';
import { writeAudit } from '../../reports/audit/write-audit.ts';
import { bytes } from '../../reports/format.ts';
import { EXIT_FAILED_CHECKS } from '../errors.ts';

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('write the audit report (audit.html, audit.md, audit.json, audit.pdf) from an audit config')
    .argument('<config>', 'audit config JSON (see docs/REPORTS.md)')
    .option('-o, --out <dir>', 'output folder', 'out/audit')
    .option('--no-pdf', 'skip the PDF (printed by headless Chromium: $VAMM_CHROMIUM, /usr/bin/chromium or the npm one)')
    .action(async (file: string, opts: { out: string; pdf: boolean }) => {
      const config = loadAuditConfig(file);
      const started = performance.now();
      const r = await writeAudit(config, opts.out, { pdf: opts.pdf, generated: new Date().toISOString().slice(0, 10) });
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(`${r.html} (${bytes(r.bytes.html)}), ${r.markdown}, ${r.json}${r.pdf ? `, ${r.pdf} (${bytes(r.bytes.pdf ?? 0)})` : ''} in ${seconds.toFixed(1)} s\n`);
      const unreproduced = r.model.findings.filter((f) => !f.reproduced);
      for (const f of unreproduced) process.stderr.write(`finding ${f.finding.id} is not reproduced by ${f.finding.script}: ${f.script.failures.join('; ') || 'no expectations'}\n`);
      const violations = r.model.scripts.reduce((n, s) => n + Object.values(s.invariants ?? {}).reduce((k, c) => k + c.violations, 0), 0);
      if (unreproduced.length > 0 || violations > 0) process.exitCode = EXIT_FAILED_CHECKS;
    });
}
