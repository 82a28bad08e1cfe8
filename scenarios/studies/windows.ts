/**
 * History for the funding-cap study: windows of a few days drawn from Binance ETH/USDT hourly
 * candles 2017–2026, classified by a stated rule, stratified over the years, and split into the
 * few windows the adversary is optimised on and the many it is judged on.
 *
 * The rule, on the window's hourly candles (close-to-close moves and the candles' extremes):
 * - **crash**: the deepest fall from a running high to a later low within the window is at least
 *   `crashDrawdown` (15 %);
 * - **trending**: not a crash, and the window ends at least `trendMove` (7 %) from where it began;
 * - **calm**: the window's whole range, highest high over lowest low, is within `calmRange` (6 %);
 * - anything else (volatile without a direction) is not drawn.
 * Windows touching a gap in the hourly file (a venue outage) are skipped.
 *
 * Each class's candidates are cut into `perClass` consecutive strata in time and one window is
 * drawn (seeded) from each, so every class spans the years; a draw that overlaps a window already
 * taken is redrawn. A window is simulated on Binance 5-minute candles where a 5-minute file covers
 * it (2020-02/03, 2022-01 → 2023-09, 2024-01 → 2024-09), else on the hourly candles.
 */
import { loadCandles } from '../../data/candle-loader.ts';
import type { CandleSeries } from '../../data/candle-series.ts';
import { listDataFiles } from '../../data/catalog.ts';
import { HOURLY_HISTORY } from '../../data/history.ts';
import { Rng } from '../../data/prng.ts';
import { findDataDir } from '../../data/shared-dir.ts';
import { join } from 'node:path';

export type WindowClass = 'calm' | 'trending' | 'crash';
export const WINDOW_CLASSES: readonly WindowClass[] = ['calm', 'trending', 'crash'];

export interface WindowRule {
  readonly days: number;
  readonly crashDrawdown: number;
  readonly trendMove: number;
  readonly calmRange: number;
}

export const DEFAULT_WINDOW_RULE: WindowRule = { days: 2, crashDrawdown: 0.15, trendMove: 0.07, calmRange: 0.06 };

export interface StudyWindow {
  readonly label: string;
  readonly class: WindowClass;
  /** ISO start and end (UTC). */
  readonly from: string;
  readonly to: string;
  /** Candle file (relative to the data folder) and its resolution (s). */
  readonly file: string;
  readonly resolution: number;
  /** The statistics the rule read. */
  readonly drawdown: number;
  readonly move: number;
  readonly range: number;
}

export interface WindowStats {
  readonly drawdown: number;
  readonly move: number;
  readonly range: number;
}

const num = (x: bigint): number => Number(x) / 1e18;

/** The rule's statistics over candles [i, j) of a series. */
export function windowStats(s: CandleSeries, i: number, j: number): WindowStats {
  let peak = 0;
  let drawdown = 0;
  let high = 0;
  let low = Number.POSITIVE_INFINITY;
  for (let k = i; k < j; k++) {
    const h = num(s.high[k] as bigint);
    const l = num(s.low[k] as bigint);
    // A running high reached within the bar counts for later bars only (the bar's order is unknown).
    drawdown = Math.max(drawdown, peak > 0 ? 1 - l / peak : 0);
    peak = Math.max(peak, h);
    high = Math.max(high, h);
    low = Math.min(low, l);
  }
  const move = num(s.close[j - 1] as bigint) / num(s.open[i] as bigint) - 1;
  return { drawdown, move, range: high / low - 1 };
}

