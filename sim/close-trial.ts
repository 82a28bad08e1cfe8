/**
 * A partial liquidation's close worked out without applying it, as the Solidity twin checks each
 * candidate size (LiquidationSizing._closeRestoresMaintenance): the vAMM previews the swap and
 * the reduce's arithmetic gives what the margin group would be worth at spot after it, with the
 * same rounding and the same reverts as applying it (Liquidation.applyPartialLiquidation) and
 * valuing the group after. The size search meets ~10 candidates per partial liquidation (the
 * closed form falls short by the swap's rounding, and the steps grow by 4 from 1 wei); applying
 * each in a dry run was most of a liquidation's cost.
 */
import { type Dir, outputPrice } from './curve.ts';
import { requireThat } from './errors.ts';
import { abs, divD, mulD } from './math/fixed.ts';
import type { BandCheck, Vamm } from './vamm.ts';

/** What every candidate close of one position starts from. */
export interface CloseTrial {
  readonly vamm: Vamm;
  /** The profile's liquidation band, as the close's swap checks it. */
  readonly band: BandCheck;
  readonly size: bigint;
  readonly margin: bigint;
  readonly isolated: boolean;
  /** The position's exit notional at spot, and its PnL there. */
  readonly positionNotional: bigint;
  readonly unrealizedPnl: bigint;
  /** Funding and socialised loss the position owes (settled by the close). */
  readonly funding: bigint;
  readonly loss: bigint;
  /** The margin group at spot without this position's PnL and carry (its base and other members). */
  readonly restValue: bigint;
  readonly restNotional: bigint;
  readonly restHasMembers: boolean;
  readonly maintenance: bigint;
  readonly penaltyRatio: bigint;
}

/**
 * Whether closing `quote` of notional as a partial liquidation brings the group's spot ratio back
 * to maintenance; false where the isolated margin could not pay the penalty. Throws where
 * applying the close, or valuing the group after it, would.
 */
export function closeRestoresMaintenance(t: CloseTrial, quote: bigint): boolean {
  // The reverse trade: buy back a short (quote in), sell a long (quote out).
  const dir: Dir = t.size < 0n ? 'ADD' : 'REMOVE';
  const swap = t.vamm.previewSwapInput(dir, quote, t.band);
  const base = swap.baseAmount;
  // PositionMechanics.openReversePosition's reduce (its notional is `quote`: leverage one).
  const realizedPnl = divD(mulD(t.unrealizedPnl, base), abs(t.size));
  const unrealizedPnlAfter = t.unrealizedPnl - realizedPnl;
  const openNotional = t.size > 0n ? t.positionNotional - quote - unrealizedPnlAfter : unrealizedPnlAfter + t.positionNotional - quote;
  requireThat(openNotional > 0n, 'OpenNotionalNotPositive');
  const settled = realizedPnl - t.funding - t.loss;
  const penalty = mulD(quote, t.penaltyRatio);
  if (t.isolated && settled + t.margin < penalty) return false;
  // The group after: the rest, what was settled less the penalty, and the position left valued
  // at spot on the new reserves (its carry settled, so it owes none).
  let value = t.restValue + settled - penalty;
  let notional = t.restNotional;
  const sizeAfter = t.size + (dir === 'ADD' ? base : -base);
  if (sizeAfter === 0n) {
    requireThat(t.restHasMembers, 'PositionSizeZero');
  } else {
    const exit = outputPrice(sizeAfter < 0n ? 'REMOVE' : 'ADD', abs(sizeAfter), swap.quoteAfter, swap.baseAfter);
    notional += exit;
    value += sizeAfter > 0n ? exit - openNotional : openNotional - exit;
  }
  return notional === 0n || divD(value, notional) >= t.maintenance;
}
