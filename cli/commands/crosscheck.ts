/**
 * `vamm crosscheck <scenario|eventlog>`: replays a scripted scenario or an event log through the
 * model and as transactions on anvil (a base chain holding the deployment, forked; or a fork of
 * --fork-url), compares every state field, revert reason and event after every transaction, and
 * reports divergences, gas per operation and throughput.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { crashLog } from '../../contracts/harness/crash-log.ts';
import { loadReplayInput, writeEventLog } from '../../contracts/harness/input.ts';
import { type ReplayReport, replay } from '../../contracts/harness/replay.ts';
import { InputError } from '../../data/input-error.ts';
import { EXIT_FAILED_CHECKS } from '../errors.ts';

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
    .argument('[file]', 'scripted scenario JSON, or an event log (scenario header + "log" of timed actions)')
    .option('--crash <blocks>', 'replay the bundled crash log of the four agent kinds over this many 12 s blocks (4000: 5,041 transactions) instead of a file')
    .option('--write-log <file>', 'also write the replayed input as an event-log file')
    .option('--fork-url <rpc>', 'deploy on a fork of this chain (e.g. an Arbitrum archive node) instead of a local base anvil')
    .option('--fork-block <n>', 'with --fork-url: the block to fork, older than the scenario\'s start')
    .option('--no-views', 'skip comparing each open position\'s views (margin ratios, PnL, free collateral): about 2.5× faster')
    .option('--max-divergences <n>', 'stop after this many divergences', '20')
    .option('-o, --out <file>', 'write the whole report (with each divergence\'s reproducing actions) as JSON')
    .action(async (file: string | undefined, opts: { crash?: string; writeLog?: string; forkUrl?: string; forkBlock?: string; views: boolean; maxDivergences: string; out?: string }) => {
      if ((file === undefined) === (opts.crash === undefined)) throw new InputError({ file: file ?? '(none)' }, 'give a scenario or event-log file, or --crash <blocks>');
      const input = opts.crash !== undefined ? crashLog({ blocks: Number(opts.crash) }) : loadReplayInput(file as string);
      if (opts.writeLog) writeEventLog(opts.writeLog, input);
      const report = await replay(input, {
        ...(opts.forkUrl ? { forkUrl: opts.forkUrl } : {}),
        ...(opts.forkBlock !== undefined ? { forkBlockNumber: Number(opts.forkBlock) } : {}),
        maxDivergences: Number(opts.maxDivergences),
        views: opts.views,
        onProgress: (done, total) => {
          if (process.stderr.isTTY && done % 50 === 0) process.stderr.write(`\r  ${done}/${total} steps`);
        },
      });
      if (process.stderr.isTTY) process.stderr.write('\r');
      if (opts.out) {
        mkdirSync(dirname(opts.out), { recursive: true });
        writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
      }
      process.stdout.write(formatReplayReport(report));
      if (report.divergences.length > 0) process.exitCode = EXIT_FAILED_CHECKS;
    });
}
