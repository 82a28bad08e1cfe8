/**
 * Realised volatility from candle closes: per UTC day, √(Σ r² · 86400 / span) over the day's
 * close-to-close log returns (daily-scaled, so days with a missing hour still compare), and the
 * calm level before a time — the median day of the month before it — that the L1 gas process
 * measures its spikes against.
 */
import { loadCandles } from './candle-loader.ts';
import type { CandleSeries } from './candle-series.ts';
import { median } from './gas-history.ts';

/** Daily-scaled realised volatility of each UTC day with at least `minReturns` returns. */
export function dailyRealisedVolatility(s: CandleSeries, minReturns = 20): Map<number, number> {
  const sum = new Map<number, number>();
  const span = new Map<number, number>();
  const count = new Map<number, number>();
  for (let i = 1; i < s.time.length; i++) {
    const t0 = s.time[i - 1] as number;
    const t1 = s.time[i] as number;
    const p0 = Number(s.close[i - 1] as bigint);
    const p1 = Number(s.close[i] as bigint);
    if (p0 <= 0 || p1 <= 0) continue;
    const day = Math.floor(t1 / 86400) * 86400;
    sum.set(day, (sum.get(day) ?? 0) + Math.log(p1 / p0) ** 2);
    span.set(day, (span.get(day) ?? 0) + (t1 - t0));
    count.set(day, (count.get(day) ?? 0) + 1);
  }
  const out = new Map<number, number>();
  for (const [day, n] of count) if (n >= minReturns) out.set(day, Math.sqrt(((sum.get(day) as number) * 86400) / (span.get(day) as number)));
  return out;
}

/** The median daily realised volatility of the `days` days before `t`, from an hourly candle file; null when it does not cover them. */
export async function calmVolatilityBefore(hourlyFile: string, t: number, days = 30): Promise<number | null> {
  const end = Math.floor(t / 86400) * 86400;
  const series = await loadCandles(hourlyFile, { gapPolicy: 'skip', from: end - days * 86400 - 3600, to: end });
  const daily = [...dailyRealisedVolatility(series).entries()].filter(([d]) => d >= end - days * 86400 && d < end).map(([, v]) => v);
  return daily.length >= days / 2 ? median(daily) : null;
}
