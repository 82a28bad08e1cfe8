/**
 * Liquidation: the margin ratio that decides it (trader-favourable, the oracle's when the market
 * strays), Perp v1's fixed-ratio liquidation, and the default design's minimal one.
 */
import type { Dir } from './curve.ts';
import { ModelError, isModelError, requireThat, requireWith } from './errors.ts';
import { type CloseTrial, closeRestoresMaintenance } from './close-trial.ts';
import { liquidationQuoteForMaintenance } from './liquidation-size.ts';
import type { GroupValue, MarginGroup } from './margin-book.ts';
import type { Market } from './market.ts';
import { ONE, abs, divD, mulD, subU } from './math/fixed.ts';
import { PositionMechanics, type PositionResp } from './position-mechanics.ts';
import type { Account, Position } from './position.ts';

export interface LiquidationResult {
  readonly quoteAmount: bigint;
  readonly partial: boolean;
  readonly feeToLiquidator: bigint;
  readonly badDebt: bigint;
}

/** The margin ratio of a one-position group whose other value is `rest`, were the position's notional `n` (its PnL follows from n). */
function ratioAtNotional(rest: bigint, pos: Position, n: bigint): bigint {
  return divD(rest + (pos.size > 0n ? n - pos.openNotional : pos.openNotional - n), n);
}

export class Liquidation extends PositionMechanics {
  liquidate(liquidator: string, trader: string, marketId: string, quoteLimit = 0n): LiquidationResult {
    return this.j.atomic(() => {
      const m = this.market(marketId);
      m.vamm.requireOpen();
      this.requireNoMigration(m);
      this.adjustPositionForLiquidityChanged(m, trader);
      const before = this.storedPosition(m, trader);
      requireThat(before.size !== 0n, 'PositionSizeZero');
      const ratio = this.liquidationMarginRatioUnlessBelow(trader, marketId, this.params.maintenanceMarginRatio);
      if (ratio !== null) this.requireMoreMarginRatio(ratio, this.params.maintenanceMarginRatio, false);

      const result =
        this.params.profile === 'perp-v1' || this.params.liquidation.kind === 'fixed-ratio'
          ? this.liquidateFixedRatio(liquidator, trader, m)
          : this.liquidateMinimal(liquidator, trader, m);

      if (quoteLimit !== 0n) {
        const limit =
          result.partial && this.params.liquidation.kind === 'fixed-ratio'
            ? mulD(quoteLimit, this.params.liquidation.partialLiquidationRatio)
            : quoteLimit;
        if (before.size > 0n) requireWith(result.quoteAmount >= limit, 'LessThanMinimalQuote', () => ({ amount: result.quoteAmount, limit }));
        else requireWith(result.quoteAmount <= limit, 'MoreThanMaximalQuote', () => ({ amount: result.quoteAmount, limit }));
      }
      return result;
    });
  }

  /**
   * Whether `liquidate(·, trader, marketId)` reverts MarginRatioNotMet, known without the call:
   * its checks before that one pass, none of them writes (no lazy remap is pending: the remap
   * would be written first) and the liquidation ratio is at least maintenance. That revert
   * comes before any write, so the engine takes it as the outcome: liquidators racing for one
   * position meet it hundreds of times a path, and the error and the frame cost more than this.
   */
  liquidationRefused(trader: string, marketId: string): boolean {
    const m = this.markets.get(marketId);
    if (m === undefined || !m.vamm.open || m.migration !== null) return false;
    const pos = this.accounts.get(trader)?.positions.get(marketId);
    if (pos === undefined || pos.size === 0n) return false;
    if (m.lastRemap === 'lazy' && pos.liquidityHistoryIndex !== m.vamm.liquidityHistoryIndex) return false;
    const mmr = this.params.maintenanceMarginRatio;
    try {
      const ratio = this.liquidationMarginRatioUnlessBelow(trader, marketId, mmr);
      return ratio !== null && ratio >= mmr;
    } catch (e) {
      // Another revert on the way (the call reports it).
      if (isModelError(e)) return false;
      throw e;
    }
  }

