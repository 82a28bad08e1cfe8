/**
 * Perp v1's backward TWAP walk (Amm.calcTwap, L2PriceFeed.getTwapPrice) over a step function
 * of timestamped observations. A point observed at `now` has zero weight, so a same-block
 * trade cannot move the TWAP; when history is shorter than the window, the average is over the
 * history that exists.
 */
import { ModelError } from './errors.ts';

/**
 * @param points observations in ascending time order
 * @param valueOf the value of an observation (a price, or an exit notional on its reserves)
 * @param timeOf the observation's timestamp (seconds)
 * @param now current block timestamp (seconds)
 * @param interval window length (seconds); 0 returns the latest value
 * @param firstIndex the oldest index the walk may reach (older points were pruned)
 * @param emptyPeriod when every point reached was observed at `now` (blocks sharing a
 *   timestamp, as on some L2s): Perp v1 divides by zero and reverts; `latest` returns the
 *   latest value, the average of an instant
 */
export function twapWalk<P>(
  points: readonly P[],
  valueOf: (point: P) => bigint,
  timeOf: (point: P) => number,
  now: number,
  interval: number,
  firstIndex = 0,
  emptyPeriod: 'revert' | 'latest' = 'revert',
): bigint {
  let index = points.length - 1;
  let current = points[index] as P;
  let value = valueOf(current);
  if (interval === 0) return value;
  const baseTimestamp = now - interval;
  if (index === firstIndex || timeOf(current) <= baseTimestamp) return value;

  let previousTimestamp = timeOf(current);
  let period = BigInt(now - previousTimestamp);
  let weighted = value * period;
  for (;;) {
    if (index === firstIndex) {
      if (period === 0n) {
        if (emptyPeriod === 'latest') return valueOf(points[points.length - 1] as P);
        throw new ModelError('DivisionByZero', 'TWAP over an empty period');
      }
      return weighted / period;
    }
    index--;
    current = points[index] as P;
    value = valueOf(current);
    const t = timeOf(current);
    if (t <= baseTimestamp) {
      weighted += value * BigInt(previousTimestamp - baseTimestamp);
      return weighted / BigInt(interval);
    }
    const fraction = BigInt(previousTimestamp - t);
    weighted += value * fraction;
    period += fraction;
    previousTimestamp = t;
  }
}
