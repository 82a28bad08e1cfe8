/**
 * One market: its vAMM, oracle and parameters plus the clearing house's per-market books
 * (cumulative funding, open interest, socialised-loss indices, restriction block).
 */
import type { CompositeOracle } from './oracle/composite-oracle.ts';
import type { MarketParams } from './params.ts';
import type { Vamm } from './vamm.ts';

export type RemapVariant = 'eager' | 'lazy' | 'none';

/** A k migration still remapping positions, a page at a time (the market pauses until done). */
export interface Migration {
  readonly newIndex: number;
  /** Holders remapped so far. */
  cursor: number;
  readonly multiplier: bigint;
  readonly from: { readonly quote: bigint; readonly base: bigint };
  /** Σ remapped sizes so far: the net position once done. */
  total: bigint;
  /** The net trader position's value before the change (its change is the migration's cost). */
  readonly valueBefore: bigint;
}

export interface Market {
  readonly id: string;
  readonly vamm: Vamm;
  readonly oracle: CompositeOracle;
  params: MarketParams;
  cumulativePremiumFraction: bigint;
  fundingRate: bigint;
  nextFundingTime: number;
  lastRestrictionBlock: number;
  /** Perp v1's running open-interest notional (only kept when the cap is set). */
  openInterestNotional: bigint;
  /** Σ open notional of long and short positions: the weights of socialised loss. */
  openNotionalLong: bigint;
  openNotionalShort: bigint;
  /** Cumulative socialised loss per unit of open notional, per side (18 decimals). */
  lossIndexLong: bigint;
  lossIndexShort: bigint;
  /** Σ premiumFraction·totalPositionSize over settlements: what the traders owe the AMM side. */
  ammFundingProfit: bigint;
  /** Funding settled into positions so far (+ traders paid). */
  traderFundingSettled: bigint;
  /** Rounding events in funding (per-position settlements and market settlements). */
  fundingRoundings: number;
  /** Σ sizes of positions settled after a shutdown (the AMM's total keeps them). */
  settledPositionSize: bigint;
  /**
   * What the settlement price's rounding gave the net position at shutdown beyond the value
   * it was derived from (a floored price favours a net short; 18 decimals, ≥ 0).
   */
  settlementRounding: bigint;
  /**
   * Funding the positions settled after a shutdown owed and did not pay (+ owed, − was owed):
   * Perp v1 settles a position at the settlement price and its margin alone.
   */
  settlementIgnoredFunding: bigint;
  /** The remap the last k change used; `lazy` leaves positions to be remapped when touched. */
  lastRemap: RemapVariant | null;
  /** Accounts with a position record here, in the order the records were created (the remap's order). */
  readonly holders: string[];
  /** A k migration still remapping positions (`eager`/`none`), or null. */
  migration: Migration | null;
}
