/**
 * `vamm report <run-dir>`: rebuilds a run's report.html (and summary.json, summary.md) from
 * its events.jsonl, streaming the log once. A run without a completion record (interrupted,
 * failed) is refused, or with --partial labelled partial on every page.
 */
import type { Command } from 'commander';
import { bytes } from '../../reports/format.ts';
import { rebuildRunReport } from '../../reports/write-run-report.ts';
import { integerOption } from './data-io.ts';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("rebuild a run's HTML report and summaries from its event log")
    .argument('<run-dir>', 'a folder written by `vamm run` (holding events.jsonl)')
    .option('--buckets <n>', 'time buckets per chart series (each keeps its first, lowest, highest and last point)', '1000')
    .option('--partial', 'build from a run that did not finish (no completion record), labelled PARTIAL on every page; refused otherwise')
    .action(async (dir: string, opts: { buckets: string; partial?: boolean }) => {
      const buckets = integerOption('--buckets', opts.buckets, 2);
      const r = await rebuildRunReport(dir, { buckets, partial: opts.partial ?? false });
      process.stdout.write(`${r.path}: ${bytes(r.bytes)} from ${r.events.toLocaleString('en-US')} events in ${r.seconds.toFixed(2)} s${r.partial ? ' (PARTIAL RUN: labelled on every page)' : ''}\n`);
    });
}
