/**
 * Realistic intrabar extremes for generated paths: each generated hour is given the 5-minute
 * shape of a real hour (a conditional bootstrap). The library holds every complete hour of real
 * Binance 5-minute candles in the data folder (the 1-minute files aggregated to 5 minutes),
 * Black Thursday, May 2021, LUNA, 3AC, FTX and August 2024 among them, as log prices of each
 * 5-minute open, high, low and close relative to the hour's open. A generated hour with log
 * return r takes a donor drawn from the `neighbours` real hours whose return is nearest r, and
 * the donor's shape is bent onto r by a linear drift over the hour (r − R·t, a bridge), so the
 * path keeps the generator's hourly returns exactly and gets real wicks, real speed of moves
 * and real ranges inside each hour.
 *
 * `adaptive`: hours whose refined range stays under `calmRange` are merged back into one hourly
 * candle (with the refined high and low), so the engine only walks 5-minute bars where the
 * price moves fast. The study checks that this gives the same answer as full 5-minute paths.
 */
import { join } from 'node:path';
import type { CandleSeries, SeriesSegment } from './candle-series.ts';
import { loadCandles } from './candle-loader.ts';
import { INTRABAR_CACHE_DIR, dataCode, holdsDonors, libraryKey, readCachedLibrary, writeCachedLibrary } from './intrabar-cache.ts';
import type { PricePath } from './generators/replay.ts';
import type { Rng } from './prng.ts';
import { resample } from './resample.ts';
import { floatPriceToWei, weiToFloat } from './wei-text.ts';

/** 5-minute bars in an hour (each donor's shape holds this many). */
export const BARS = 12;
const BAR = 300;

/** The real 5-minute and 1-minute files the library is built from (in the data folder). */
export const INTRABAR_SOURCES = [
  'normalized/eth_usdt_binance_spot_5m_2020-02-10_2020-03-31.csv',
  'normalized/eth_usdt_binance_spot_1m_2021-04-20_2021-06-15.csv',
  'normalized/eth_usdt_binance_spot_5m_2022-01-01_2023-09-27.csv',
  'normalized/eth_usdt_binance_spot_5m_2024-01-01_2024-09-24.csv',
] as const;

export interface IntrabarLibrary {
  /** Hourly log returns of the donors, ascending. */
  readonly returns: Float64Array;
  /** Per donor (same order), 12 × [open, high, low, close] log prices relative to the hour's open. */
  readonly shapes: Float64Array;
  readonly sources: readonly string[];
}

/** Complete hours of a 5-minute series as donor shapes. */
export function donorsOf(s: CandleSeries): Array<{ ret: number; shape: Float64Array }> {
  const out: Array<{ ret: number; shape: Float64Array }> = [];
  const f = (x: bigint) => Math.log(weiToFloat(x));
  for (let i = 0; i + BARS <= s.time.length; i++) {
    const t = s.time[i] as number;
    if (t % 3600 !== 0 || (s.time[i + BARS - 1] as number) !== t + 3600 - BAR) continue;
    const base = f(s.open[i] as bigint);
    const shape = new Float64Array(BARS * 4);
    for (let j = 0; j < BARS; j++) {
      shape[4 * j] = f(s.open[i + j] as bigint) - base;
      shape[4 * j + 1] = f(s.high[i + j] as bigint) - base;
      shape[4 * j + 2] = f(s.low[i + j] as bigint) - base;
      shape[4 * j + 3] = f(s.close[i + j] as bigint) - base;
    }
    out.push({ ret: shape[4 * BARS - 1] as number, shape });
    i += BARS - 1;
  }
  return out;
}

export function libraryOf(donors: ReadonlyArray<{ ret: number; shape: Float64Array }>, sources: readonly string[]): IntrabarLibrary {
  const sorted = [...donors].sort((a, b) => a.ret - b.ret);
  const shapes = new Float64Array(sorted.length * BARS * 4);
  sorted.forEach((d, k) => shapes.set(d.shape, k * BARS * 4));
  return { returns: Float64Array.from(sorted, (d) => d.ret), shapes, sources };
}

const libraries = new Map<string, Promise<IntrabarLibrary>>();

/**
 * The library of the data folder: built once per process, or read from the cache in `cacheDir`
 * built from the same sources and code (intrabar-cache.ts; null or `VAMM_INTRABAR_CACHE=0`: none).
 */
export function intrabarLibrary(dataDir: string, cacheDir: string | null = INTRABAR_CACHE_DIR): Promise<IntrabarLibrary> {
  const dir = process.env.VAMM_INTRABAR_CACHE === '0' ? null : cacheDir;
  let lib = libraries.get(`${dataDir}\n${dir}`);
  if (!lib) {
    lib = (async () => {
      const files = INTRABAR_SOURCES.map((f) => join(dataDir, f));
      const key = dir === null ? '' : libraryKey(files, dataCode());
      const read = dir === null ? null : readCachedLibrary(key, dir);
      // Checked against the first source's donors built afresh: a library from other code is never used.
      if (read && holdsDonors(read, await donorsFrom(files[0] as string))) return { ...read, sources: INTRABAR_SOURCES };
      const donors: Array<{ ret: number; shape: Float64Array }> = [];
      for (const file of files) donors.push(...(await donorsFrom(file)));
      const built = libraryOf(donors, INTRABAR_SOURCES);
      if (dir !== null) writeCachedLibrary(key, built, dir);
      return built;
    })();
    libraries.set(`${dataDir}\n${dir}`, lib);
  }
  return lib;
}

