/**
 * Shared plumbing of the `vamm data` commands: option parsing that fails as input errors,
 * JSON output (bigint as decimal strings), progress bars on stderr.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { resolveDataFile } from '../../data/catalog.ts';
import { type GapPolicy, GAP_POLICIES, isGapPolicy, parseDuration } from '../../data/gaps.ts';
import { InputError } from '../../data/input-error.ts';
import { findDataDir } from '../../data/shared-dir.ts';
import { parseTimeArg } from '../../data/time-arg.ts';

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
  if (opts.out) {
    mkdirSync(dirname(opts.out), { recursive: true });
    writeFileSync(opts.out, `${toJson(result)}\n`);
  }
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

/** A progress bar on stderr (a no-op when quiet). */
export function progressBar(quiet: boolean | undefined, label: string, total: number): { tick(n?: number): void; set(value: number): void; stop(): void } {
  if (quiet) return { tick() {}, set() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% {value}/{total}`, stream: process.stderr, hideCursor: false, noTTYOutput: true, notTTYSchedule: 2000 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let value = 0;
  return {
    tick(n = 1) {
      value += n;
      bar.update(Math.min(value, total));
    },
    set(v: number) {
      value = v;
      bar.update(Math.max(0, Math.min(value, total)));
    },
    stop() {
      bar.stop();
    },
  };
}
