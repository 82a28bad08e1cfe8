/**
 * When a crash window is at its worst: the start of its steepest fall over `span` seconds (close
 * to close). A stress that takes something away "during the crash" (a sequencer that stops) is
 * placed there, so the same stress lands at the right time in every crash window.
 */
import type { CandleSeries } from '../../data/candle-series.ts';
import { resolutionAt } from '../../data/compose.ts';

export function steepestFall(s: CandleSeries, span = 3600): { from: number; fall: number } {
  const closeTime = (i: number) => (s.time[i] as number) + resolutionAt(s, i);
  let best = { from: s.time[0] as number, fall: 0 };
  // k: the last candle that closed at least `span` before candle i closes (−1: the window's open).
  let k = -1;
  for (let i = 0; i < s.time.length; i++) {
    while (k + 1 < i && closeTime(k + 1) <= closeTime(i) - span) k++;
    const [ref, at] = k < 0 ? [s.open[0] as bigint, s.time[0] as number] : [s.close[k] as bigint, closeTime(k)];
    const fall = 1 - Number(s.close[i] as bigint) / Number(ref);
    if (fall > best.fall) best = { from: at, fall };
  }
  return best;
}
