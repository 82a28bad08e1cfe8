/**
 * `vamm data fetch candles`: ETH candles from Binance's public klines REST endpoint
 * (GET /api/v3/klines, at most 1000 per page), written in the normalised candle format.
 *
 * Never a half file: pages are appended to `<out>.part`, and only a complete, validated file is
 * renamed to `<out>`. Resumable: a `.part` left by an interrupted run (or an existing `<out>`,
 * to extend it) is validated and continued from its last candle. The unfinished current candle
 * is dropped, as in the shared files.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CANDLE_HEADER, loadCandles } from '../candle-loader.ts';
import type { CandleSeries } from '../candle-series.ts';
import { decimalToWei } from '../wei-text.ts';
import { hasDataRows, partPath } from './partial-file.ts';
import { DEFAULT_RETRY, FetchFailed, type RetryOptions, getJson, withRetry } from './retry.ts';

export const BINANCE_BASE_URL = 'https://api.binance.com';
export const KLINE_INTERVALS: Readonly<Record<string, number>> = {
  '1m': 60, '3m': 180, '5m': 300, '15m': 900, '30m': 1800, '1h': 3600, '2h': 7200, '4h': 14400, '6h': 21600, '8h': 28800, '12h': 43200, '1d': 86400,
};

export interface KlineFetchOptions {
  readonly out: string;
  readonly from: number;
  /** Exclusive end (unix s); default now. */
  readonly to?: number;
  readonly symbol?: string;
  readonly interval?: string;
  readonly baseUrl?: string;
  readonly limit?: number;
  readonly retry?: RetryOptions;
  readonly now?: () => number;
  readonly onPage?: (info: { rows: number; until: number }) => void;
}

export interface KlineFetchResult {
  readonly rows: number;
  readonly pages: number;
  readonly resumedFrom?: number;
  readonly series: CandleSeries;
}

/** "2308.07000000" → "2308.07": the normalised files print prices without trailing zeros. */
export function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

export function klineRow(k: unknown, at: string): { time: number; line: string } {
  if (!Array.isArray(k) || k.length < 7) throw new FetchFailed(`${at}: a kline must be an array of at least 7 fields, got ${JSON.stringify(k).slice(0, 100)}`);
  const [openMs, o, h, l, c, v] = k as [unknown, unknown, unknown, unknown, unknown, unknown];
  if (typeof openMs !== 'number' || !Number.isInteger(openMs)) throw new FetchFailed(`${at}: open time ${String(openMs)} is not an integer`);
  const fields = [o, h, l, c, v].map((x) => {
    if (typeof x !== 'string' || typeof decimalToWei(x) !== 'bigint') throw new FetchFailed(`${at}: ${JSON.stringify(x)} is not a decimal string`);
    return trimDecimal(x);
  });
  return { time: Math.floor(openMs / 1000), line: `${Math.floor(openMs / 1000)},${fields.join(',')}` };
}

export async function fetchKlines(o: KlineFetchOptions): Promise<KlineFetchResult> {
  const interval = o.interval ?? '1h';
  const step = KLINE_INTERVALS[interval];
  if (!step) throw new FetchFailed(`unknown interval "${interval}" (${Object.keys(KLINE_INTERVALS).join(', ')})`);
  const now = o.now ?? (() => Date.now() / 1000);
  const to = o.to ?? Math.floor(now());
  const base = (o.baseUrl ?? BINANCE_BASE_URL).replace(/\/$/, '');
  const symbol = o.symbol ?? 'ETHUSDT';
  const limit = o.limit ?? 1000;
  const part = partPath(o.out);
  mkdirSync(dirname(part), { recursive: true });

  let cursor = Math.ceil(o.from / step) * step;
  let resumedFrom: number | undefined;
  if (!existsSync(part) && existsSync(o.out)) copyFileSync(o.out, part);
  if (hasDataRows(part)) {
    const done = await loadCandles(part, { gapPolicy: 'skip' });
    const last = done.time[done.time.length - 1];
    if (last !== undefined) {
      resumedFrom = last + step;
      cursor = Math.max(cursor, resumedFrom);
    }
  } else writeFileSync(part, `${CANDLE_HEADER.join(',')}\n`);

  let pages = 0;
  let rows = 0;
  while (cursor < to) {
    const url = `${base}/api/v3/klines?symbol=${encodeURIComponent(symbol)}&interval=${interval}&startTime=${cursor * 1000}&endTime=${to * 1000 - 1}&limit=${limit}`;
    const page = await withRetry(() => getJson(url), o.retry ?? DEFAULT_RETRY);
    if (!Array.isArray(page)) throw new FetchFailed(`${url}: expected an array of klines, got ${JSON.stringify(page).slice(0, 200)}`);
    pages++;
    const lines: string[] = [];
    let next = cursor;
    for (let i = 0; i < page.length; i++) {
      const { time, line } = klineRow(page[i], `${url} [${i}]`);
      if (time < next) throw new FetchFailed(`${url} [${i}]: candle ${time} is before ${next} (out of order or repeated)`);
      const closeMs = (page[i] as unknown[])[6];
      if (typeof closeMs === 'number' && closeMs >= now() * 1000) break; // unfinished candle
      if (time >= to) break;
      lines.push(line);
      next = time + step;
    }
    if (lines.length > 0) appendFileSync(part, `${lines.join('\n')}\n`);
    rows += lines.length;
    o.onPage?.({ rows, until: next });
    if (lines.length === 0 || page.length < limit) break;
    cursor = next;
  }
  // Validate the whole file before it becomes the output: nothing malformed ever lands.
  const series = await loadCandles(part, { gapPolicy: 'skip' });
  renameSync(part, o.out);
  return { rows, pages, ...(resumedFrom === undefined ? {} : { resumedFrom }), series: { ...series, source: o.out } };
}

/** Removes a partial download (to start over). */
export function discardPartial(out: string): void {
  rmSync(partPath(out), { force: true });
}