/** The donor shapes of one source file (1-minute files aggregated to 5 minutes). */
async function donorsFrom(file: string): Promise<Array<{ ret: number; shape: Float64Array }>> {
  const raw = await loadCandles(file, { gapPolicy: 'skip' });
  return donorsOf(raw.resolution === BAR ? raw : resample(raw, BAR));
}

/** Index of a donor among the `neighbours` nearest in return to r. */
export function pickDonor(lib: IntrabarLibrary, r: number, neighbours: number, rng: Rng): number {
  const n = lib.returns.length;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((lib.returns[mid] as number) < r) lo = mid + 1;
    else hi = mid;
  }
  const k = Math.min(neighbours, n);
  const start = Math.max(0, Math.min(n - k, lo - Math.floor(k / 2)));
  return start + rng.int(k);
}

/**
 * Bar j of donor d's shape bent onto the hour's return r: its log high, low and close relative to
 * the hour's open, into bar[1], bar[2] and bar[3]. The bend is a drift (r − R)·t over the hour (R
 * the donor's own return), t at each point's place in it: the extremes at the bar's middle, the
 * close at its end.
 */
export function bentBar(lib: IntrabarLibrary, d: number, j: number, r: number, bar: Float64Array): void {
  // No closure for the drift: tsx names every closure it creates (a defineProperty each), per bar.
  const slope = r - (lib.returns[d] as number);
  const at = (d * BARS + j) * 4;
  bar[1] = (lib.shapes[at + 1] as number) + slope * ((j + 0.5) / BARS);
  bar[2] = (lib.shapes[at + 2] as number) + slope * ((j + 0.5) / BARS);
  bar[3] = (lib.shapes[at + 3] as number) + slope * ((j + 1) / BARS);
}

export interface RefineOptions {
  /** Donors drawn from this many nearest in hourly return. */
  readonly neighbours?: number;
  /** Merge hours whose refined high/low range is under this (fraction) back into one candle; 0: keep every 5-minute bar. */
  readonly calmRange?: number;
}

/**
 * An hourly price path as candles with real 5-minute shapes inside each hour (or, adaptive,
 * only inside the hours that move). Every hourly close is the generated one (to 8 decimals).
 */
export function refinePath(path: PricePath, lib: IntrabarLibrary, rng: Rng, source: string, o: RefineOptions = {}): CandleSeries {
  const neighbours = o.neighbours ?? 20;
  const calm = o.calmRange ?? 0;
  if ((path.time[1] as number) - (path.time[0] as number) !== 3600) throw new RangeError(`${source}: intrabar refinement takes an hourly path`);
  const s = { source, resolution: BAR, time: [] as number[], open: [] as bigint[], high: [] as bigint[], low: [] as bigint[], close: [] as bigint[], volume: [] as bigint[], segments: [] as SeriesSegment[] };
  const segment = (resolution: number) => {
    const last = s.segments.at(-1);
    if (last && last.resolution === resolution) (last as { end: number }).end = s.time.length;
    else s.segments.push({ source, resolution, start: s.time.length - 1, end: s.time.length });
  };
  const bar = new Float64Array(4);
  for (let h = 0; h + 1 < path.price.length; h++) {
    const open = weiToFloat(path.price[h] as bigint);
    const closeWei = path.price[h + 1] as bigint;
    const r = Math.log(weiToFloat(closeWei) / open);
    const d = pickDonor(lib, r, neighbours, rng);
    const t0 = path.time[h] as number;
    const bars: Array<[bigint, bigint, bigint, bigint]> = [];
    let prevClose = path.price[h] as bigint;
    let hi = 0;
    let lo = 0;
    for (let j = 0; j < BARS; j++) {
      bentBar(lib, d, j, r, bar);
      const close = j === BARS - 1 ? closeWei : floatPriceToWei(open * Math.exp(bar[3] as number));
      const o = prevClose;
      const hiW = floatPriceToWei(open * Math.exp(bar[1] as number));
      const loW = floatPriceToWei(open * Math.exp(bar[2] as number));
      const high = [o, close, hiW].reduce((a, b) => (b > a ? b : a));
      const low = [o, close, loW].reduce((a, b) => (b < a ? b : a));
      bars.push([o, high, low, close]);
      hi = Math.max(hi, Math.log(weiToFloat(high) / open));
      lo = Math.min(lo, Math.log(weiToFloat(low) / open));
      prevClose = close;
    }
    if (calm > 0 && hi - lo < calm) {
      s.time.push(t0);
      s.open.push(bars[0]![0]);
      s.high.push(bars.reduce((a, b) => (b[1] > a ? b[1] : a), bars[0]![1]));
      s.low.push(bars.reduce((a, b) => (b[2] < a ? b[2] : a), bars[0]![2]));
      s.close.push(closeWei);
      s.volume.push(0n);
      segment(3600);
      continue;
    }
    bars.forEach((b, j) => {
      s.time.push(t0 + j * BAR);
      s.open.push(b[0]);
      s.high.push(b[1]);
      s.low.push(b[2]);
      s.close.push(b[3]);
      s.volume.push(0n);
      segment(BAR);
    });
  }
  // The most common step, by bars: what the series is mostly made of.
  const count = (res: number) => s.segments.filter((g) => g.resolution === res).reduce((n, g) => n + g.end - g.start, 0);
  return { ...s, resolution: count(3600) > count(BAR) ? 3600 : BAR };
}
