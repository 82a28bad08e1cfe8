/**
 * What price data a folder holds, cheaply: for each CSV its kind (candles or Chainlink rounds,
 * from the header), venue and quote (from the file name), resolution, span and row count (from
 * the first rows, the last row and a newline count). No full parse: `vamm data validate` does that.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { CANDLE_HEADER } from './candle-loader.ts';
import { InputError } from './input-error.ts';
import { ROUND_HEADER } from './round-loader.ts';

export type DataFileKind = 'candles' | 'rounds' | 'other';

export interface DataFileInfo {
  /** Path relative to the data folder. */
  readonly file: string;
  readonly kind: DataFileKind;
  readonly venue: string;
  readonly quote: string;
  /** Seconds between the first two rows (0 when unknown). */
  readonly resolution: number;
  readonly from?: number;
  readonly to?: number;
  readonly rows: number;
  readonly bytes: number;
}

/** Folders scanned, in order; original/ holds the sources in their own layouts and is not loadable. */
export const CATALOG_FOLDERS = ['normalized', 'windows', 'chainlink', '.'] as const;

const VENUES = ['binance', 'coinbase', 'gemini', 'bitstamp', 'chainlink', 'coingecko', 'coinapi', 'bitfinex', 'kraken'];
const MARKETS = ['spot', 'perp', 'usdm', 'mainnet'];

export function venueOf(name: string): { venue: string; quote: string } {
  const tokens = basename(name).toLowerCase().replace(/\.csv$/, '').split(/[_\-.]/);
  const v = tokens.findIndex((t) => VENUES.includes(t));
  const venue = v < 0 ? '?' : [tokens[v], ...tokens.slice(v + 1).filter((t, k) => k < 2 && MARKETS.includes(t))].join(' ');
  // Binance's ETH market is ETH/USDT; the window files name only the venue.
  const quote = tokens.includes('usdt') || (tokens[v] === 'binance' && !tokens.includes('usd')) ? 'USDT' : tokens.includes('usd') ? 'USD' : '?';
  return { venue, quote };
}

function readHead(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Candles or rounds, from the header line. */
export function detectKind(path: string): DataFileKind {
  const header = (readHead(path, 512).split(/\r?\n/)[0] ?? '').replace(/^\uFEFF/, '');
  if (header === CANDLE_HEADER.join(',')) return 'candles';
  if (header === ROUND_HEADER.join(',')) return 'rounds';
  return 'other';
}

export function describeDataFile(root: string, path: string): DataFileInfo {
  const bytes = statSync(path).size;
  const text = readFileSync(path);
  let newlines = 0;
  for (let i = text.indexOf(10); i >= 0; i = text.indexOf(10, i + 1)) newlines++;
  const endsWithNewline = text[text.length - 1] === 10;
  const lines = newlines + (endsWithNewline || text.length === 0 ? 0 : 1);
  const head = readHead(path, 4096).split(/\r?\n/);
  const header = (head[0] ?? '').split(',');
  const body = text.toString('utf8', Math.max(0, text.length - 512)).trimEnd().split(/\r?\n/);
  const last = (body[body.length - 1] ?? '').split(',');
  const name = relative(root, path);
  const { venue, quote } = venueOf(name);
  const base = { file: name, venue, quote, rows: Math.max(0, lines - 1), bytes };
  if (header.join(',') === CANDLE_HEADER.join(',')) {
    const t0 = Number(head[1]?.split(',')[0]);
    const t1 = Number(head[2]?.split(',')[0]);
    return { ...base, kind: 'candles', resolution: Number.isFinite(t1 - t0) ? t1 - t0 : 0, from: t0, to: Number(last[0]) };
  }
  if (header.join(',') === ROUND_HEADER.join(',')) {
    const first = head[1]?.split(',') ?? [];
    return { ...base, kind: 'rounds', resolution: 0, from: Number(first[6]), to: Number(last[6]) };
  }
  return { ...base, kind: 'other', resolution: 0 };
}

/** Every CSV in the catalog folders of `root`, in folder then name order. */
export function listDataFiles(root: string): DataFileInfo[] {
  const out: DataFileInfo[] = [];
  for (const folder of CATALOG_FOLDERS) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (name.endsWith('.csv') && statSync(path).isFile()) out.push(describeDataFile(root, path));
    }
  }
  return out;
}

/**
 * A file argument: an existing path, a path inside the data folder, or a unique file name (or
 * prefix) found in its catalog folders.
 */
export function resolveDataFile(arg: string, dataDir: () => string): string {
  if (existsSync(arg)) return resolve(arg);
  const root = dataDir();
  const inside = join(root, arg);
  if (existsSync(inside)) return inside;
  const matches: string[] = [];
  for (const folder of CATALOG_FOLDERS) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) if (name.startsWith(arg) && name.endsWith('.csv')) matches.push(join(dir, name));
  }
  if (matches.length === 1) return matches[0] as string;
  if (matches.length > 1) {
    throw new InputError({ file: arg }, `matches ${matches.length} files: ${matches.map((m) => relative(root, m)).join(', ')}`);
  }
  throw new InputError({ file: arg }, `no such file, and no file of that name in ${root} (see "vamm data list")`);
}
