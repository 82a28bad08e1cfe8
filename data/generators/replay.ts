/**
 * Crash replay: a historical window rescaled to start at any price, exactly in wei:
 * price_i = start · close_i / close_0 (floored), so every return of the window is kept.
 */
import type { CandleSeries } from '../candle-series.ts';

export interface PricePath {
  /** Unix seconds of each price (the candle close: open time + resolution). */
  readonly time: number[];
  readonly price: bigint[];
}

export function replayWindow(window: CandleSeries, startPrice: bigint, startTime?: number): PricePath {
  if (startPrice <= 0n) throw new RangeError('the start price must be positive');
  const base = window.open[0];
  if (base === undefined) throw new RangeError('the window is empty');
  const shift = startTime === undefined ? 0 : startTime - (window.time[0] as number);
  const time = [(window.time[0] as number) + shift];
  const price = [startPrice];
  for (let i = 0; i < window.time.length; i++) {
    time.push((window.time[i] as number) + window.resolution + shift);
    price.push(((window.close[i] as bigint) * startPrice) / base);
  }
  return { time, price };
}
