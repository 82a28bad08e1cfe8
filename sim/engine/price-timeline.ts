/**
 * The price inputs of a run, in time order: fast-feed ticks walked through each candle (open
 * at its start, the two extremes at a third and two thirds of it — low first in an up bar —
 * and the close at its end, the same path the oracle synthesiser watches) and Chainlink rounds
 * (real, or synthesised from the same candles).
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

export function fastTicks(s: CandleSeries): FastTick[] {
  const ticks: FastTick[] = [];
  for (let i = 0; i < s.time.length; i++) {
    const confidence = ((s.high[i] as bigint) - (s.low[i] as bigint)) / 2n;
    for (const p of candlePath(s, i)) ticks.push({ time: p.time, price: p.price, confidence });
  }
  return ticks;
}

/** Rounds at or after `from` and before `to`. */
export function roundsWithin(rounds: readonly ChainlinkRound[], from: number, to: number): ChainlinkRound[] {
  return rounds.filter((r) => r.updatedAt >= from && r.updatedAt < to);
}
