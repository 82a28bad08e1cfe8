/**
 * Position remaps after a k change (liquidity migration), as pure functions of reserves so the
 * model, the engine's remap probes and the k-resize study share one implementation.
 */
import { type Dir, type Reserves, inputPrice, outputPrice } from './curve.ts';
import { abs } from './math/fixed.ts';

/** What Perp v1 records at each k change (`LiquidityChangedSnapshot`). */
export interface LiquiditySnapshot extends Reserves {
  readonly cumulativeNotional: bigint;
  readonly totalPositionSize: bigint;
}

/**
 * The size whose exit on `to` returns what `size` exits for on `from`: Perp v1's
 * calcBaseAssetAfterLiquidityMigration, the exact (notional-preserving) remap.
 */
export function baseAfterMigration(size: bigint, from: Reserves, to: Reserves): bigint {
  if (size === 0n) return 0n;
  const isLong = size > 0n;
  const notional = outputPrice(isLong ? 'ADD' : 'REMOVE', abs(size), from.quote, from.base);
  const newSize = inputPrice(isLong ? 'REMOVE' : 'ADD', notional, to.quote, to.base);
  return isLong ? newSize : -newSize;
}

/**
 * Perp v1's legacy lazy remap (ClearingHouseV1.calcPositionAfterLiquidityMigration), applied
 * when the trader next acts: the net quote flow since the position's snapshot is replayed on
 * that snapshot's (old) curve, and the size is mapped from there onto the `current` reserves.
 * Flow after the migration moves the real curve, not the old one, so the result depends on
 * when the trader acts: the path dependence the k-resize study measures.
 */
export function lazyRemappedSize(size: bigint, snapshot: LiquiditySnapshot, cumulativeNotional: bigint, current: Reserves): bigint {
  if (size === 0n) return 0n;
  const notionalDelta = cumulativeNotional - snapshot.cumulativeNotional;
  let from: Reserves = snapshot;
  if (notionalDelta !== 0n) {
    const dir: Dir = notionalDelta > 0n ? 'ADD' : 'REMOVE';
    const baseWorth = inputPrice(dir, abs(notionalDelta), snapshot.quote, snapshot.base);
    from = { quote: abs(snapshot.quote + notionalDelta), base: notionalDelta > 0n ? snapshot.base - baseWorth : snapshot.base + baseWorth };
  }
  return baseAfterMigration(size, from, current);
}
