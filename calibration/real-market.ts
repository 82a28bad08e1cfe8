/**
 * The real market the simulated one is checked against: the Binance USDⓈ-M ETH perpetual
 * against Binance spot, hour by hour (../shared/data/eth: 2019-12 → 2024-04; SOURCES.md gives
 * the basis: median 0.048 %, p99 0.25 %). For every hour both files have: the basis |perp −
 * spot| / spot, the signed premium, and the regime — stressed when the spot's realised
 * volatility over the trailing 24 hours (daily-scaled) is in the top decile of the whole
 * overlap, calm otherwise. Per 8-hour funding window (00, 08, 16 UTC): the funding rate by
 * Binance's formula, F = P + clamp(I − P, −0.05 %, +0.05 %) with the interest rate I = 0.01 %
 * and P the window's mean premium (from hourly closes here, where Binance samples its premium
 * index every few seconds from impact prices: a proxy, as no funding history is in ../shared).
 */
import { join } from 'node:path';
import { loadCandles } from '../data/candle-loader.ts';
import type { CandleSeries } from '../data/candle-series.ts';

export const PERP_FILE = join('normalized', 'eth_usdt_binance_usdm_perp_1h_2019-12-01_2024-04-18.csv');
export const SPOT_FILE = join('normalized', 'eth_usdt_binance_spot_1h_2017-08-17_2026-05-13.csv');

export interface RealHour {
  readonly basis: number;
  readonly premium: number;
  /** Trailing 24 h realised volatility of spot, daily-scaled (NaN with fewer than 20 returns). */
  readonly volatility: number;
}

export interface RealMarket {
  readonly hours: ReadonlyMap<number, RealHour>;
  /** The volatility above which an hour is stressed (the overlap's 90th percentile). */
  readonly stressThreshold: number;
  readonly first: number;
  readonly last: number;
}

const closes = (s: CandleSeries) => {
  const m = new Map<number, number>();
  for (let i = 0; i < s.time.length; i++) m.set(s.time[i] as number, Number(s.close[i] as bigint) / 1e18);
  return m;
};

/** Trailing 24 h realised volatility at each hour of `spot` (daily-scaled). */
export function trailingVolatility(spot: ReadonlyMap<number, number>, t: number): number {
  let sum = 0;
  let n = 0;
  for (let k = 0; k < 24; k++) {
    const a = spot.get(t - 3600 * k);
    const b = spot.get(t - 3600 * (k + 1));
    if (a === undefined || b === undefined) continue;
    sum += Math.log(a / b) ** 2;
    n++;
  }
  return n >= 20 ? Math.sqrt((sum * 24) / n) : Number.NaN;
}

export async function loadRealMarket(dataDir: string): Promise<RealMarket> {
  const [perp, spot] = await Promise.all([
    loadCandles(join(dataDir, PERP_FILE), { gapPolicy: 'skip' }).then(closes),
    loadCandles(join(dataDir, SPOT_FILE), { gapPolicy: 'skip', from: Date.UTC(2019, 10, 1) / 1000, to: Date.UTC(2024, 4, 1) / 1000 }).then(closes),
  ]);
  const hours = new Map<number, RealHour>();
  for (const [t, p] of perp) {
    const s = spot.get(t);
    if (s === undefined) continue;
    hours.set(t, { basis: Math.abs(p - s) / s, premium: (p - s) / s, volatility: trailingVolatility(spot, t) });
  }
  const vols = [...hours.values()].map((h) => h.volatility).filter((v) => !Number.isNaN(v));
  const times = [...hours.keys()].sort((a, b) => a - b);
  return { hours, stressThreshold: quantile(vols, 0.9), first: times[0] ?? 0, last: times.at(-1) ?? 0 };
}

/** Binance's interest rate per 8 h and the clamp around it. */
const INTEREST = 0.0001;
const CLAMP = 0.0005;

/** The funding rate of each 8-hour window with all 8 hours (Binance's formula on the window's mean premium), keyed by its start. */
export function fundingWindows(hours: ReadonlyMap<number, RealHour>, from: number, to: number): Map<number, number> {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const [t, h] of hours) {
    if (t < from || t >= to) continue;
    const w = Math.floor(t / 28800) * 28800;
    const s = sums.get(w) ?? { sum: 0, n: 0 };
    s.sum += h.premium;
    s.n++;
    sums.set(w, s);
  }
  const rate = (p: number) => p + Math.min(CLAMP, Math.max(-CLAMP, INTEREST - p));
  return new Map([...sums].filter(([, s]) => s.n === 8).map(([w, s]) => [w, rate(s.sum / 8)]));
}

/** The q-quantile by linear interpolation (NaN when empty). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}
