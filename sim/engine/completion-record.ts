/**
 * A run folder's completion record, `complete.json`: written last, after every other file of
 * the run, so its presence says the run finished and its files are whole. It names the command,
 * the scenario and seed, and each file's size and SHA-256 (the event log's size is checked
 * again before a report or a replay trusts it). A folder without it holds a partial run: an
 * interrupted or failed one, or one written before runs had records.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../data/input-error.ts';

export const COMPLETION_RECORD = 'complete.json';
export const RUN_RECORD_FORMAT = 'vamm-run/1';

export interface FileRecord {
  readonly bytes: number;
  readonly sha256: string;
}

export interface CompletionRecord {
  readonly format: typeof RUN_RECORD_FORMAT;
  readonly command: string;
  readonly name: string;
  readonly seed: number;
  readonly finished: string;
  readonly wallClockSeconds: number;
  readonly blocks: number;
  readonly events: number;
  /** Invariant violations the run recorded (the run's exit status is 1 when any). */
  readonly invariantViolations: number;
  readonly files: Readonly<Record<string, FileRecord>>;
}

/** A folder (or log) that is not a finished run where one is needed (exit status 2). */
export class PartialRunError extends InputError {
  override name = 'PartialRunError';
}

export async function fileRecord(path: string): Promise<FileRecord> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { bytes: statSync(path).size, sha256: hash.digest('hex') };
}

/** Records the files (in `dir`) and writes the record: call it after everything else is written. */
export async function writeCompletionRecord(dir: string, fields: Omit<CompletionRecord, 'format' | 'files'>, files: readonly string[]): Promise<CompletionRecord> {
  const recorded: Record<string, FileRecord> = {};
  for (const f of files) recorded[f] = await fileRecord(join(dir, f));
  const record: CompletionRecord = { format: RUN_RECORD_FORMAT, ...fields, files: recorded };
  writeFileSync(join(dir, COMPLETION_RECORD), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

export function readCompletionRecord(dir: string): CompletionRecord | null {
  const file = join(dir, COMPLETION_RECORD);
  if (!existsSync(file)) return null;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as CompletionRecord;
    return record.format === RUN_RECORD_FORMAT ? record : null;
  } catch {
    return null;
  }
}

/**
 * The record of a finished run in `dir`, whose event log is still the size it was; else a
 * PartialRunError saying what is wrong and what to do. `use` says what needs it ("the report").
 */
export function requireCompleteRun(dir: string, use: string): CompletionRecord {
  const record = readCompletionRecord(dir);
  if (!record) {
    throw new PartialRunError(
      { file: dir },
      `not a finished run: no ${COMPLETION_RECORD} (a run writes it last; it is missing when the run was interrupted or failed, or was written by a vamm before runs had one), so ${use} would present a partial run as a result. Run the scenario again${use === 'the report' ? ', or pass --partial for a report labelled partial on every page' : ''}`,
    );
  }
  const log = record.files['events.jsonl'];
  const path = join(dir, 'events.jsonl');
  if (log && (!existsSync(path) || statSync(path).size !== log.bytes)) {
    throw new PartialRunError({ file: path }, `changed since the run finished (${log.bytes} bytes recorded in ${COMPLETION_RECORD}, ${existsSync(path) ? statSync(path).size : 'no file'} now)`);
  }
  return record;
}
