/**
 * The remaps as pure functions: the exact remap preserves exit value (to the AMM's rounding) and
 * matches Perp v1's AmmMigrateLiquiditySpec example; the lazy remap equals the exact one when no
 * quote has flowed since the migration (the replay recovers the old curve) and drifts from it as
 * flow moves the real curve.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exitValue, inputPrice } from '../sim/curve.ts';
import { mulD } from '../sim/math/fixed.ts';
import { toWei } from '../sim/math/units.ts';
import { baseAfterMigration, lazyRemappedSize } from '../sim/remap.ts';

const w = toWei;

describe('remaps', () => {
  it('exact: a long of 20 on 1250:80 becomes 17.78 at m = 2 (AmmMigrateLiquiditySpec)', () => {
    const from = { quote: w('1250'), base: w('80') };
    const to = { quote: w('2500'), base: w('160') };
    const size = baseAfterMigration(w('20'), from, to);
    expect(size).toBe(17777777777777777778n);
    // It exits for what it did on the old curve, up to the wei the AMM's rounding moves.
    expect(exitValue(w('20'), from.quote, from.base)).toBe(w('250'));
    expect(exitValue(size, to.quote, to.base) - w('250')).toBe(2n);
  });

  it('lazy = exact with no flow since the migration, for any flow before it', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 23n), max: 10n ** 23n }),
        fc.bigInt({ min: 5n, max: 40n }).map((x) => x * 10n ** 17n),
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).filter((s) => s !== 0n),
        (flow, multiplier, size) => {
          // Snapshot 0 on 1M:1k; the flow before the migration moves the curve to `pre`.
          const snap = { quote: w('1000000'), base: w('1000'), cumulativeNotional: 0n, totalPositionSize: 0n };
          const dir = flow >= 0n ? 'ADD' : 'REMOVE';
          const bought = inputPrice(dir, flow < 0n ? -flow : flow, snap.quote, snap.base);
          const pre = { quote: snap.quote + flow, base: flow >= 0n ? snap.base - bought : snap.base + bought };
          const post = { quote: mulD(pre.quote, multiplier), base: mulD(pre.base, multiplier) };
          const exact = baseAfterMigration(size, pre, post);
          const lazy = lazyRemappedSize(size, snap, flow, post);
          // Replaying the flow is exact up to the AMM's one-wei rounding of each step.
          const d = lazy - exact;
          return d >= -4n && d <= 4n;
        },
      ),
      { numRuns: 300, seed: 20261121 },
    );
  });

  it('lazy drifts from exact once quote flows after the migration', () => {
    const snap = { quote: w('1000000'), base: w('1000'), cumulativeNotional: 0n, totalPositionSize: 0n };
    const post = { quote: w('2000000'), base: w('2000') };
    const size = w('50');
    const exact = baseAfterMigration(size, snap, post);
    // 200k of longs after the migration: the real (deep) curve moved less than the replayed old one.
    const bought = inputPrice('ADD', w('200000'), post.quote, post.base);
    const now = { quote: post.quote + w('200000'), base: post.base - bought };
    const lazy = lazyRemappedSize(size, snap, w('200000'), now);
    // What the trader can exit for: exact versus lazy on today's curve.
    const gain = exitValue(lazy, now.quote, now.base) - exitValue(exact, now.quote, now.base);
    expect(gain).toBeGreaterThan(w('1'));
  });
});
