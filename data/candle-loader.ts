/**
 * Loads a normalised candle file (`timestamp,open,high,low,close,volume`; see SOURCES.md):
 * streamed, every row validated, prices to wei exactly. Any malformed row is reported with file,
 * line, column and reason, and then nothing is returned. Gaps go through the named policy.
 */
import { type CandleSeries, emptyColumns, inferSegments, modalStep } from './candle-series.ts';
import { columnOf, forEachRecord } from './csv-records.ts';
import { ErrorCollector } from './error-collector.ts';
import { type GapPolicy, carryForwardInPlace, describeGap, describeGaps, findGaps, summariseGaps } from './gaps.ts';
import { InputError } from './input-error.ts';
import { decimalToWei } from './wei-text.ts';

export const CANDLE_HEADER = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
export const ROUND_HEADER_START = 'round_id';

export interface CandleLoadOptions {
  /** What to do with missing bars: there is no default, the caller must choose. */
  readonly gapPolicy: GapPolicy;
  /** Seconds per bar; default: the most common step in the file. */
  readonly resolution?: number;
  /** Keep only candles opening in [from, to) (the whole file is still validated). */
  readonly from?: number;
  readonly to?: number;
  /** How many errors to collect before giving up listing them. */
  readonly maxErrors?: number;
}

/** Largest timestamp accepted as seconds; larger ones are almost surely milliseconds. */
const MAX_SECONDS = 1e11;

/** Unix seconds from text, or a reason. */
export function parseTimestamp(text: string): number | string {
  if (!/^\d+$/.test(text)) return `"${text}" is not a unix timestamp in seconds`;
  const t = Number(text);
  if (t >= MAX_SECONDS) return `${text} looks like milliseconds: timestamps are unix seconds`;
  return t;
}

