/**
 * `vamm script <file>`: runs a scripted scenario and prints the full state after each step as
 * JSON Lines on stdout (wei as decimal strings), a human summary on stderr, and optionally the
 * whole run as one JSON file.
 */
import { writeFileAtomic } from '../../data/atomic-write.ts';
import type { Command } from 'commander';
import { loadScript } from '../../scenarios/script-loader.ts';
import { type ScriptRun, type StepRecord, runScript } from '../../scenarios/script-runner.ts';
import { EXIT_FAILED_CHECKS } from '../errors.ts';

export function registerScriptCommand(program: Command): void {
  program
    .command('script')
    .description('run a scripted scenario: a deterministic list of timed steps with expectations')
    .argument('<file>', 'scenario JSON (see README: "Scripted scenarios")')
    .option('-o, --out <file>', 'also write the whole run (every step with its state) as one JSON file')
    .option('--summary', 'print only the human summary (on stdout) instead of the JSON Lines')
    .option('--no-views', 'leave per-position views (margin ratio, PnL) out of the state')
    .option('-q, --quiet', 'no summary on stderr')
    .action((file: string, opts: { out?: string; summary?: boolean; views: boolean; quiet?: boolean }) => {
      const script = loadScript(file);
      const run = runScript(script, {
        views: opts.views,
        onStep: opts.summary ? undefined : (record) => process.stdout.write(`${JSON.stringify(record)}\n`),
      });
      if (opts.out) writeFileAtomic(opts.out, `${JSON.stringify(run, null, 2)}\n`);
      const summary = formatSummary(run);
      if (opts.summary) process.stdout.write(summary);
      else if (!opts.quiet) process.stderr.write(summary);
      if (run.failures.length > 0) process.exitCode = EXIT_FAILED_CHECKS;
    });
}

function describeStep(s: StepRecord): string {
  const args = s.args && typeof s.args === 'object' && !Array.isArray(s.args) ? s.args : {};
  const who = ['trader', 'liquidator', 'market'].map((k) => (args as Record<string, unknown>)[k]).filter(Boolean).join(' ');
  const outcome = s.ok ? 'ok' : `reverted ${s.revert?.reason}`;
  const checks = s.expectations.length ? ` [${s.expectations.filter((e) => e.pass).length}/${s.expectations.length} expectations]` : '';
  return `  ${String(s.index).padStart(3)}  ${s.action.padEnd(22)} ${who.padEnd(18)} ${outcome}${checks}${s.note ? `  — ${s.note}` : ''}`;
}

export function formatSummary(run: ScriptRun): string {
  const lines = [`${run.name} (${run.profile}): ${run.steps.length} steps`];
  for (const s of run.steps) lines.push(describeStep(s));
  if (run.invariants) {
    const parts = Object.entries(run.invariants).map(
      ([name, c]) => `${name} ${c.checks - c.violations}/${c.checks}${c.notApplicable ? ` (+${c.notApplicable} n/a)` : ''}`,
    );
    lines.push(`invariants: ${parts.join(', ')}`);
  } else {
    lines.push('invariants: off for this script');
  }
  lines.push(run.failures.length === 0 ? 'result: all expectations met' : `result: ${run.failures.length} failure(s)`);
  for (const f of run.failures) lines.push(`  ✗ ${f}`);
  return `${lines.join('\n')}\n`;
}
