/**
 * `vamm run <scenario.json>`: runs a scenario with its agents on historical prices, with a
 * progress bar on stderr, and writes the event log (JSON Lines), the JSON summary, a Markdown
 * summary and the HTML run report; the summary and the folder go to stdout. The report's model
 * is aggregated from the same event stream while the run goes (the log is not read back).
 *
 * The folder is written whole or not at all: everything goes to a staging folder beside it, the
 * completion record last, and only then does it replace the previous run's folder. A run that
 * fails or is interrupted leaves the previous run as it was (its partial output stays in the
 * staging folder, without a record, and is named on stderr).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { StagedFolder } from '../../data/staged-folder.ts';
import { writeFileAtomic } from '../../data/atomic-write.ts';
import { RunModelBuilder } from '../../reports/run-model-builder.ts';
import { RUN_REPORT_FILE, writeRunReportHtml } from '../../reports/write-run-report.ts';
import { loadRunScenario, resolveRun } from '../../scenarios/run-loader.ts';
import { COMPLETION_RECORD, type CompletionRecord, writeCompletionRecord } from '../../sim/engine/completion-record.ts';
import { FileSink } from '../../sim/engine/event-log.ts';
import { runSimulation } from '../../sim/engine/run-simulation.ts';
import { formatRunSummary } from '../../sim/engine/summary-markdown.ts';
import type { RunSummary } from '../../sim/engine/summary.ts';
import { EXIT_FAILED_CHECKS, EXIT_INTERRUPTED } from '../errors.ts';
import { progressBar } from '../progress.ts';
import { integerOption } from './data-io.ts';

/** Every file `vamm run` writes into its folder (an existing folder may hold only these). */
export const RUN_FOLDER_FILES = ['events.jsonl', 'summary.json', 'summary.md', RUN_REPORT_FILE, COMPLETION_RECORD] as const;

export interface RunToFolderOptions {
  readonly seed?: number;
  readonly dataDir?: string;
  readonly agentThreads?: number;
  readonly out?: string;
  readonly eventLog?: boolean;
  readonly report?: boolean;
  readonly quiet?: boolean;
  /** Run without the scenario's faults (its `events`): the control run. */
  readonly withoutEvents?: boolean;
  /** The command line, for the completion record. */
  readonly command?: string;
}

export interface RunOutput {
  readonly out: string;
  readonly summary: RunSummary;
  readonly markdown: string;
  readonly written: readonly string[];
  readonly record: CompletionRecord;
  readonly violations: number;
}