export async function loadCandles(file: string, options: CandleLoadOptions): Promise<CandleSeries> {
  const errors = new ErrorCollector(file, options.maxErrors);
  const cols = emptyColumns();
  const from = options.from ?? Number.NEGATIVE_INFINITY;
  const to = options.to ?? Number.POSITIVE_INFINITY;
  let prevTime = Number.NEGATIVE_INFINITY;
  let prevLine = 0;
  let firstStoredLine = 0;
  let rows = 0;
  const prices = [0n, 0n, 0n, 0n];

  await forEachRecord(file, (fields, line) => {
    if (line === 1) {
      checkHeader(fields, file);
      return;
    }
    rows++;
    if (fields.length !== CANDLE_HEADER.length) {
      const what = fields.length === 1 && fields[0] === '' ? 'empty line' : `${fields.length} field${fields.length === 1 ? '' : 's'}`;
      errors.add({ line, column: 1 }, `expected ${CANDLE_HEADER.length} fields (${CANDLE_HEADER.join(',')}), found ${what}`);
      return;
    }
    let ok = true;
    const time = parseTimestamp(fields[0] as string);
    if (typeof time === 'string') {
      errors.add({ line, column: 1, field: 'timestamp' }, time);
      ok = false;
    }
    for (let k = 1; k <= 4; k++) {
      const text = fields[k] as string;
      const wei = decimalToWei(text);
      const field = CANDLE_HEADER[k] as string;
      if (typeof wei === 'string') {
        errors.add({ line, column: columnOf(fields, k), field }, `"${text}" ${wei}`);
        ok = false;
      } else if (wei <= 0n) {
        errors.add({ line, column: columnOf(fields, k), field }, `price must be positive, found ${text}`);
        ok = false;
      } else prices[k - 1] = wei;
    }
    const volume = decimalToWei(fields[5] as string);
    if (typeof volume === 'string') {
      errors.add({ line, column: columnOf(fields, 5), field: 'volume' }, `"${fields[5]}" ${volume}`);
      ok = false;
    } else if (volume < 0n) {
      errors.add({ line, column: columnOf(fields, 5), field: 'volume' }, `volume must not be negative, found ${fields[5]}`);
      ok = false;
    }
    if (!ok) return;
    const [open, high, low, close] = prices as [bigint, bigint, bigint, bigint];
    if (high < low) {
      errors.add({ line, column: columnOf(fields, 2), field: 'high' }, `high ${fields[2]} is below low ${fields[3]}`);
      return;
    }
    if (open > high || open < low || close > high || close < low) {
      const which = open > high || open < low ? 'open' : 'close';
      errors.add({ line, column: columnOf(fields, which === 'open' ? 1 : 4), field: which }, `${which} ${fields[which === 'open' ? 1 : 4]} is outside [low ${fields[3]}, high ${fields[2]}]`);
      return;
    }
    const t = time as number;
    if (t <= prevTime) {
      errors.add(
        { line, column: 1, field: 'timestamp' },
        t === prevTime ? `duplicate timestamp ${t} (also on line ${prevLine})` : `out of order: ${t} comes after ${prevTime} (line ${prevLine})`,
      );
      return;
    }
    prevTime = t;
    prevLine = line;
    if (t < from || t >= to || errors.count > 0) return;
    if (cols.time.length === 0) firstStoredLine = line;
    cols.time.push(t);
    cols.open.push(open);
    cols.high.push(high);
    cols.low.push(low);
    cols.close.push(close);
    cols.volume.push(volume as bigint);
  });
  if (prevLine === 0 && errors.count === 0) {
    errors.add({ line: rows > 0 ? 2 : 1 }, rows > 0 ? 'no valid data rows' : 'no data rows after the header');
  }
  errors.throwIfAny();

  const resolution = options.resolution ?? modalStep(cols.time);
  const segments = options.resolution ? [{ source: file, resolution, start: 0, end: cols.time.length }] : inferSegments(cols.time, file, resolution);
  const resAt = (i: number) => {
    for (const seg of segments) if (i >= seg.start && i < seg.end) return seg.resolution;
    return resolution;
  };
  const gaps = findGaps(cols.time, resolution, (i) => firstStoredLine + i, segments.length > 1 ? (i) => resAt(i - 1) : undefined);
  const report = summariseGaps(gaps, resolution, options.gapPolicy);
  if (options.gapPolicy === 'refuse' && gaps.length > 0) {
    const shown = gaps.slice(0, 10).map((g) => describeGap(g, resolution)).join('; ');
    throw new InputError(
      { file, line: (report.longest?.line ?? 0) || undefined, field: 'timestamp' },
      `${describeGaps(report)}. Gaps: ${shown}${gaps.length > 10 ? '; …' : ''}. The gap policy is "refuse": choose carry-forward or skip to load it`,
    );
  }
  const filled = options.gapPolicy === 'carry-forward' ? carryForwardInPlace(cols, gaps, resolution) : 0;
  return {
    source: file,
    resolution,
    ...cols,
    segments: filled > 0 ? inferSegments(cols.time, file, resolution) : segments,
    gaps: { ...report, filled },
  };
}

function checkHeader(fields: readonly string[], file: string): void {
  if (fields[0] === ROUND_HEADER_START) {
    throw new InputError({ file, line: 1, column: 1 }, 'this is a Chainlink rounds file, not candles: load it as rounds');
  }
  for (let i = 0; i < CANDLE_HEADER.length; i++) {
    if (fields[i] !== CANDLE_HEADER[i]) {
      throw new InputError(
        { file, line: 1, column: columnOf(fields, i), field: CANDLE_HEADER[i] },
        `wrong header: expected "${CANDLE_HEADER.join(',')}", found "${fields.join(',')}"${fields[i] === undefined ? ` (column ${i + 1} "${CANDLE_HEADER[i]}" is missing)` : ` (column ${i + 1} is "${fields[i]}")`}`,
      );
    }
  }
  if (fields.length > CANDLE_HEADER.length) {
    throw new InputError(
      { file, line: 1, column: columnOf(fields, CANDLE_HEADER.length) },
      `wrong header: expected "${CANDLE_HEADER.join(',')}", found extra column "${fields[CANDLE_HEADER.length]}"`,
    );
  }
}
