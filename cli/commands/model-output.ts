/**
 * Where a training command saves its model. By default a new folder under runs/models/, never
 * the shipped model: that one is tracked in git and is what the simulator uses unless told
 * otherwise, so replacing it takes `--replace-shipped`. The folder is written whole (staged
 * beside it) once training has finished, and whether it can be written is checked first.
 */
import { resolve } from 'node:path';
import { StagedFolder } from '../../data/staged-folder.ts';
import { MODEL_JSON, WEIGHTS_BIN } from '../../data/tf-model-files.ts';
import { UsageError } from '../errors.ts';

export interface ModelOutputFlags {
  readonly out?: string;
  readonly replaceShipped?: boolean;
}

/** Resolves the folder (refusing the shipped one unless asked) and stages it: save into `.path`, then `commit()`. */
export function stageModelOutput(flags: ModelOutputFlags, shipped: string, fallback: string): StagedFolder {
  const out = flags.replaceShipped ? (flags.out ?? shipped) : (flags.out ?? fallback);
  if (resolve(out) === resolve(shipped) && !flags.replaceShipped) {
    throw new UsageError(`${out} is the shipped model (tracked in git, used by default): pass --replace-shipped to overwrite it, or choose another --out`);
  }
  if (flags.replaceShipped && resolve(out) !== resolve(shipped)) throw new UsageError(`--replace-shipped writes the shipped model (${shipped}); it cannot go with --out ${out}`);
  return StagedFolder.begin(out, { flag: '--out', outputs: [MODEL_JSON, WEIGHTS_BIN], writer: 'vamm train' });
}