export function classify(w: WindowStats, rule: WindowRule = DEFAULT_WINDOW_RULE): WindowClass | null {
  if (w.drawdown >= rule.crashDrawdown) return 'crash';
  if (Math.abs(w.move) >= rule.trendMove) return 'trending';
  if (w.range <= rule.calmRange) return 'calm';
  return null;
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

interface Candidate extends WindowStats {
  readonly start: number;
  readonly class: WindowClass;
}

/** Every whole-day-aligned window of the hourly history with its class (gap-free windows only). */
export function candidateWindows(hourly: CandleSeries, rule: WindowRule = DEFAULT_WINDOW_RULE): Candidate[] {
  const bars = rule.days * 24;
  const out: Candidate[] = [];
  for (let i = 0; i + bars <= hourly.time.length; i++) {
    const start = hourly.time[i] as number;
    if (start % 86400 !== 0) continue;
    if ((hourly.time[i + bars - 1] as number) - start !== (bars - 1) * 3600) continue; // a gap inside
    const stats = windowStats(hourly, i, i + bars);
    const c = classify(stats, rule);
    if (c) out.push({ start, class: c, ...stats });
  }
  return out;
}

/** Finer candle files (Binance spot 5-minute), with their spans, that a window may run on. */
function fineFiles(dataDir: string): Array<{ file: string; from: number; to: number; resolution: number }> {
  return listDataFiles(dataDir)
    .filter((f) => f.kind === 'candles' && f.file.startsWith('normalized/') && f.file.includes('binance_spot_5m') && f.from !== undefined && f.to !== undefined)
    .map((f) => ({ file: f.file, from: f.from as number, to: f.to as number, resolution: f.resolution }));
}

/**
 * Draws `perClass` windows of each class, stratified in time, seeded. `period` limits the
 * candidates (default: the whole hourly history).
 */
export async function drawStudyWindows(o: { perClass: number; seed: number; rule?: WindowRule; dataDir?: string; period?: { from: number; to: number } }): Promise<StudyWindow[]> {
  const rule = o.rule ?? DEFAULT_WINDOW_RULE;
  const dataDir = findDataDir(o.dataDir);
  const hourly = await loadCandles(join(dataDir, HOURLY_HISTORY), { gapPolicy: 'skip', ...(o.period ? { from: o.period.from, to: o.period.to } : {}) });
  const candidates = candidateWindows(hourly, rule);
  const fine = fineFiles(dataDir);
  const rng = new Rng(o.seed);
  const span = rule.days * 86400;
  const taken: Candidate[] = [];
  const overlaps = (c: Candidate) => taken.some((t) => c.start < t.start + span && t.start < c.start + span);
  for (const cls of WINDOW_CLASSES) {
    const pool = candidates.filter((c) => c.class === cls);
    if (pool.length < o.perClass) throw new Error(`only ${pool.length} ${cls} windows of ${rule.days} days in the history; asked for ${o.perClass}`);
    for (let k = 0; k < o.perClass; k++) {
      const stratum = pool.slice(Math.floor((k * pool.length) / o.perClass), Math.floor(((k + 1) * pool.length) / o.perClass));
      const free = stratum.filter((c) => !overlaps(c));
      const pick = free[rng.int(free.length)];
      if (pick) taken.push(pick);
    }
  }
  return taken
    .sort((a, b) => a.start - b.start)
    .map((c) => {
      const end = c.start + span;
      const f = fine.find((x) => x.from <= c.start && x.to >= end);
      return {
        label: `${c.class} ${iso(c.start).slice(0, 10)}`,
        class: c.class,
        from: iso(c.start),
        to: iso(end),
        file: f?.file ?? HOURLY_HISTORY,
        resolution: f?.resolution ?? 3600,
        drawdown: c.drawdown,
        move: c.move,
        range: c.range,
      };
    });
}

/** Training windows: `perClass` of each class, seeded; the rest are held out. */
export function splitWindows(windows: readonly StudyWindow[], perClass: number, seed: number): { train: StudyWindow[]; test: StudyWindow[] } {
  const rng = new Rng(seed);
  const train: StudyWindow[] = [];
  for (const cls of WINDOW_CLASSES) {
    const pool = windows.filter((w) => w.class === cls);
    for (let k = 0; k < perClass && pool.length > 0; k++) train.push(...pool.splice(rng.int(pool.length), 1));
  }
  return { train, test: windows.filter((w) => !train.includes(w)) };
}