  /** Perp v1's liquidation: a fixed share while the spot ratio covers the fee, else all of it. */
  protected liquidateFixedRatio(liquidator: string, trader: string, m: Market): LiquidationResult {
    const plr = this.params.liquidation.kind === 'fixed-ratio' ? this.params.liquidation.partialLiquidationRatio : 0n;
    const feeRatio = this.params.liquidationFeeRatio;
    // HEAD decides partial vs full on the spot ratio; 2.2.0 on the ratio that allowed the liquidation.
    const decisionRatio = this.perpV1Release220 ? this.liquidationMarginRatioUnlessBelow(trader, m.id, feeRatio + 1n) : this.marginRatio(trader, m.id, 'spot');
    const partialAllowed = decisionRatio !== null && decisionRatio > feeRatio;
    const account = this.account(trader);
    const position = this.storedPosition(m, trader);
    const isolated = position.isolated;
    let resp: PositionResp;
    let penalty: bigint;
    let feeToLiquidator: bigint;
    let feeToInsuranceFund = 0n;
    let liquidationBadDebt = 0n;
    let partial = false;

    if (partialAllowed && plr < ONE && plr !== 0n) {
      const notional = m.vamm.outputPrice(position.size > 0n ? 'ADD' : 'REMOVE', abs(mulD(position.size, plr)));
      resp = this.openReversePosition(m, trader, isolated, position.size > 0n ? 'short' : 'long', notional, ONE, 0n, this.params.liquidationBand);
      penalty = mulD(resp.exchangedQuote, feeRatio);
      feeToLiquidator = penalty / 2n;
      feeToInsuranceFund = penalty - feeToLiquidator;
      if (isolated) resp.position = { ...resp.position, margin: subU(resp.position.margin, penalty) };
      else resp.collateralDelta -= penalty;
      this.setPosition(m, trader, resp.position);
      partial = true;
    } else {
      penalty = isolated ? position.margin : 0n;
      resp = this.internalClosePosition(m, trader, 0n, this.params.liquidationBand);
      let remainMargin = abs(resp.marginToVault);
      feeToLiquidator = mulD(resp.exchangedQuote, feeRatio) / 2n;
      let totalBadDebt = resp.badDebt;
      if (isolated) {
        if (feeToLiquidator > remainMargin) {
          liquidationBadDebt = feeToLiquidator - remainMargin;
          totalBadDebt += liquidationBadDebt;
          this.j.set(this, 'vaultOverpaidToInsuranceFund', this.vaultOverpaidToInsuranceFund + remainMargin);
        } else {
          remainMargin -= feeToLiquidator;
        }
        if (remainMargin > 0n) feeToInsuranceFund = remainMargin;
        resp.marginToVault = 0n;
      } else {
        resp.collateralDelta -= feeToLiquidator;
      }
      if (totalBadDebt > 0n) {
        // The backstop-LP gate came with HEAD's bad-debt hotfix (2022); 2.2.0 has none.
        if (this.params.badDebt === 'backstop' && !this.perpV1Release220) {
          requireThat(this.backstopLiquidityProviders.has(liquidator), 'NotBackstopLiquidityProvider');
        }
        this.absorbBadDebt(trader, m, position.size, totalBadDebt);
      }
    }
    if (!isolated) this.j.set(account, 'collateral', account.collateral + resp.collateralDelta);
    if (!isolated && !partial) this.realizeCrossBadDebtIfFlat(trader, m, position.size);
    if (feeToInsuranceFund > 0n) this.insuranceFund.receive(feeToInsuranceFund, 'penalty');
    this.payOut(liquidator, feeToLiquidator);
    this.enterRestrictionMode(m);
    this.emitLiquidation(m, trader, liquidator, resp, { feeToLiquidator, badDebt: liquidationBadDebt, partial, penalty });
    return { quoteAmount: resp.exchangedQuote, partial, feeToLiquidator, badDebt: resp.badDebt + liquidationBadDebt };
  }

