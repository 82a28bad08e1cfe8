/**
 * `vamm crosscheck <scenario|eventlog|run>`: replays a scripted scenario, an event log, or a
 * simulation run (its folder or events.jsonl, as `vamm run` writes them) through the
 * model and as transactions on anvil (a base chain holding the deployment, forked; or a fork of
 * --fork-url), compares every state field, revert reason and event after every transaction, and
 * reports divergences, gas per operation and throughput.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { crashLog } from '../../contracts/harness/crash-log.ts';
import { loadEngineLog } from '../../contracts/harness/engine-log.ts';
import { loadReplayInput, writeEventLog } from '../../contracts/harness/input.ts';
import { formatDifferentialReport, runPerpV1Differential } from '../../contracts/harness/perp-v1/differential.ts';
import { replayPerpV1 } from '../../contracts/harness/perp-v1/replay.ts';
import { type ReplayCompare, type ReplayInput, type ReplayReport, replay } from '../../contracts/harness/replay.ts';
import { writeFileAtomic } from '../../data/atomic-write.ts';
import { InputError } from '../../data/input-error.ts';
import { checkWritableFile } from '../../data/staged-folder.ts';
import { requireCompleteRun } from '../../sim/engine/completion-record.ts';
import { EXIT_FAILED_CHECKS } from '../errors.ts';
import { progressBar } from '../progress.ts';
import { integerOption } from './data-io.ts';

export function formatReplayReport(r: ReplayReport): string {
  const twin = 'release' in r ? `on Perp v1 ${String(r.release)}'s bytecode, ` : '';
  const lines = [
    `${r.name}: ${twin}${r.steps} steps, ${r.transactions} transactions (${r.reverted} reverted as in the model) in ${r.blocks} blocks`,
    `throughput: ${r.transactionsPerSecond.toFixed(1)} tx/s against anvil (${r.seconds.toFixed(1)} s); the model alone took ${r.modelSeconds.toFixed(2)} s`,
    r.compare === 'block'
      ? 'state compared once per mined block; events, statuses and revert reasons per transaction'
      : 'state compared after every transaction',
    'gas per operation (min / median / max):',
  ];
  for (const [op, g] of Object.entries(r.gas)) lines.push(`  ${op.padEnd(28)} ${String(g.count).padStart(5)} × ${g.min} / ${g.median} / ${g.max}`);
  if (r.divergences.length === 0) lines.push('divergences: none — the model and the contracts agree to the wei');
  else {
    lines.push(`divergences: ${r.divergences.length}${r.divergences.length >= 20 ? ' (stopped)' : ''}`);
    if (r.located) lines.push(`  located by a second pass comparing after every transaction from step ${r.located.fromStep} (${r.located.seconds.toFixed(1)} s)`);
    for (const d of r.divergences) {
      const where = d.block ? ` (at the end of the block of steps ${d.block.firstStep}–${d.block.lastStep})` : '';
      lines.push(`  ✗ step ${d.step} (${d.action}) ${d.field}${where}: model ${d.model}, chain ${d.chain}`);
      lines.push(`    reproduce with: ${JSON.stringify(d.reproduce.slice(-5))}${d.reproduce.length > 5 ? ` (last 5 of ${d.reproduce.length}; --out has all)` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerCrosscheckCommand(program: Command): void {
  program
    .command('crosscheck')
    .description('replay a scenario or event log through the model and the Solidity contracts on anvil, comparing every state field, event and revert')
    .argument('[file]', 'scripted scenario JSON, an event log (scenario header + "log" of timed actions), or a vamm run (its folder or events.jsonl)')
    .option('--crash <blocks>', 'replay the bundled crash log of the four agent kinds over this many 12 s blocks (4000: 5,041 transactions) instead of a file')
    .option('--random <steps>', 'with --twin perp-v1: the seeded random differential, random perp-v1 sequences until this many steps were compared (a failure is shrunk and printed as a script)')
    .option('--seed <n>', 'with --random: the first sequence\'s seed (sequence i uses seed + i)', '1')
    .option('--write-log <file>', 'also write the replayed input as an event-log file')
    .option('--twin <design>', 'the contracts to replay on: `default` (the project\'s Solidity) or `perp-v1` (Perp v1 2.2.0\'s own bytecode from @perp/contract, the model under 2.2.0\'s rules)', 'default')
    .option('--fork-url <rpc>', 'deploy on a fork of this chain (e.g. an Arbitrum archive node) instead of a local base anvil')
    .option('--fork-block <n>', 'with --fork-url: the block to fork, older than the scenario\'s start')
    .option('--no-views', 'skip comparing each open position\'s views (margin ratios, PnL, free collateral): about 2.5× faster')
    .option('--compare <when>', '`block`: the state once per mined block, a divergent block replayed again transaction by transaction to name the step; `transaction`: after every transaction (slower)', 'block')
    .option('--max-divergences <n>', 'stop after this many divergences', '20')
    .option('-o, --out <file>', 'write the whole report (with each divergence\'s reproducing actions) as JSON')
    .option('-q, --quiet', 'no progress on stderr (the report still goes to stdout)')
    .action(async (file: string | undefined, opts: CommandOptions) => {
      if (opts.twin !== 'default' && opts.twin !== 'perp-v1') throw new InputError({ file: '--twin' }, `"${opts.twin}": choose default or perp-v1`);
      if (opts.compare !== 'block' && opts.compare !== 'transaction') throw new InputError({ file: '--compare' }, `"${opts.compare}": choose block or transaction`);
      if (opts.random !== undefined) return runRandom(file, opts);
      if ((file === undefined) === (opts.crash === undefined)) throw new InputError({ file: file ?? '(none)' }, 'give a scenario or event-log file, --crash <blocks>, or --twin perp-v1 --random <steps>');
      if (opts.twin === 'perp-v1' && (opts.forkUrl || opts.crash !== undefined)) {
        throw new InputError({ file: '--twin' }, 'the perp-v1 twin replays a perp-v1 script or event log on a local anvil (no --fork-url, no --crash)');
      }
      const crash = integerOption('--crash', opts.crash, 1);
      const forkBlock = integerOption('--fork-block', opts.forkBlock, 0);
      const maxDivergences = integerOption('--max-divergences', opts.maxDivergences, 1);
      if (opts.out) checkWritableFile(opts.out, '--out');
      if (opts.writeLog) checkWritableFile(opts.writeLog, '--write-log');
      const input = crash !== undefined ? crashLog({ blocks: crash }) : await loadInput(file as string);
      if (opts.writeLog) writeEventLog(opts.writeLog, input);
      const report = await crosscheck(input, { twin: opts.twin, ...(opts.forkUrl ? { forkUrl: opts.forkUrl } : {}), ...(forkBlock !== undefined ? { forkBlock } : {}), maxDivergences, views: opts.views, compare: opts.compare, quiet: opts.quiet ?? false, ...(opts.out ? { out: opts.out } : {}) });
      process.stdout.write(formatReplayReport(report));
      if (report.divergences.length > 0) process.exitCode = EXIT_FAILED_CHECKS;
    });
}

interface CommandOptions {
  twin: string;
  crash?: string;
  random?: string;
  seed: string;
  writeLog?: string;
  forkUrl?: string;
  forkBlock?: string;
  views: boolean;
  compare: 'block' | 'transaction';
  maxDivergences: string;
  out?: string;
  quiet?: boolean;
}

/** `--twin perp-v1 --random <steps>`: the seeded random differential. */
async function runRandom(file: string | undefined, opts: CommandOptions): Promise<void> {
  if (opts.twin !== 'perp-v1' || file !== undefined || opts.crash !== undefined || opts.forkUrl) {
    throw new InputError({ file: '--random' }, 'the random differential runs on --twin perp-v1, without a file, --crash or --fork-url');
  }
  const minCompared = integerOption('--random', opts.random as string, 1);
  const seed = integerOption('--seed', opts.seed, 0);
  if (opts.out) checkWritableFile(opts.out, '--out');
  const bar = progressBar(`perp-v1 random differential (seed ${seed})`, opts.quiet ?? false);
  let report: Awaited<ReturnType<typeof runPerpV1Differential>>;
  try {
    report = await runPerpV1Differential({ seed, minCompared, views: opts.views, onProgress: (done, total) => bar.update(done / total, `${done}/${total} compared steps`) });
  } finally {
    bar.stop();
  }
  if (opts.out) writeFileAtomic(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(formatDifferentialReport(report));
  if (report.failure) process.exitCode = EXIT_FAILED_CHECKS;
}

export interface CrosscheckOptions {
  /** `perp-v1`: Perp v1 2.2.0's own bytecode (contracts/harness/perp-v1/); default the project's contracts. */
  readonly twin?: 'default' | 'perp-v1';
  readonly forkUrl?: string;
  readonly forkBlock?: number;
  readonly maxDivergences?: number;
  readonly views?: boolean;
  /** When the state is compared (the default twin; the perp-v1 twin compares after every transaction). */
  readonly compare?: ReplayCompare;
  readonly quiet?: boolean;
  /** Where to write the whole report as JSON (replaced whole). */
  readonly out?: string;
}

/** Replays an input with a progress bar (phases first: the compile alone can take half a minute). Used by `vamm crosscheck` and `vamm audit --make`. */
export async function crosscheck(input: ReplayInput, o: CrosscheckOptions = {}): Promise<ReplayReport> {
  const bar = progressBar(`crosscheck ${input.header.name}`, o.quiet ?? false);
  try {
    const onProgress = (done: number, total: number) => {
      if (done % 25 === 0 || done === total) bar.update(done / total, `replaying: ${done}/${total} steps`);
    };
    const maxDivergences = o.maxDivergences ?? 20;
    const views = o.views ?? true;
    const report =
      o.twin === 'perp-v1'
        ? await replayPerpV1(input, { maxDivergences, views, onProgress })
        : await replay(input, {
            ...(o.forkUrl ? { forkUrl: o.forkUrl } : {}),
            ...(o.forkBlock !== undefined ? { forkBlockNumber: o.forkBlock } : {}),
            maxDivergences,
            views,
            ...(o.compare ? { compare: o.compare } : {}),
            onPhase: (phase) => bar.phase(phase),
            onProgress,
          });
    if (o.out) writeFileAtomic(o.out, `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    bar.stop();
  }
}

/**
 * A run folder or its events.jsonl (a simulation's log: only a finished run's, as its completion
 * record says), else a scenario or replay file.
 */
export async function loadInput(file: string): Promise<ReplayInput> {
  const run = existsSync(file) && statSync(file).isDirectory() ? join(file, 'events.jsonl') : file;
  if (run.endsWith('.jsonl')) {
    if (!existsSync(run)) throw new InputError({ file: run }, 'no such event log (vamm run writes events.jsonl in its run folder)');
    requireCompleteRun(dirname(run), 'a replay of it');
    return loadEngineLog(run);
  }
  return loadReplayInput(run);
}
