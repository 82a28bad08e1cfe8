/**
 * Crash replay: a historical window rescaled to start at any price, exactly in wei:
 * price_i = start · close_i / close_0 (floored), so every return of the window is kept.
 */
import type { CandleSeries } from '../candle-series.ts';
import { floatPriceToWei } from '../wei-text.ts';

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

/**
 * A window's candles rescaled to start at `startPrice`, highs and lows kept. With `scale` = 1
 * every price is rescaled exactly in wei (p · start / open₀); otherwise each price's log distance
 * from the window's open is multiplied by `scale` (a stressed crash), to 8 decimals.
 */
export function replayCandles(window: CandleSeries, startPrice: bigint, scale = 1): CandleSeries {
  if (startPrice <= 0n) throw new RangeError('the start price must be positive');
  const base = window.open[0];
  if (base === undefined) throw new RangeError('the window is empty');
  const startFloat = Number(startPrice) / 1e18;
  const baseFloat = Number(base) / 1e18;
  const map =
    scale === 1
      ? (p: bigint) => (p * startPrice) / base
      : (p: bigint) => floatPriceToWei(startFloat * Math.exp(scale * Math.log(Number(p) / 1e18 / baseFloat)));
  return { ...window, source: `${window.source} from ${startFloat}${scale === 1 ? '' : ` ×${scale}`}`, open: window.open.map(map), high: window.high.map(map), low: window.low.map(map), close: window.close.map(map), volume: window.volume.map(() => 0n) };
}
