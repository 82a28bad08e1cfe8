/**
 * Valuation and margin: what a position is worth (spot, 15-min TWAP of exit notional, oracle;
 * trader-favourable or not), the funding and socialised loss it owes, the margin group that
 * backs it (its isolated margin or its account's cross collateral), margin ratios, free
 * collateral and the health checks after a trade. Also the legacy lazy k-migration remap,
 * which changes what size a position is.
 */
import { type Dir, exitValue } from './curve.ts';
import { ModelError, requireThat, requireWith } from './errors.ts';
import type { Market } from './market.ts';
import { ONE, abs, ceilDiv, divD, mulD } from './math/fixed.ts';
import { type Account, type Position, positionWith } from './position.ts';
import { ProtocolState } from './protocol-state.ts';
import { lazyRemappedSize } from './remap.ts';

/** How a position's notional and PnL are valued. */
export type PnlCalcOption = 'spot' | 'twap' | 'oracle';

/** Which valuation a margin ratio uses: trader-favourable, least favourable, or one option. */
export type MarginValuation = 'max' | 'min' | PnlCalcOption;

/** The positions whose value backs one margin requirement. */
export interface MarginGroup {
  readonly isolated: boolean;
  /** Collateral (cross) or the position's margin (isolated). */
  readonly base: bigint;
  readonly members: ReadonlyArray<readonly [Market, Position]>;
}

export interface GroupValue {
  /** base + Σ (pnl − funding − loss): the account value. */
  readonly value: bigint;
  readonly notional: bigint;
  readonly pnl: bigint;
}

export class MarginBook extends ProtocolState {
  /** The position as the trader sees it (with a pending lazy remap applied). */
  position(trader: string, marketId: string): Position {
    const m = this.market(marketId);
    return this.remapped(m, this.storedPosition(m, trader));
  }

  /** A stored position as the trader sees it (with a pending lazy remap applied). */
  protected remapped(m: Market, stored: Position): Position {
    const size = this.remappedSize(m, stored);
    return size === stored.size ? stored : positionWith(stored, { size, liquidityHistoryIndex: m.vamm.liquidityHistoryIndex });
  }

  /** Unrealised PnL of one position under a valuation. */
  unrealizedPnl(trader: string, marketId: string, option: MarginValuation = 'spot'): bigint {
    const m = this.market(marketId);
    const pos = this.position(trader, marketId);
    return this.valuePosition(m, pos, option).pnl;
  }

  positionNotional(trader: string, marketId: string, option: MarginValuation = 'spot'): bigint {
    const m = this.market(marketId);
    return this.valuePosition(m, this.position(trader, marketId), option).notional;
  }

  /** Funding the position owes since its last settlement (+ owes, − is owed). */
  fundingOwed(trader: string, marketId: string): bigint {
    const m = this.market(marketId);
    return this.fundingOwedOn(m, this.storedPosition(m, trader));
  }

  /** Socialised loss the position has yet to absorb (`default`). */
  lossOwed(trader: string, marketId: string): bigint {
    const m = this.market(marketId);
    return this.lossOwedOn(m, this.storedPosition(m, trader));
  }

  /** `fundingOwed` of the position record `stored` that an account holds in `m` (nothing looked up by name). */
  fundingOwedOn(m: Market, stored: Position): bigint {
    return this.pendingFunding(m, this.remapped(m, stored));
  }

  /** `lossOwed` of the position record `stored` that an account holds in `m`. */
  lossOwedOn(m: Market, stored: Position): bigint {
    return this.pendingLoss(m, this.remapped(m, stored));
  }

  /**
   * Margin ratio of the margin group that holds `marketId`'s position: the isolated position,
   * or the whole cross account. `max` is the trader-favourable of spot and 15-min TWAP.
   */
  marginRatio(trader: string, marketId: string, valuation: MarginValuation = 'max'): bigint {
    const v = this.groupValue(this.marginGroup(trader, marketId), valuation);
    return divD(v.value, v.notional);
  }