  /**
   * The default design's liquidation: the smallest close that brings the (spot) margin ratio
   * back to maintenance, solved on the curve; the whole position when it is small or too far
   * gone. The penalty is split between the liquidator and the insurance fund.
   */
  protected liquidateMinimal(liquidator: string, trader: string, m: Market): LiquidationResult {
    const sizing = this.params.liquidation;
    if (sizing.kind !== 'minimal') throw new ModelError('NotSupported', 'minimal liquidation needs minimal sizing');
    const p = this.params.liquidationFeeRatio;
    const mmr = this.params.maintenanceMarginRatio;
    const account = this.account(trader);
    const position = this.storedPosition(m, trader);
    const isolated = position.isolated;
    const dirOfBase: Dir = position.size > 0n ? 'ADD' : 'REMOVE';
    const positionNotional = m.vamm.outputPrice(dirOfBase, abs(position.size));
    const group = this.marginGroup(trader, m.id);
    const spot = this.groupValue(group, 'spot');
    const spotRatio = divD(spot.value, spot.notional);

    let quote = 0n;
    if (positionNotional >= sizing.fullLiquidationBelowNotional && spotRatio > p) {
      const trial = this.closeTrial(m, position, group, spot, positionNotional);
      quote = liquidationQuoteForMaintenance(spot.value, spot.notional, mmr, p, positionNotional, (q) => closeRestoresMaintenance(trial, q));
    }

    let resp: PositionResp;
    let feeToLiquidator: bigint;
    let penalty: bigint;
    let badDebt = 0n;
    const partial = quote > 0n;
    if (partial) {
      ({ resp, feeToLiquidator, penalty } = this.applyPartialLiquidation(trader, m, account, position, quote));
    } else {
      resp = this.internalClosePosition(m, trader, 0n, this.params.liquidationBand);
      penalty = mulD(resp.exchangedQuote, p);
      feeToLiquidator = penalty / 2n;
      if (isolated) {
        // The fund takes what margin is left after the liquidator's half.
        let remain = abs(resp.marginToVault);
        badDebt = resp.badDebt;
        if (feeToLiquidator > remain) {
          badDebt += feeToLiquidator - remain;
          remain = 0n;
        } else {
          remain -= feeToLiquidator;
        }
        resp.marginToVault = 0n;
        if (remain > 0n) this.insuranceFund.receive(remain, 'penalty');
        if (badDebt > 0n) this.absorbBadDebt(trader, m, position.size, badDebt);
      } else {
        const available = account.collateral + resp.collateralDelta - feeToLiquidator;
        const toFund = penalty - feeToLiquidator;
        const paidToFund = available <= 0n ? 0n : available < toFund ? available : toFund;
        this.j.set(account, 'collateral', available - paidToFund);
        if (paidToFund > 0n) this.insuranceFund.receive(paidToFund, 'penalty');
        badDebt = this.realizeCrossBadDebtIfFlat(trader, m, position.size);
      }
    }
    this.payOut(liquidator, feeToLiquidator);
    if (this.params.restrictionMode) this.enterRestrictionMode(m);
    this.emitLiquidation(m, trader, liquidator, { ...resp, badDebt }, { feeToLiquidator, badDebt, partial, penalty });
    return { quoteAmount: resp.exchangedQuote, partial, feeToLiquidator, badDebt };
  }

  /** What every candidate close of `position` starts from (close-trial.ts); `spot` is its margin group's value at spot. */
  private closeTrial(m: Market, position: Position, group: MarginGroup, spot: GroupValue, positionNotional: bigint): CloseTrial {
    const unrealizedPnl = position.size < 0n ? position.openNotional - positionNotional : positionNotional - position.openNotional;
    const funding = this.pendingFunding(m, position);
    const loss = this.pendingLoss(m, position);
    return {
      vamm: m.vamm,
      band: this.params.liquidationBand,
      size: position.size,
      margin: position.margin,
      isolated: position.isolated,
      positionNotional,
      unrealizedPnl,
      funding,
      loss,
      restValue: spot.value - (unrealizedPnl - funding - loss),
      restNotional: spot.notional - positionNotional,
      restHasMembers: group.members.length > 1,
      maintenance: this.params.maintenanceMarginRatio,
      penaltyRatio: this.params.liquidationFeeRatio,
    };
  }

  /** A liquidation's two events: what the liquidator did, then the position change it made. */
  private emitLiquidation(
    m: Market,
    trader: string,
    liquidator: string,
    resp: PositionResp,
    o: { feeToLiquidator: bigint; badDebt: bigint; partial: boolean; penalty: bigint },
  ): void {
    this.emit({
      type: 'PositionLiquidated',
      trader,
      market: m.id,
      positionNotional: resp.exchangedQuote,
      positionSize: abs(resp.exchangedSize),
      liquidationFee: o.feeToLiquidator,
      liquidator,
      badDebt: o.badDebt,
      partial: o.partial,
    });
    this.emitPositionChanged(trader, m, resp, 0n, o.penalty);
  }

