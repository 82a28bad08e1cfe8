/**
 * `vamm crosscheck <scenario|eventlog|run>`: replays a scripted scenario, an event log, or a
 * simulation run (its folder or events.jsonl, as `vamm run` writes them) through the
 * model and as transactions on anvil (a base chain holding the deployment, forked; or a fork of
 * --fork-url), compares every state field, revert reason and event after every transaction, and
 * reports divergences, gas per operation and throughput.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { crashLog } from '../../contracts/harness/crash-log.ts';
import { loadEngineLog } from '../../contracts/harness/engine-log.ts';
import { loadReplayInput, writeEventLog } from '../../contracts/harness/input.ts';
import { type ReplayInput, type ReplayReport, replay } from '../../contracts/harness/replay.ts';
import { InputError } from '../../data/input-error.ts';
import { EXIT_FAILED_CHECKS } from '../errors.ts';
import { progressBar } from '../progress.ts';

export function formatReplayReport(r: ReplayReport): string {
  const lines = [
    `${r.name}: ${r.steps} steps, ${r.transactions} transactions (${r.reverted} reverted as in the model) in ${r.blocks} blocks`,
    `throughput: ${r.transactionsPerSecond.toFixed(1)} tx/s against anvil (${r.seconds.toFixed(1)} s); the model alone took ${r.modelSeconds.toFixed(2)} s`,
    'gas per operation (min / median / max):',
  ];
  for (const [op, g] of Object.entries(r.gas)) lines.push(`  ${op.padEnd(28)} ${String(g.count).padStart(5)} × ${g.min} / ${g.median} / ${g.max}`);
  if (r.divergences.length === 0) lines.push('divergences: none — the model and the contracts agree to the wei');
  else {
    lines.push(`divergences: ${r.divergences.length}${r.divergences.length >= 20 ? ' (stopped)' : ''}`);
    for (const d of r.divergences) {
      lines.push(`  ✗ step ${d.step} (${d.action}) ${d.field}: model ${d.model}, chain ${d.chain}`);
      lines.push(`    reproduce with: ${JSON.stringify(d.reproduce.slice(-5))}${d.reproduce.length > 5 ? ` (last 5 of ${d.reproduce.length}; --out has all)` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerCrosscheckCommand(program: Command): void {
  program
    .command('crosscheck')
    .description('replay a scenario or event log through the model and the Solidity contracts on anvil; compare after every transaction')
    .argument('[file]', 'scripted scenario JSON, an event log (scenario header + "log" of timed actions), or a vamm run (its folder or events.jsonl)')
    .option('--crash <blocks>', 'replay the bundled crash log of the four agent kinds over this many 12 s blocks (4000: 5,041 transactions) instead of a file')
    .option('--write-log <file>', 'also write the replayed input as an event-log file')
    .option('--fork-url <rpc>', 'deploy on a fork of this chain (e.g. an Arbitrum archive node) instead of a local base anvil')
    .option('--fork-block <n>', 'with --fork-url: the block to fork, older than the scenario\'s start')
    .option('--no-views', 'skip comparing each open position\'s views (margin ratios, PnL, free collateral): about 2.5× faster')
    .option('--max-divergences <n>', 'stop after this many divergences', '20')
    .option('-o, --out <file>', 'write the whole report (with each divergence\'s reproducing actions) as JSON')
    .option('-q, --quiet', 'no progress bar')
    .action(async (file: string | undefined, opts: { crash?: string; writeLog?: string; forkUrl?: string; forkBlock?: string; views: boolean; maxDivergences: string; out?: string; quiet?: boolean }) => {
      if ((file === undefined) === (opts.crash === undefined)) throw new InputError({ file: file ?? '(none)' }, 'give a scenario or event-log file, or --crash <blocks>');
      const input = opts.crash !== undefined ? crashLog({ blocks: Number(opts.crash) }) : await loadInput(file as string);
      if (opts.writeLog) writeEventLog(opts.writeLog, input);
      const bar = progressBar(`crosscheck ${input.header.name}`, opts.quiet ?? false);
      const report = await replay(input, {
        ...(opts.forkUrl ? { forkUrl: opts.forkUrl } : {}),
        ...(opts.forkBlock !== undefined ? { forkBlockNumber: Number(opts.forkBlock) } : {}),
        maxDivergences: Number(opts.maxDivergences),
        views: opts.views,
        onProgress: (done, total) => {
          if (done % 25 === 0 || done === total) bar.update(done / total, `${done}/${total} steps`);
        },
      });
      bar.stop();
      if (opts.out) {
        mkdirSync(dirname(opts.out), { recursive: true });
        writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
      }
      process.stdout.write(formatReplayReport(report));
      if (report.divergences.length > 0) process.exitCode = EXIT_FAILED_CHECKS;
    });
}

/** A run folder or its events.jsonl (a simulation's log), else a scenario or replay file. */
async function loadInput(file: string): Promise<ReplayInput> {
  const run = existsSync(file) && statSync(file).isDirectory() ? join(file, 'events.jsonl') : file;
  if (run.endsWith('.jsonl')) {
    if (!existsSync(run)) throw new InputError({ file: run }, 'no such event log (vamm run writes events.jsonl in its run folder)');
    return loadEngineLog(run);
  }
  return loadReplayInput(run);
}