  /** The group's account value and the notional it is measured against (a treasury's view of its margin). */
  marginStanding(trader: string, marketId: string, valuation: MarginValuation = 'spot'): { value: bigint; notional: bigint } {
    const v = this.groupValue(this.marginGroup(trader, marketId), valuation);
    return { value: v.value, notional: v.notional };
  }

  /** Account value of the group (margin or collateral + PnL − funding − loss). */
  accountValue(trader: string, marketId: string, valuation: MarginValuation = 'max'): bigint {
    return this.groupValue(this.marginGroup(trader, marketId), valuation).value;
  }

  /** Perp v1's margin with funding: margin − pending funding, floored at 0. */
  marginWithFundingPayment(trader: string, marketId: string): bigint {
    const m = this.market(marketId);
    const pos = this.position(trader, marketId);
    const value = pos.margin - this.pendingFunding(m, pos) - this.pendingLoss(m, pos);
    return value > 0n ? value : 0n;
  }

  /**
   * Free collateral: for an isolated position what could be removed (Perp v1's formula), for a
   * cross account what could be withdrawn.
   */
  freeCollateral(trader: string, marketId?: string): bigint {
    if (marketId !== undefined) {
      const m = this.market(marketId);
      const pos = this.position(trader, marketId);
      if (pos.isolated || this.params.marginMode === 'isolated') {
        const r = this.calcRemainMarginWithFundingPayment(m, pos, 0n);
        return this.isolatedFreeCollateral(m, pos, r.remainMargin - r.badDebt);
      }
    }
    return this.crossFreeCollateral(this.accountView(trader));
  }

  /**
   * What the net trader position is worth against the books: its exit value on the current
   * curve minus Σ signed open notional. The vault must hold the claims plus this (the AMM's
   * side of the zero-sum), so its changes are the protocol's cost of curve changes.
   */
  netTraderValue(m: Market): bigint {
    let size = 0n;
    let openNotional = 0n;
    for (const account of this.accounts.values()) {
      const pos = account.positions.get(m.id);
      if (!pos || pos.size === 0n) continue;
      size += this.remappedSize(m, pos);
      openNotional += pos.size > 0n ? pos.openNotional : -pos.openNotional;
    }
    return this.netValueOf(m, size, openNotional);
  }

  /** The net trader position's value given its size (remapped) and Σ signed open notional. */
  netValueOf(m: Market, size: bigint, openNotional: bigint): bigint {
    if (!m.vamm.open) {
      return m.vamm.settlementPrice === 0n ? 0n : mulD(size, m.vamm.settlementPrice) - openNotional;
    }
    return exitValue(size, m.vamm.quoteReserve, m.vamm.baseReserve) - openNotional;
  }

  /**
   * Perp v1: margin after a change, with funding (and, `default`, socialised loss) settled;
   * a negative result is bad debt.
   */
  protected calcRemainMarginWithFundingPayment(m: Market, pos: Position, marginDelta: bigint) {
    const fundingPayment = this.pendingFunding(m, pos);
    const loss = this.pendingLoss(m, pos);
    const signedRemain = marginDelta - fundingPayment - loss + pos.margin;
    return {
      remainMargin: signedRemain < 0n ? 0n : signedRemain,
      badDebt: signedRemain < 0n ? -signedRemain : 0n,
      fundingPayment,
      latestCumulativePremiumFraction: m.cumulativePremiumFraction,
    };
  }

  protected pendingFunding(m: Market, pos: Position): bigint {
    if (pos.size === 0n) return 0n;
    const size = this.remappedSize(m, pos);
    const delta = m.cumulativePremiumFraction - pos.lastCumulativePremiumFraction;
    return delta === 0n ? 0n : mulD(delta, size);
  }

  /** Socialised loss owed: the side's index growth times the open notional, rounded up. */
  protected pendingLoss(m: Market, pos: Position): bigint {
    if (pos.size === 0n) return 0n;
    const delta = this.lossIndex(m, pos.size) - pos.lastLossIndex;
    return delta === 0n ? 0n : ceilDiv(delta * pos.openNotional, ONE);
  }

