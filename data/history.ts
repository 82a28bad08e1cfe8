/**
 * The training history for the generators: Binance spot ETH/USDT hourly closes over a fixed
 * period, as log returns (never across a venue outage). 2020–2023 holds Black Thursday, the 2021
 * bull market and crashes, the 2022 crashes and the quiet 2023.
 */
import { join } from 'node:path';
import { loadCandles } from './candle-loader.ts';
import type { CandleSeries } from './candle-series.ts';
import { resample } from './resample.ts';
import { logReturns } from './returns.ts';

export const TRAINING = { from: Date.UTC(2020, 0, 1) / 1000, to: Date.UTC(2024, 0, 1) / 1000 } as const;
export const HOURLY_HISTORY = join('normalized', 'eth_usdt_binance_spot_1h_2017-08-17_2026-05-13.csv');

export interface History {
  readonly series: CandleSeries;
  readonly returns: Float64Array;
  readonly resolution: number;
}

/** Returns of `file` over [from, to), aggregated to `resolution` (a multiple of the file's). */
export async function loadHistory(file: string, o: { from?: number; to?: number; resolution?: number } = {}): Promise<History> {
  const raw = await loadCandles(file, { gapPolicy: 'skip', from: o.from ?? TRAINING.from, to: o.to ?? TRAINING.to });
  const series = o.resolution && o.resolution !== raw.resolution ? resample(raw, o.resolution) : raw;
  return { series, returns: logReturns(series), resolution: series.resolution };
}
