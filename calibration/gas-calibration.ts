/**
 * Calibrates the L1 gas process on the real daily gas (../shared/data/gas) and hourly ETH
 * prices: on every DeFi-era crash day (a daily log return below −10 %, 2020 → 2022-09), the
 * model's daily mean base fee — the era's level (median of the 30 days before) × the mean over
 * the day's hours of (σ/σ̄)^β, σ the process's own trailing realised volatility and σ̄ the calm
 * level of the month before — should match the day's real average gas. β is fitted by least
 * squares on log gas (golden-section search); the fit also reports each day's real and model
 * gas, so the shipped elasticity can be checked against it (and 2020-03-12 is one of the days).
 */
import { loadCandles } from '../data/candle-loader.ts';
import type { CandleSeries } from '../data/candle-series.ts';
import { type GasHistory, gasLevelBefore, gasOnDay, median } from '../data/gas-history.ts';
import { dailyRealisedVolatility } from '../data/realised-volatility.ts';
import { DEFAULT_GAS, GasProcess } from '../sim/engine/gas-process.ts';

/** The DeFi era: from when liquidations and arbitrage crowded blocks in crashes. */
export const DEFI_ERA_START = Date.UTC(2020, 0, 1) / 1000;
/** A crash day: the day's close-to-close log return below this. */
export const CRASH_DAY_RETURN = -0.1;

export interface CrashDay {
  readonly day: number;
  readonly dailyReturn: number;
  readonly realGwei: number;
  readonly level: number;
  readonly calmVolatility: number;
  /** The day's hourly (σ/σ̄) ratios the model raises to β. */
  readonly ratios: readonly number[];
}

export interface GasFit {
  readonly elasticity: number;
  /** Root-mean-square error of log gas over the crash days at the fitted elasticity. */
  readonly rmsLogError: number;
  readonly days: ReadonlyArray<CrashDay & { readonly modelGwei: number }>;
}

/** The model's daily mean base fee for a day at elasticity β (no noise: its mean is one). */
export function modelDailyGas(d: CrashDay, beta: number): number {
  const multiples = d.ratios.map((r) => Math.min(40, Math.max(0.25, r ** beta)));
  return d.level * (multiples.reduce((a, b) => a + b, 0) / multiples.length);
}

/** The DeFi-era crash days with what the fit needs, from the daily gas and the hourly candles. */
export function crashDays(gas: GasHistory, hourly: CandleSeries): CrashDay[] {
  const vol = dailyRealisedVolatility(hourly);
  const process = new GasProcess({ ...DEFAULT_GAS, profile: 'l1', baseFeeGwei: 1, calmVolatility: 1, noise: 0 }, hourly, 0);
  const closeOfDay = new Map<number, number>();
  for (let i = 0; i < hourly.time.length; i++) closeOfDay.set(Math.floor((hourly.time[i] as number) / 86400) * 86400, Number(hourly.close[i] as bigint));
  const out: CrashDay[] = [];
  for (const [day, close] of closeOfDay) {
    const before = closeOfDay.get(day - 86400);
    if (day < DEFI_ERA_START || before === undefined) continue;
    const dailyReturn = Math.log(close / before);
    if (dailyReturn >= CRASH_DAY_RETURN) continue;
    const realGwei = gasOnDay(gas, day);
    const level = gasLevelBefore(gas, day);
    const calm = [...vol].filter(([d]) => d >= day - 30 * 86400 && d < day).map(([, v]) => v);
    if (realGwei === null || level === null || calm.length < 15) continue;
    const calmVolatility = median(calm);
    const ratios: number[] = [];
    for (let h = 0; h < 24; h++) {
      const sigma = process.volatility(day + h * 3600 + 1800);
      if (!Number.isNaN(sigma)) ratios.push(sigma / calmVolatility);
    }
    out.push({ day, dailyReturn, realGwei, level, calmVolatility, ratios });
  }
  return out.sort((a, b) => a.day - b.day);
}

/** Least squares on log gas over the crash days, by golden-section search of β in [0, 3]. */
export function fitElasticity(days: readonly CrashDay[]): GasFit {
  const loss = (beta: number) => days.reduce((s, d) => s + (Math.log(d.realGwei) - Math.log(modelDailyGas(d, beta))) ** 2, 0);
  let lo = 0;
  let hi = 3;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 80; i++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (loss(a) < loss(b)) hi = b;
    else lo = a;
  }
  const elasticity = (lo + hi) / 2;
  return {
    elasticity,
    rmsLogError: Math.sqrt(loss(elasticity) / Math.max(1, days.length)),
    days: days.map((d) => ({ ...d, modelGwei: modelDailyGas(d, elasticity) })),
  };
}

/** Loads the hourly candles the fit reads (2019-11 on, for the month before the first DeFi-era day). */
export async function loadFitCandles(hourlyFile: string): Promise<CandleSeries> {
  return loadCandles(hourlyFile, { gapPolicy: 'skip', from: DEFI_ERA_START - 40 * 86400, to: Date.UTC(2022, 8, 20) / 1000 });
}

/**
 * The L1 process's daily mean base fee on each day of a window of candles, beside the real daily
 * gas: the process as a run resolves it (level and calm volatility from the month before), its
 * noise averaged over the day (sampled every minute).
 */
export async function gasDaysBesideReal(gas: GasHistory, candles: CandleSeries, calmVolatility: number, seed = 1): Promise<Array<{ day: number; real: number; simulated: number }>> {
  const start = candles.time[0] as number;
  const end = (candles.time.at(-1) as number) + candles.resolution;
  const level = gasLevelBefore(gas, start);
  if (level === null) throw new Error(`no daily gas for the month before ${new Date(start * 1000).toISOString().slice(0, 10)}`);
  const process = new GasProcess({ ...DEFAULT_GAS, profile: 'l1', baseFeeGwei: level, calmVolatility }, candles, seed);
  const out: Array<{ day: number; real: number; simulated: number }> = [];
  for (let day = Math.floor(start / 86400) * 86400; day + 86400 <= end; day += 86400) {
    const real = gasOnDay(gas, day);
    if (real === null) continue;
    let sum = 0;
    let n = 0;
    for (let t = day; t < day + 86400; t += 60) {
      sum += process.baseFee(t);
      n++;
    }
    out.push({ day, real, simulated: sum / n });
  }
  return out;
}