  protected lossIndex(m: Market, size: bigint): bigint {
    return size > 0n ? m.lossIndexLong : size < 0n ? m.lossIndexShort : 0n;
  }

  protected crossCarry(m: Market, pos: Position): { funding: bigint; loss: bigint } {
    return { funding: this.pendingFunding(m, pos), loss: this.pendingLoss(m, pos) };
  }

  protected recordFundingSettled(m: Market, pos: Position, funding: bigint): void {
    if (pos.size === 0n || pos.lastCumulativePremiumFraction === m.cumulativePremiumFraction) return;
    this.j.set(m, 'traderFundingSettled', m.traderFundingSettled + funding);
    this.j.set(m, 'fundingRoundings', m.fundingRoundings + 1);
  }

  protected isolatedFor(old: Position, requested: boolean | undefined): boolean {
    if (this.params.marginMode === 'isolated') return true;
    if (old.size !== 0n) {
      if (requested !== undefined && requested !== old.isolated) {
        throw new ModelError('InvalidParameter', 'a position cannot switch between cross and isolated margin');
      }
      return old.isolated;
    }
    return requested ?? false;
  }

  /** The size after the legacy lazy remap onto the current curve (unchanged when up to date). */
  protected remappedSize(m: Market, pos: Position): bigint {
    if (m.lastRemap !== 'lazy' || pos.size === 0n || pos.liquidityHistoryIndex === m.vamm.liquidityHistoryIndex) return pos.size;
    const snap = m.vamm.liquiditySnapshots[pos.liquidityHistoryIndex];
    if (!snap) return pos.size;
    return lazyRemappedSize(pos.size, snap, m.vamm.cumulativeNotional, { quote: m.vamm.quoteReserve, base: m.vamm.baseReserve });
  }

  protected adjustPositionForLiquidityChanged(m: Market, trader: string): void {
    const pos = this.accounts.get(trader)?.positions.get(m.id);
    if (!pos || m.lastRemap !== 'lazy' || pos.liquidityHistoryIndex === m.vamm.liquidityHistoryIndex) return;
    const newIndex = m.vamm.liquidityHistoryIndex;
    const newSize = this.remappedSize(m, pos);
    this.setPosition(m, trader, positionWith(pos, { size: newSize, liquidityHistoryIndex: newIndex }));
    if (pos.size !== 0n) {
      this.emit({ type: 'PositionAdjusted', trader, market: m.id, oldSize: pos.size, newSize, oldIndex: pos.liquidityHistoryIndex, newIndex });
    }
  }

  protected marginGroup(trader: string, marketId: string): MarginGroup {
    const m = this.market(marketId);
    const pos = this.position(trader, marketId);
    if (pos.isolated || this.params.marginMode === 'isolated') {
      requireThat(pos.size !== 0n, 'PositionSizeZero');
      return { isolated: true, base: pos.margin, members: [[m, pos]] };
    }
    const group = this.crossGroup(this.accountView(trader));
    requireThat(group !== null, 'PositionSizeZero');
    return group as MarginGroup;
  }

  /** The account's cross group: its collateral and its open cross positions, remapped; null when it holds none. */
  private crossGroup(account: Account): MarginGroup | null {
    let members: Array<readonly [Market, Position]> | null = null;
    for (const [id, p] of account.positions) {
      if (!p.isolated && p.size !== 0n) {
        const market = this.market(id);
        this.requireRemapped(market, p);
        (members ??= []).push([market, this.remapped(market, p)]);
      }
    }
    return members === null ? null : { isolated: false, base: account.collateral, members };
  }

  protected groupValue(
    group: MarginGroup,
    valuation: MarginValuation,
    override?: (m: Market) => PnlCalcOption | null,
  ): GroupValue {
    let value = group.base;
    let notional = 0n;
    let pnl = 0n;
    for (const [m, pos] of group.members) {
      const v = this.valuePosition(m, pos, override?.(m) ?? valuation);
      value += v.pnl - this.pendingFunding(m, pos) - this.pendingLoss(m, pos);
      notional += v.notional;
      pnl += v.pnl;
    }
    return { value, notional, pnl };
  }

