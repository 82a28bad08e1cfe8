/**
 * The price inputs of a run, in time order: fast-feed ticks walked through each candle (open
 * at its start, the two extremes at a third and two thirds of it — low first in an up bar —
 * and the close at its end, the same path the oracle synthesiser watches) and Chainlink rounds
 * (real, or synthesised from the same candles). With a tick interval the walk also follows the
 * straight lines between the four points, one tick every interval: a wick then arrives as a run
 * of small moves, as it did in the market, instead of one jump the first transaction takes whole.
 */
import type { CandleSeries } from '../../data/candle-series.ts';
import { resolutionAt } from '../../data/compose.ts';
import type { ChainlinkRound } from '../oracle/chainlink-feed.ts';

export interface FastTick {
  /** When the tick reaches the chain. */
  readonly time: number;
  /** When it was published (the feed's own timestamp), when it reaches the chain later than that. */
  readonly publishTime?: number;
  readonly price: bigint;
  /** Half the candle's range: the feed's uncertainty over the bar. */
  readonly confidence: bigint;
}

/** The four points a candle is walked through. */
export function candlePath(s: CandleSeries, i: number): Array<{ time: number; price: bigint }> {
  const times = [0, 0, 0, 0];
  const prices = [0n, 0n, 0n, 0n];
  walkPoints(s, i, times, prices);
  return times.map((time, k) => ({ time, price: prices[k] as bigint }));
}

/** `candlePath`'s four points written into `times` and `prices` (four each): a month's walk fills the same two arrays for each of its 44,640 candles. */
function walkPoints(s: CandleSeries, i: number, times: number[], prices: bigint[]): void {
  const t = s.time[i] as number;
  const step = resolutionAt(s, i);
  const open = s.open[i] as bigint;
  const close = s.close[i] as bigint;
  const up = close >= open;
  times[0] = t;
  prices[0] = open;
  times[1] = t + Math.floor(step / 3);
  prices[1] = up ? (s.low[i] as bigint) : (s.high[i] as bigint);
  times[2] = t + Math.floor((2 * step) / 3);
  prices[2] = up ? (s.high[i] as bigint) : (s.low[i] as bigint);
  times[3] = t + step - 1;
  prices[3] = close;
}

/** The fast feed's ticks: each candle's four points, and with `tickInterval` (seconds) the lines between them. */
export function fastTicks(s: CandleSeries, tickInterval?: number): FastTick[] {
  const ticks: FastTick[] = [];
  const times = [0, 0, 0, 0];
  const prices = [0n, 0n, 0n, 0n];
  for (let i = 0; i < s.time.length; i++) {
    const confidence = ((s.high[i] as bigint) - (s.low[i] as bigint)) / 2n;
    walkPoints(s, i, times, prices);
    for (let k = 0; k < 4; k++) {
      const time = times[k] as number;
      const price = prices[k] as bigint;
      // Published when it reaches the chain, said in the field: the engine reads it every block, and a tick without it made that a missing field's load (~1.2 µs a block of the 1-minute month).
      ticks.push({ time, publishTime: time, price, confidence });
      if (!tickInterval || k === 3) continue;
      // Within the candle only: a gap between candles is crossed in one step, as the run's gap policy says.
      const nextTime = times[k + 1] as number;
      const nextPrice = prices[k + 1] as bigint;
      const span = BigInt(nextTime - time);
      for (let t = time + tickInterval; t < nextTime; t += tickInterval) {
        ticks.push({ time: t, publishTime: t, price: toFeedDecimals(price + ((nextPrice - price) * BigInt(t - time)) / span), confidence });
      }
    }
  }
  return ticks;
}

/** One unit of the feed's last decimal (8 decimals, Pyth's ETH/USD exponent) in wei. */
const FEED_UNIT = 10n ** 10n;

/** A walked price rounded to the feed's 8 decimals, as a real feed publishes it (and as the contracts' Pyth price can hold it exactly). */
function toFeedDecimals(price: bigint): bigint {
  return ((price + FEED_UNIT / 2n) / FEED_UNIT) * FEED_UNIT;
}

/** Rounds at or after `from` and before `to`. */
export function roundsWithin(rounds: readonly ChainlinkRound[], from: number, to: number): ChainlinkRound[] {
  return rounds.filter((r) => r.updatedAt >= from && r.updatedAt < to);
}