  /**
   * Closes `quote` of notional of a position and charges the penalty on it (fund half credited).
   * The size search chose `quote` (close-trial.ts): an isolated margin pays the penalty.
   */
  protected applyPartialLiquidation(
    trader: string,
    m: Market,
    account: Account,
    position: Position,
    quote: bigint,
  ): { resp: PositionResp; feeToLiquidator: bigint; penalty: bigint } {
    const resp = this.openReversePosition(m, trader, position.isolated, position.size > 0n ? 'short' : 'long', quote, ONE, 0n, this.params.liquidationBand);
    const penalty = mulD(resp.exchangedQuote, this.params.liquidationFeeRatio);
    const feeToLiquidator = penalty / 2n;
    if (position.isolated) {
      resp.position = { ...resp.position, margin: subU(resp.position.margin, penalty) };
    } else {
      this.j.set(account, 'collateral', account.collateral + resp.collateralDelta - penalty);
    }
    this.setPosition(m, trader, resp.position);
    this.insuranceFund.receive(penalty - feeToLiquidator, 'penalty');
    return { resp, feeToLiquidator, penalty };
  }

  /** Margin ratio for the liquidation check: trader-favourable, and the oracle's when the market strays. */
  liquidationMarginRatio(trader: string, marketId: string): bigint {
    const group = this.marginGroup(trader, marketId);
    const best = this.groupValue(group, 'max');
    let ratio = divD(best.value, best.notional);
    if (group.members.some(([mk]) => this.isOverSpreadLimit(mk))) {
      const withOracle = this.groupValue(group, 'max', (mk) => (this.isOverSpreadLimit(mk) ? 'oracle' : null));
      const oracleRatio = divD(withOracle.value, withOracle.notional);
      if (oracleRatio > ratio) ratio = oracleRatio;
    }
    return ratio;
  }

  /**
   * liquidationMarginRatio, or null when it is certainly below `level`: where Perp v1's TWAP
   * walk would value the position (one exit per traded block in the window), bounds on the walk
   * (Vamm.twapExitBounds) often settle the comparison, and the walk is skipped. A single-position
   * group only; anything the bounds do not settle, or that could revert, is computed in full.
   * Equal to `liquidationMarginRatio(…) < level ? null : liquidationMarginRatio(…)` where it
   * returns null (test/liquidation-ratio-bounds.test.ts).
   */
  protected liquidationMarginRatioUnlessBelow(trader: string, marketId: string, level: bigint): bigint | null {
    if (this.params.exitTwap === 'walk' && this.liquidationRatioCertainlyBelow(trader, marketId, level)) return null;
    return this.liquidationMarginRatio(trader, marketId);
  }

  private liquidationRatioCertainlyBelow(trader: string, marketId: string, level: bigint): boolean {
    const group = this.marginGroup(trader, marketId);
    if (group.members.length !== 1) return false;
    const [m, pos] = group.members[0] as readonly [Market, Position];
    const spot = this.valuePosition(m, pos, 'spot');
    if (spot.notional <= 0n) return false;
    const bounds = m.vamm.twapExitBounds(pos.size < 0n ? 'REMOVE' : 'ADD', abs(pos.size));
    if (bounds === null) return false;
    const rest = group.base - this.pendingFunding(m, pos) - this.pendingLoss(m, pos);
    const long = pos.size > 0n;
    // 'max' takes the TWAP valuation when its PnL is at least spot's: a long's notional at least
    // spot's, a short's at most. On that range the ratio is monotone in n (a + b·n over n), so
    // its largest value is at an end.
    const lo = long ? (bounds.lb > spot.notional ? bounds.lb : spot.notional) : bounds.lb;
    const hi = long ? bounds.ub : bounds.ub < spot.notional ? bounds.ub : spot.notional;
    if (ratioAtNotional(rest, pos, spot.notional) >= level) return false;
    if (lo <= hi && (ratioAtNotional(rest, pos, lo) >= level || ratioAtNotional(rest, pos, hi) >= level)) return false;
    // The oracle's valuation counts when the market strays: the best of the two must be below too.
    if (this.isOverSpreadLimit(m)) {
      const oracle = this.valuePosition(m, pos, 'oracle');
      if (oracle.notional === 0n || divD(rest + oracle.pnl, oracle.notional) >= level) return false;
    }
    return true;
  }

  /**
   * |spot − oracle| / oracle ≥ the max spread ratio. `default`: only a usable oracle counts (with
   * none, the mark values the position); Perp v1: the latest answer, however old.
   */
  isOverSpreadLimit(m: Market): boolean {
    const now = this.clock.timestamp;
    const oraclePrice = this.params.liquidationOracle === 'usable' ? m.oracle.usablePrice(now) : m.oracle.referencePrice(now);
    if (oraclePrice === null) return false;
    const spread = abs(divD(m.vamm.spotPrice() - oraclePrice, oraclePrice));
    return spread >= this.params.maxOracleSpreadRatio;
  }
}
