/**
 * The `.part` file a download grows in. A crash can cut its last line; resuming keeps only the
 * complete lines (the loaders then validate what is left).
 */
import { existsSync, readFileSync, statSync, truncateSync } from 'node:fs';

export function partPath(out: string): string {
  return `${out}.part`;
}

/** Cuts an incomplete last line; returns whether the file holds anything after that. */
export function keepCompleteLines(file: string): boolean {
  if (!existsSync(file) || statSync(file).size === 0) return false;
  const text = readFileSync(file);
  const end = text.lastIndexOf(10);
  if (end < text.length - 1) truncateSync(file, end + 1);
  return end >= 0;
}

/** Whether the (complete-lines) file holds a header and at least one data row. */
export function hasDataRows(file: string): boolean {
  if (!keepCompleteLines(file)) return false;
  const text = readFileSync(file, 'utf8');
  const first = text.indexOf('\n');
  return first >= 0 && first < text.length - 1;
}
