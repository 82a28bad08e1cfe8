/**
 * `vamm report <run-dir>`: rebuilds a run's report.html (and summary.json, summary.md) from
 * its events.jsonl, streaming the log once.
 */
import type { Command } from 'commander';
import { bytes } from '../../reports/format.ts';
import { rebuildRunReport } from '../../reports/write-run-report.ts';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("rebuild a run's HTML report and summaries from its event log")
    .argument('<run-dir>', 'a folder written by `vamm run` (holding events.jsonl)')
    .option('--buckets <n>', 'time buckets per chart series (each keeps its first, lowest, highest and last point)', '1000')
    .action(async (dir: string, opts: { buckets: string }) => {
      const buckets = Number(opts.buckets);
      if (!Number.isInteger(buckets) || buckets < 2) throw new Error(`--buckets must be an integer ≥ 2, got ${opts.buckets}`);
      const r = await rebuildRunReport(dir, { buckets });
      process.stdout.write(`${r.path}: ${bytes(r.bytes)} from ${r.events.toLocaleString('en-US')} events in ${r.seconds.toFixed(2)} s\n`);
    });
}
