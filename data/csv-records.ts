/**
 * Streams a CSV file's records with their line numbers (csv-parse). The price formats never
 * quote, so quoting is off: every record is exactly one line (line = record index + 1), which
 * is what lets us locate errors without csv-parse's per-record info objects (2× slower).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { InputError } from './input-error.ts';

/** 1-based character column where field `index` starts (unquoted CSV). */
export function columnOf(fields: readonly string[], index: number): number {
  let col = 1;
  for (let i = 0; i < index && i < fields.length; i++) col += (fields[i] as string).length + 1;
  return col;
}

/**
 * Calls `onRecord` for each record of `file`, in order (synchronously per record: an async
 * generator per record costs more than the parsing), except blank lines at the end of the file.
 * A file that cannot be read is an InputError.
 */
export async function forEachRecord(file: string, onRecord: (fields: string[], line: number) => void): Promise<void> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a regular file');
  } catch (e) {
    throw new InputError({ file }, `cannot read the file: ${(e as Error).message}`);
  }
  const parser = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(
    parse({ relax_column_count: true, quote: false, skip_empty_lines: false, bom: true }),
  );
  let line = 0;
  // Blank lines are held back: at the end of the file they are only how it ends (an editor's
  // trailing newline); followed by more records they are passed on, and reported as errors.
  let blank: number[] = [];
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      line++;
      if (fields.length === 1 && fields[0] === '') {
        blank.push(line);
        continue;
      }
      for (const l of blank) onRecord([''], l);
      blank = [];
      onRecord(fields, line);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError({ file, line: line + 1 }, `unreadable CSV: ${(e as Error).message}`);
  } finally {
    parser.destroy();
  }
}
