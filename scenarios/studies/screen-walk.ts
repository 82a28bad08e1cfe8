/**
 * The index the cascade screen follows: the points the engine's fast feed walks through a
 * generated path's candles (sim/engine/price-timeline.ts: each candle's open, its two extremes, the
 * low first in an up candle, at a third and two thirds of it, and its close at its end), in
 * float64, each with its time. With intrabar shapes the candles are the ones refinePath
 * (data/intrabar.ts) builds for the exact run: the same donors, drawn by pickDonor from the same
 * stream (price-source.ts' intrabarStream), each 5-minute bar's high, low and close bent onto the
 * hour's return, every price rounded to the 8 decimals the candles hold, and calm hours merged
 * back into one candle as `adaptive` does. Without them (`intrabar: none`) each hour is one candle
 * whose walk moves straight to its close. No wei: the rounding is done in floats (wei-text.ts'
 * roundedPriceFloat), so a candidate costs microseconds, not the milliseconds of its candles.
 */
import { BARS, type IntrabarLibrary, bentBar, pickDonor } from '../../data/intrabar.ts';
import type { Rng } from '../../data/prng.ts';
import { roundedPriceFloat } from '../../data/wei-text.ts';
import type { IndexPoints } from './cascade-screen.ts';

export interface WalkIntrabar {
  readonly library: IntrabarLibrary;
  /** Hours whose refined range is under this are one candle (the run's `calmRange`; 0: every 5-minute bar walked). */
  readonly calmRange: number;
  /** Donors drawn from this many nearest in hourly return (refinePath's default: 20). */
  readonly neighbours?: number;
}

/**
 * The points in the order the fast feed reaches them, after the start (a point equal to the one
 * before it, such as a candle's open, is left out). The arrays are the walk's own buffers, reused
 * by the next call: read them before walking another path.
 */
export type IndexWalk = (returns: Float64Array, donors: Rng | null) => IndexPoints;

const HOUR = 3600;
const BAR = HOUR / BARS;

/** The walk of hourly paths starting at `startPrice` (the run's start price as its candles hold it). */
export function indexWalk(startPrice: number, intrabar: WalkIntrabar | null): IndexWalk {
  const neighbours = intrabar?.neighbours ?? 20;
  const calm = intrabar?.calmRange ?? 0;
  const bar = new Float64Array(4);
  let price = new Float64Array(0);
  let time = new Float64Array(0);
  let n = 0;

  /** Appends the point unless it repeats the last one (or, first of all, the start). */
  const point = (t: number, p: number) => {
    if (p === (n > 0 ? (price[n - 1] as number) : startPrice)) return;
    price[n] = p;
    time[n] = t;
    n++;
  };
  /** One candle's points after its open, as the fast feed walks them: at a third, two thirds and the end of it. */
  const candle = (start: number, step: number, open: number, high: number, low: number, close: number) => {
    const up = close >= open;
    point(start + Math.floor(step / 3), up ? low : high);
    point(start + Math.floor((2 * step) / 3), up ? high : low);
    point(start + step - 1, close);
  };

  return (returns: Float64Array, donors: Rng | null): IndexPoints => {
    if (intrabar && !donors) throw new Error('cascade screen walk: intrabar shapes need the path’s donor stream');
    const most = returns.length * (intrabar ? 3 * BARS : 3);
    if (price.length < most) {
      price = new Float64Array(most);
      time = new Float64Array(most);
    }
    n = 0;
    // As pricesFromReturns and toPricePath draw the hourly prices: the log summed, each close rounded.
    let logP = Math.log(startPrice);
    let open = startPrice;
    for (let h = 0; h < returns.length; h++) {
      logP += returns[h] as number;
      const close = roundedPriceFloat(Math.exp(logP));
      const start = h * HOUR;
      if (!intrabar) {
        candle(start, HOUR, open, Math.max(open, close), Math.min(open, close), close);
        open = close;
        continue;
      }
      const r = Math.log(close / open);
      const lib = intrabar.library;
      const d = pickDonor(lib, r, neighbours, donors as Rng);
      // The hour's extremes first, in logs: the bars' highs and lows and their closes but the last
      // (which is the hour's close). Rounding and exp are monotone, so the hour's rounded high is
      // the rounded price at the highest of them, as refinePath finds it bar by bar.
      let up = 0;
      let down = 0;
      for (let j = 0; j < BARS; j++) {
        bentBar(lib, d, j, r, bar);
        const c = j === BARS - 1 ? 0 : (bar[3] as number);
        up = Math.max(up, bar[1] as number, c);
        down = Math.min(down, bar[2] as number, c);
      }
      const high = Math.max(open, close, roundedPriceFloat(open * Math.exp(up)));
      const low = Math.min(open, close, roundedPriceFloat(open * Math.exp(down)));
      if (calm > 0 && Math.log(high / open) - Math.log(low / open) < calm) {
        candle(start, HOUR, open, high, low, close);
      } else {
        let prev = open;
        for (let j = 0; j < BARS; j++) {
          bentBar(lib, d, j, r, bar);
          const c = j === BARS - 1 ? close : roundedPriceFloat(open * Math.exp(bar[3] as number));
          const bh = Math.max(prev, c, roundedPriceFloat(open * Math.exp(bar[1] as number)));
          const bl = Math.min(prev, c, roundedPriceFloat(open * Math.exp(bar[2] as number)));
          candle(start + j * BAR, BAR, prev, bh, bl, c);
          prev = c;
        }
      }
      open = close;
    }
    return { time: time.subarray(0, n), price: price.subarray(0, n) };
  };
}
