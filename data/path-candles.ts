/**
 * A price path (generated, or a rescaled crash replay) as candles the engine can run on: bar i
 * opens at the path's price i and closes at price i+1, its high and low the larger and smaller
 * of the two. Engine, oracle synthesis and fast feed then treat it like historical candles.
 */
import type { CandleSeries } from './candle-series.ts';
import type { PricePath } from './generators/replay.ts';

export function pathToCandles(path: PricePath, source: string): CandleSeries {
  const n = path.price.length - 1;
  if (n < 1) throw new RangeError(`${source}: a path needs at least two prices`);
  const resolution = (path.time[1] as number) - (path.time[0] as number);
  const s: CandleSeries = { source, resolution, time: [], open: [], high: [], low: [], close: [], volume: [], segments: [{ source, resolution, start: 0, end: n }] };
  for (let i = 0; i < n; i++) {
    const open = path.price[i] as bigint;
    const close = path.price[i + 1] as bigint;
    s.time.push(path.time[i] as number);
    s.open.push(open);
    s.close.push(close);
    s.high.push(open > close ? open : close);
    s.low.push(open < close ? open : close);
    s.volume.push(0n);
  }
  return s;
}
