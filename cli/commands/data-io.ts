/**
 * Shared plumbing of the `vamm data` commands: option parsing that fails as input errors,
 * JSON output (bigint as decimal strings), progress bars on stderr.
 */
import { writeFileAtomic } from '../../data/atomic-write.ts';
import type { Command } from 'commander';
import { resolveDataFile } from '../../data/catalog.ts';
import { type GapPolicy, GAP_POLICIES, isGapPolicy, parseDuration } from '../../data/gaps.ts';
import { InputError } from '../../data/input-error.ts';
import { findDataDir } from '../../data/shared-dir.ts';
import { parseTimeArg } from '../../data/time-arg.ts';
import { progressBar as sharedProgressBar } from '../progress.ts';

export interface OutputOptions {
  json?: boolean;
  out?: string;
  quiet?: boolean;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** Writes `result` as JSON to --out and/or stdout (--json); otherwise prints `human`. */
export function emit(opts: OutputOptions, result: unknown, human: () => string): void {
  if (opts.out) writeFileAtomic(opts.out, `${toJson(result)}\n`);
  if (opts.json) process.stdout.write(`${toJson(result)}\n`);
  else process.stdout.write(human());
}

/** The `--data` flag of the `data` command, wherever the subcommand sits. */
export function dataFlag(cmd: Command): string | undefined {
  return (cmd.optsWithGlobals() as { data?: string }).data;
}

export function dataFile(arg: string, cmd: Command): string {
  return resolveDataFile(arg, () => findDataDir(dataFlag(cmd)));
}

export function gapPolicyOption(value: string | undefined, fallback: GapPolicy): GapPolicy {
  if (value === undefined) return fallback;
  if (!isGapPolicy(value)) throw new InputError({ file: '--gaps' }, `unknown gap policy "${value}" (one of ${GAP_POLICIES.join(', ')})`);
  return value;
}

export function timeOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = parseTimeArg(value);
  if (t === undefined) throw new InputError({ file: name }, `"${value}" is neither unix seconds nor an ISO date`);
  return t;
}

export function durationOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const d = parseDuration(value);
  if (d === undefined || d <= 0) throw new InputError({ file: name }, `"${value}" is not a duration (e.g. 300, 5m, 1h, 7d)`);
  return d;
}

export function numberOption(name: string, value: string | undefined, check: (n: number) => boolean = Number.isFinite): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new InputError({ file: name }, `"${value}" is not a valid value`);
  return n;
}

/** A whole number of at least `min` (a seed, a thread count, a block count), else an input error naming the flag. */
export function integerOption(name: string, value: string, min: number): number;
export function integerOption(name: string, value: string | undefined, min: number): number | undefined;
export function integerOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new InputError({ file: name }, `"${value}" is not ${min === 0 ? 'a whole number ≥ 0' : `a whole number ≥ ${min}`}`);
  return n;
}

/** A counting progress bar on stderr (a no-op when quiet): cli/progress.ts's, counted in items. */
export function progressBar(quiet: boolean | undefined, label: string, total: number): { tick(n?: number): void; set(value: number): void; stop(): void } {
  const bar = sharedProgressBar(label, quiet ?? false);
  let value = 0;
  const show = () => bar.update(total > 0 ? value / total : 1, `${value}/${total}`);
  return {
    tick(n = 1) {
      value = Math.min(value + n, total);
      show();
    },
    set(v: number) {
      value = Math.max(0, Math.min(v, total));
      show();
    },
    stop() {
      bar.stop();
    },
  };
}