  /** Notional and unrealised PnL of a position; `max`/`min` pick by PnL between spot and TWAP. */
  protected valuePosition(m: Market, pos: Position, valuation: MarginValuation): { notional: bigint; pnl: bigint } {
    if (pos.size === 0n) return { notional: 0n, pnl: 0n };
    if (valuation === 'max' || valuation === 'min') {
      const spot = this.valuePosition(m, pos, 'spot');
      const twap = this.valuePosition(m, pos, 'twap');
      return (valuation === 'max') === spot.pnl > twap.pnl ? spot : twap;
    }
    const size = abs(pos.size);
    const dir: Dir = pos.size < 0n ? 'REMOVE' : 'ADD';
    let notional: bigint;
    if (valuation === 'twap') notional = this.params.exitTwap === 'walk' ? m.vamm.outputTwap(dir, size) : m.vamm.exitNotionalAtTwap(dir, size);
    else if (valuation === 'spot') notional = m.vamm.outputPrice(dir, size);
    else notional = mulD(size, m.oracle.referencePrice(this.clock.timestamp));
    const pnl = pos.size < 0n ? pos.openNotional - notional : notional - pos.openNotional;
    return { notional, pnl };
  }

  /** Perp v1's calcFreeCollateral for an isolated position given its margin with funding. */
  protected isolatedFreeCollateral(m: Market, pos: Position, marginWithFunding: bigint): bigint {
    const { pnl, notional } = this.valuePosition(m, pos, 'min');
    const accountValue = pnl + marginWithFunding;
    const minCollateral = pnl > 0n ? marginWithFunding : accountValue;
    const requirement = pos.size > 0n ? mulD(pos.openNotional, this.params.initMarginRatio) : mulD(notional, this.params.initMarginRatio);
    return minCollateral - requirement;
  }

  /** min(collateral, collateral + PnL) − initial requirement, over the cross positions. */
  protected crossFreeCollateral(account: Account): bigint {
    let carry = 0n;
    let pnl = 0n;
    let requirement = 0n;
    for (const [id, p] of account.positions) {
      if (p.isolated || p.size === 0n) continue;
      const m = this.market(id);
      this.requireRemapped(m, p);
      const pos = this.position(account.owner, id);
      const v = this.valuePosition(m, pos, 'min');
      carry += this.pendingFunding(m, pos) + this.pendingLoss(m, pos);
      pnl += v.pnl;
      requirement += mulD(pos.size > 0n ? pos.openNotional : v.notional, this.params.initMarginRatio);
    }
    const collateral = account.collateral - carry;
    return (pnl > 0n ? collateral : collateral + pnl) - requirement;
  }

  protected hasCrossPositions(account: Account): boolean {
    for (const p of account.positions.values()) if (!p.isolated && p.size !== 0n) return true;
    return false;
  }

  /**
   * After a cross trade: a book that grew must meet the initial ratio on its least
   * favourable valuation, any remaining book the maintenance ratio, and a flat account must
   * not owe anything. The group is built from the stored account the caller holds, in one pass
   * (its margin ratio by market name looked the account, the market and the position up again).
   */
  protected requireCrossHealthy(account: Account, exposureGrew: boolean): void {
    const group = this.crossGroup(account);
    if (group === null) {
      requireWith(account.collateral >= 0n, 'BadDebt', () => ({ badDebt: -account.collateral }));
      return;
    }
    const v = this.groupValue(group, exposureGrew ? 'min' : 'max');
    this.requireMoreMarginRatio(divD(v.value, v.notional), exposureGrew ? this.params.initMarginRatio : this.params.maintenanceMarginRatio, true);
  }

  protected exposureGrew(old: Position, next: Position): boolean {
    if (next.size === 0n) return false;
    if (old.size === 0n || (old.size > 0n) !== (next.size > 0n)) return true;
    return abs(next.size) > abs(old.size);
  }

  protected requireCrossProfile(): void {
    requireThat(this.params.marginMode === 'cross', 'NotSupported', 'perp-v1 takes margin per position from the wallet');
  }
}
