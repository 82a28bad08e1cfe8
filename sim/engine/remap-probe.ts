/**
 * Measures what each remap variant does to every open position after a k change, on the path
 * the run actually took. At the migration it records each position's size and the curve it was
 * on; when the trader first acts after it (or is liquidated, or the run ends) it values, on the
 * curve of that moment, the exact remap, Perp v1's lazy remap (which depends on the flow since)
 * and no remap. The lazy size is the one Perp v1 would apply at that very moment.
 */
import type { ClearingHouse } from '../clearing-house.ts';
import { type Reserves, exitValueOrSpot } from '../curve.ts';
import { type LiquiditySnapshot, baseAfterMigration, lazyRemappedSize } from '../remap.ts';
import type { EngineEvent } from './event-log.ts';

interface Pending {
  readonly preSize: bigint;
  readonly exactSize: bigint;
  readonly snapshot: LiquiditySnapshot;
}

type Probe = Extract<EngineEvent, { type: 'RemapProbe' }>;

export class RemapProbes {
  /** market → trader → what was recorded at the migration. */
  private readonly pending = new Map<string, Map<string, Pending>>();

  /** Whether any k change was measured (else no action has a probe to take). */
  get measuring(): boolean {
    return this.pending.size > 0;
  }

  /** Sizes before a migration of `market` (call before migrating): what each trader holds and the curve it is on. */
  before(ch: ClearingHouse, market: string): { sizes: Map<string, bigint>; reserves: Reserves; snapshot: LiquiditySnapshot } {
    const m = ch.market(market);
    const sizes = new Map<string, bigint>();
    for (const [trader, account] of ch.accounts) {
      if (!account.positions.has(market)) continue;
      const size = ch.position(trader, market).size;
      if (size !== 0n) sizes.set(trader, size);
    }
    return { sizes, reserves: { quote: m.vamm.quoteReserve, base: m.vamm.baseReserve }, snapshot: m.vamm.latestLiquiditySnapshot() };
  }

  /** After the migration succeeded: the exact remap of every position, to compare against. */
  after(ch: ClearingHouse, market: string, pre: ReturnType<RemapProbes['before']>): void {
    const m = ch.market(market);
    const to = { quote: m.vamm.quoteReserve, base: m.vamm.baseReserve };
    const pending = new Map<string, Pending>();
    for (const [trader, preSize] of pre.sizes) pending.set(trader, { preSize, exactSize: baseAfterMigration(preSize, pre.reserves, to), snapshot: pre.snapshot });
    // A second migration before a trader acted starts its measurement over.
    this.pending.set(market, pending);
  }

  /** The probe for `trader` if it still holds a position measured since the migration (then forgotten). */
  take(ch: ClearingHouse, market: string, trader: string, when: Probe['when']): Omit<Probe, 'blockNumber' | 'timestamp'> | null {
    const p = this.pending.get(market)?.get(trader);
    if (!p) return null;
    this.pending.get(market)?.delete(trader);
    const m = ch.market(market);
    const q = m.vamm.quoteReserve;
    const b = m.vamm.baseReserve;
    const lazySize = lazyRemappedSize(p.preSize, p.snapshot, m.vamm.cumulativeNotional, { quote: q, base: b });
    const value = (size: bigint) => exitValueOrSpot(size, q, b);
    const exactValue = value(p.exactSize);
    return {
      type: 'RemapProbe',
      market,
      trader,
      when,
      preSize: p.preSize,
      exactSize: p.exactSize,
      lazySize,
      noneSize: p.preSize,
      exactValue,
      lazyError: value(lazySize) - exactValue,
      noneError: value(p.preSize) - exactValue,
    };
  }

  /** Every position still measured, for the end of the run. */
  remaining(): Array<[string, string]> {
    return [...this.pending].flatMap(([market, traders]) => [...traders.keys()].map((t) => [market, t] as [string, string]));
  }
}
