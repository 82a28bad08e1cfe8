/**
 * `vamm train generative | manipulator`: trains a learned model with TensorFlow.js and saves it
 * in the tfjs format with its training settings (the backend that ran included), with a
 * progress bar on stderr. The same seed gives the same model on the same backend.
 */
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { isoTime } from '../../data/candle-series.ts';
import { DEFAULT_MDN_DIR } from '../../data/generators/mdn.ts';
import { HOURLY_HISTORY, TRAINING, loadHistory } from '../../data/history.ts';
import { InputError } from '../../data/input-error.ts';
import { DEFAULT_MDN_SETTINGS, MDN_CLAIMS, trainMdn } from '../../data/mdn-training.ts';
import { seedFrom } from '../../data/prng.ts';
import { progressBar } from '../progress.ts';
import { dataFile, emit, numberOption, timeOption } from './data-io.ts';
import { type ModelOutputFlags, stageModelOutput } from './model-output.ts';
import { registerTrainManipulatorCommand } from './train-manipulator.ts';

/** Held-out period of the hourly history for the generative model: after the training period. */
export const HELD_OUT = { from: TRAINING.to, to: Date.UTC(2026, 4, 13) / 1000 } as const;

export function seedOption(text: string): number {
  return seedFrom(/^\d+$/.test(text) ? Number(text) : text);
}

export function registerTrainCommand(program: Command): void {
  const train = program
    .command('train')
    .description('train a learned model with TensorFlow.js (tfjs-node when installed, else wasm) and save it in the tfjs format')
    .option('--data <dir>', 'price-data folder (default: $VAMM_DATA_DIR, then ../shared/data/eth)');

  train
    .command('generative')
    .description('the mixture-density price generator (`mdn`) on the hourly history\'s training period')
    .option('--seed <seed>', 'seed (a number or a word)', String(DEFAULT_MDN_SETTINGS.seed))
    .option('--epochs <n>', 'passes over the training returns', String(DEFAULT_MDN_SETTINGS.epochs))
    .option('--out <dir>', 'where to save the model (default: runs/models/mdn-seed<seed>, a new folder)')
    .option('--replace-shipped', `overwrite the shipped model (${relative(process.cwd(), DEFAULT_MDN_DIR)}) that \`--model mdn\` uses by default`)
    .option('--history <file>', 'hourly candles', HOURLY_HISTORY)
    .option('--from <time>', 'training period start', isoTime(TRAINING.from))
    .option('--to <time>', 'training period end (exclusive)', isoTime(TRAINING.to))
    .option('--eval-from <time>', 'held-out period start (its likelihood is reported)', isoTime(HELD_OUT.from))
    .option('--eval-to <time>', 'held-out period end', isoTime(HELD_OUT.to))
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (opts: ModelOutputFlags & { seed: string; epochs: string; history: string; from: string; to: string; evalFrom: string; evalTo: string; json?: boolean; quiet?: boolean }, cmd: Command) => {
      const epochs = numberOption('--epochs', opts.epochs, (n) => Number.isInteger(n) && n > 0) as number;
      const file = dataFile(opts.history, cmd);
      const from = timeOption('--from', opts.from) as number;
      const to = timeOption('--to', opts.to) as number;
      const evalFrom = timeOption('--eval-from', opts.evalFrom) as number;
      const evalTo = timeOption('--eval-to', opts.evalTo) as number;
      if (evalFrom < to) throw new InputError({ file: '--eval-from' }, 'the held-out period must start at or after the training period ends');
      const staged = stageModelOutput(opts, DEFAULT_MDN_DIR, join('runs', 'models', `mdn-seed${opts.seed}`));
      const bar = progressBar('train generative', opts.quiet || opts.json === true);
      let trained: { history: Awaited<ReturnType<typeof loadHistory>>; result: Awaited<ReturnType<typeof trainMdn>> };
      try {
        const history = await loadHistory(file, { from, to });
        const heldOut = await loadHistory(file, { from: evalFrom, to: evalTo });
        const result = await trainMdn(
          {
            returns: history.returns,
            resolution: history.resolution,
            source: { file: opts.history, from: isoTime(from), to: isoTime(to) },
            heldOut: { returns: heldOut.returns, from: isoTime(evalFrom), to: isoTime(evalTo) },
            reproduces: MDN_CLAIMS,
          },
          { ...DEFAULT_MDN_SETTINGS, seed: seedOption(opts.seed), epochs },
          { out: staged.path, onEpoch: (e, loss) => bar.update((e + 1) / epochs, `epoch ${e + 1}/${epochs} NLL ${loss.toFixed(4)}`) },
        );
        staged.commit();
        trained = { history, result };
      } catch (error) {
        staged.discard();
        throw error;
      } finally {
        bar.stop();
      }
      const { history, result } = trained;
      const out = relative(process.cwd(), staged.target) || '.';
      const t = result.meta.training;
      emit({ json: opts.json }, { out, backend: result.backend, seconds: result.seconds, training: t }, () =>
        [
          `trained mdn on ${history.returns.length} returns (${isoTime(from)} → ${isoTime(to)}), seed ${opts.seed}, ${epochs} epochs, backend ${result.backend}, ${result.seconds.toFixed(1)} s`,
          `NLL per return (standardised): training ${String(t.trainNll)}, held out (${isoTime(evalFrom)} → ${isoTime(evalTo)}) ${result.heldOutNll?.toFixed(5)}`,
          `variance targeting: ×${result.meta.varianceScale} (σ of long paths ${(((t.calibration as { uncalibratedVolatility: number }).uncalibratedVolatility) * 100).toFixed(3)} % → ${(result.meta.scale * 100).toFixed(3)} % per bar)`,
          `saved to ${out}; check it with: vamm data facts --eval-from ${isoTime(evalFrom)} --eval-to ${isoTime(evalTo)}${opts.replaceShipped ? '' : ` --mdn ${out}`}`,
          '',
        ].join('\n'),
      );
    });

  registerTrainManipulatorCommand(train);
}