/** Runs a scenario file into its folder (whole or not at all). Used by `vamm run` and `vamm audit --make`. */
export async function runToFolder(file: string, o: RunToFolderOptions = {}): Promise<RunOutput> {
  const loaded = loadRunScenario(file);
  const scenario = o.withoutEvents ? { ...loaded, events: [] } : loaded;
  const seed = o.seed ?? scenario.seed;
  const out = o.out ?? join('runs', `${scenario.name}-seed${seed}`);
  // Before any work: the folder must be replaceable and its parent writable.
  const staged = StagedFolder.begin(out, { flag: '--out', outputs: RUN_FOLDER_FILES, writer: 'vamm run' });
  const eventLog = o.eventLog ?? true;
  const withReport = o.report ?? true;
  const log = eventLog ? new FileSink(join(staged.path, 'events.jsonl')) : null;
  const bar = progressBar(scenario.name, o.quiet ?? false);
  const interrupted = (signal: NodeJS.Signals) => {
    bar.stop('interrupted');
    log?.flush();
    process.stderr.write(`\ninterrupted (${signal}): ${out} is as it was; the partial run is in ${staged.path} (no completion record: vamm report refuses it)\n`);
    process.exit(EXIT_INTERRUPTED);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    bar.phase('loading prices');
    const config = await resolveRun(scenario, { ...(o.dataDir ? { dataDir: o.dataDir } : {}), seed, file });
    const reportModel = withReport ? new RunModelBuilder() : null;
    const started = Date.now();
    bar.phase('running');
    const { summary, result } = await runSimulation(config, {
      agentThreads: o.agentThreads ?? 1,
      sinks: [...(log ? [log] : []), ...(reportModel ? [reportModel] : [])],
      onProgress: (p) => bar.update((p.time - p.start) / (p.end - p.start), `${p.blocks} blocks, ${p.actions} actions`),
    });
    bar.stop();
    const seconds = (Date.now() - started) / 1000;
    writeFileAtomic(join(staged.path, 'summary.json'), `${JSON.stringify({ ...summary, wallClockSeconds: seconds }, null, 2)}\n`);
    const markdown = formatRunSummary(summary, seconds);
    writeFileAtomic(join(staged.path, 'summary.md'), markdown);
    if (reportModel) writeRunReportHtml(staged.path, reportModel.result(), { wallClockSeconds: seconds, source: `vamm run ${file}` });
    const written = [...(eventLog ? ['events.jsonl'] : []), 'summary.json', 'summary.md', ...(reportModel ? [RUN_REPORT_FILE] : [])];
    const violations = Object.values(summary.invariants.violations).reduce((a, b) => a + b, 0);
    const record = await writeCompletionRecord(
      staged.path,
      {
        command: o.command ?? `vamm run ${file}`,
        name: summary.run.name,
        seed: summary.run.seed,
        finished: new Date().toISOString(),
        wallClockSeconds: seconds,
        blocks: result.blocks,
        events: result.events,
        invariantViolations: violations,
      },
      written,
    );
    staged.commit();
    return { out, summary, markdown, written: [...written, COMPLETION_RECORD], record, violations };
  } catch (error) {
    bar.stop('failed');
    process.stderr.write(`the run did not finish: ${out} is as it was; its partial output is in ${staged.path}\n`);
    throw error;
  } finally {
    log?.close();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

interface RunFlags {
  seed?: string;
  data?: string;
  agentThreads: string;
  out?: string;
  eventLog: boolean;
  report: boolean;
  events: boolean;
  quiet?: boolean;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a scenario: agents trading the vAMM on historical prices; writes the event log, summaries and report into one folder')
    .argument('<scenario>', 'scenario JSON (see README: "Running scenarios")')
    .option('--seed <n>', "override the scenario's seed")
    .option('--data <dir>', 'price-data folder (default: $VAMM_DATA_DIR, else ../shared/data/eth)')
    .option('--agent-threads <n>', 'shard the agents over this many threads (the engine\'s own and n − 1 workers)', '1')
    .option('-o, --out <dir>', 'output folder (default: runs/<name>-seed<seed>); replaced only when the run finishes')
    .option('--no-event-log', 'skip writing events.jsonl (the summaries are still written)')
    .option('--no-report', `skip writing ${RUN_REPORT_FILE}`)
    .option('--no-events', "run without the scenario's faults (outages, oracle delay or manipulation): its control run")
    .option('-q, --quiet', 'no progress on stderr (the summary still goes to stdout)')
    .action(async (file: string, flags: RunFlags) => {
      const seed = integerOption('--seed', flags.seed, 0);
      const agentThreads = integerOption('--agent-threads', flags.agentThreads, 1);
      const r = await runToFolder(file, {
        ...(seed === undefined ? {} : { seed }),
        ...(flags.data ? { dataDir: flags.data } : {}),
        agentThreads,
        ...(flags.out ? { out: flags.out } : {}),
        eventLog: flags.eventLog,
        report: flags.report,
        withoutEvents: !flags.events,
        quiet: flags.quiet ?? false,
        command: ['vamm', ...process.argv.slice(2)].join(' '),
      });
      process.stdout.write(`${r.markdown}\nwritten ${r.out}/{${r.written.join(', ')}}\n`);
      if (r.violations > 0) process.exitCode = EXIT_FAILED_CHECKS;
    });
}
