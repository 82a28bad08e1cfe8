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
  const t = s.time[i] as number;
  const step = resolutionAt(s, i);
  const open = s.open[i] as bigint;
  const close = s.close[i] as bigint;
  const up = close >= open;
  const first = up ? (s.low[i] as bigint) : (s.high[i] as bigint);
  const second = up ? (s.high[i] as bigint) : (s.low[i] as bigint);
  return [
    { time: t, price: open },
    { time: t + Math.floor(step / 3), price: first },
    { time: t + Math.floor((2 * step) / 3), price: second },
    { time: t + step - 1, price: close },
  ];
}

/** The fast feed's ticks: each candle's four points, and with `tickInterval` (seconds) the lines between them. */
export function fastTicks(s: CandleSeries, tickInterval?: number): FastTick[] {
  const ticks: FastTick[] = [];
  for (let i = 0; i < s.time.length; i++) {
    const confidence = ((s.high[i] as bigint) - (s.low[i] as bigint)) / 2n;
    const path = candlePath(s, i);
    path.forEach((p, k) => {
      const next = path[k + 1];
      ticks.push({ time: p.time, price: p.price, confidence });
      if (!tickInterval || !next) return;
      // Within the candle only: a gap between candles is crossed in one step, as the run's gap policy says.
      const span = BigInt(next.time - p.time);
      for (let t = p.time + tickInterval; t < next.time; t += tickInterval) {
        ticks.push({ time: t, price: toFeedDecimals(p.price + ((next.price - p.price) * BigInt(t - p.time)) / span), confidence });
      }
    });
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
