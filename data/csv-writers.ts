/**
 * Writes candles and rounds in the normalised formats (the same the loaders read), prices as
 * exact decimals from wei. Files are written whole through a temp file and a rename.
 */
import type { ChainlinkRound } from '../sim/oracle/chainlink-feed.ts';
import { writeFileAtomic } from './atomic-write.ts';
import type { CandleSeries } from './candle-series.ts';
import { CANDLE_HEADER } from './candle-loader.ts';
import { PHASE_SHIFT, ROUND_HEADER, fixed8 } from './round-loader.ts';
import { weiToDecimal } from './wei-text.ts';

const MASK64 = (1n << PHASE_SHIFT) - 1n;

export function candleRow(s: CandleSeries, i: number): string {
  return `${s.time[i]},${weiToDecimal(s.open[i] as bigint)},${weiToDecimal(s.high[i] as bigint)},${weiToDecimal(s.low[i] as bigint)},${weiToDecimal(s.close[i] as bigint)},${weiToDecimal(s.volume[i] as bigint)}`;
}

export function roundRow(r: ChainlinkRound): string {
  const phase = r.roundId >> PHASE_SHIFT;
  const agg = r.roundId & MASK64;
  return `${r.roundId},${phase},${agg},${r.answer},${fixed8(r.answer)},${r.startedAt},${r.updatedAt},${r.roundId}`;
}

export function candlesCsv(s: CandleSeries, from = 0, to = s.time.length): string {
  const lines = [CANDLE_HEADER.join(',')];
  for (let i = from; i < to; i++) lines.push(candleRow(s, i));
  return `${lines.join('\n')}\n`;
}

export function roundsCsv(rounds: readonly ChainlinkRound[]): string {
  return `${[ROUND_HEADER.join(','), ...rounds.map(roundRow)].join('\n')}\n`;
}

export function writeCandles(file: string, s: CandleSeries): void {
  writeFileAtomic(file, candlesCsv(s));
}

export function writeRounds(file: string, rounds: readonly ChainlinkRound[]): void {
  writeFileAtomic(file, roundsCsv(rounds));
}
