/**
 * `vamm run <scenario.json>`: runs a scenario with its agents on historical prices, with a
 * progress bar, and writes the event log (JSON Lines), the JSON summary, a Markdown summary
 * and the HTML run report into the output folder. The report's model is aggregated from the
 * same event stream while the run goes (the log is not read back).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadRunScenario, resolveRun } from '../../scenarios/run-loader.ts';
import { FileSink } from '../../sim/engine/event-log.ts';
import { runSimulation } from '../../sim/engine/run-simulation.ts';
import { RunModelBuilder } from '../../reports/run-model-builder.ts';
import { RUN_REPORT_FILE, writeRunReportHtml } from '../../reports/write-run-report.ts';
import { formatRunSummary } from '../../sim/engine/summary-markdown.ts';
import { EXIT_FAILED_CHECKS } from '../errors.ts';
import { progressBar } from '../progress.ts';

interface RunFlags {
  seed?: string;
  data?: string;
  agentThreads: string;
  out?: string;
  eventLog: boolean;
  report: boolean;
  quiet?: boolean;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a scenario: agents trading the vAMM on historical prices; writes the event log and summaries')
    .argument('<scenario>', 'scenario JSON (see README: "Running scenarios")')
    .option('--seed <n>', "override the scenario's seed")
    .option('--data <dir>', 'price-data folder (default: $VAMM_DATA_DIR, else ../shared/data/eth)')
    .option('--agent-threads <n>', 'shard the agents over this many worker threads', '1')
    .option('-o, --out <dir>', 'output folder (default: runs/<name>-seed<seed>)')
    .option('--no-event-log', 'skip writing events.jsonl (the summaries are still written)')
    .option('--no-report', `skip writing ${RUN_REPORT_FILE}`)
    .option('-q, --quiet', 'no progress bar')
    .action(async (file: string, flags: RunFlags) => {
      const scenario = loadRunScenario(file);
      const seed = flags.seed === undefined ? undefined : Number(flags.seed);
      if (seed !== undefined && (!Number.isSafeInteger(seed) || seed < 0)) throw new Error(`--seed must be a non-negative integer, got ${flags.seed}`);
      const threads = Number(flags.agentThreads);
      if (!Number.isInteger(threads) || threads < 1) throw new Error(`--agent-threads must be a positive integer, got ${flags.agentThreads}`);
      const config = await resolveRun(scenario, { dataDir: flags.data, seed });
      const out = flags.out ?? join('runs', `${config.name}-seed${config.seed}`);
      mkdirSync(out, { recursive: true });
      const bar = progressBar(`${config.name}`, flags.quiet ?? false);
      const reportModel = flags.report ? new RunModelBuilder() : null;
      const sinks = [...(flags.eventLog ? [new FileSink(join(out, 'events.jsonl'))] : []), ...(reportModel ? [reportModel] : [])];
      const started = Date.now();
      const { summary } = await runSimulation(config, {
        agentThreads: threads,
        sinks,
        onProgress: (p) => bar.update((p.time - p.start) / (p.end - p.start), `${p.blocks} blocks, ${p.actions} actions`),
      });
      bar.stop();
      const seconds = (Date.now() - started) / 1000;
      writeFileSync(join(out, 'summary.json'), `${JSON.stringify({ ...summary, wallClockSeconds: seconds }, null, 2)}\n`);
      const markdown = formatRunSummary(summary, seconds);
      writeFileSync(join(out, 'summary.md'), markdown);
      if (reportModel) writeRunReportHtml(out, reportModel.result(), { wallClockSeconds: seconds, source: `vamm run ${file}` });
      const written = [...(flags.eventLog ? ['events.jsonl'] : []), 'summary.json', 'summary.md', ...(reportModel ? [RUN_REPORT_FILE] : [])];
      if (!flags.quiet) process.stderr.write(`\n${markdown}\nwritten ${out}/{${written.join(', ')}}\n`);
      const violations = Object.values(summary.invariants.violations).reduce((a, b) => a + b, 0);
      if (violations > 0) process.exitCode = EXIT_FAILED_CHECKS;
    });
}
