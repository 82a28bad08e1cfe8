/**
 * Perp v1's position mechanics, shared by both profiles: increase, reduce, close, and close
 * then reverse, each as a PositionResp — the swap, the realised PnL, the new open notional, and
 * the margin effect (isolated margin, or a change to the cross collateral).
 */
import type { Dir } from './curve.ts';
import { requireThat, requireWith } from './errors.ts';
import type { EventOf, Side } from './events.ts';
import type { Market } from './market.ts';
import { abs, divD, mulD, subU } from './math/fixed.ts';
import { MoneyFlows } from './money-flows.ts';
import { type Position, emptyPosition } from './position.ts';
import type { BandCheck } from './vamm.ts';

/** The outcome of a position change, as Perp v1's PositionResp. */
export interface PositionResp {
  position: Position;
  exchangedQuote: bigint;
  badDebt: bigint;
  exchangedSize: bigint;
  fundingPayment: bigint;
  realizedPnl: bigint;
  /** Isolated margin: + the trader pays in, − the trader receives. */
  marginToVault: bigint;
  unrealizedPnlAfter: bigint;
  /** Cross margin: the change to the account's collateral (realised PnL − funding − loss). */
  collateralDelta: bigint;
}

export const emptyResp = (position: Position): PositionResp => ({
  position,
  exchangedQuote: 0n,
  badDebt: 0n,
  exchangedSize: 0n,
  fundingPayment: 0n,
  realizedPnl: 0n,
  marginToVault: 0n,
  unrealizedPnlAfter: 0n,
  collateralDelta: 0n,
});

export class PositionMechanics extends MoneyFlows {
  protected internalIncreasePosition(
    m: Market,
    trader: string,
    isolated: boolean,
    side: Side,
    openNotional: bigint,
    minPositionSize: bigint,
    leverage: bigint,
  ): PositionResp {
    if (this.params.profile === 'default') {
      requireThat(m.oracle.isFresh(this.clock.timestamp), 'OracleStale', `market ${m.id}`);
    }
    const old = this.storedPosition(m, trader);
    const exchangedSize = this.swapInput(m, side, openNotional, minPositionSize, 'within');
    const newSize = old.size + exchangedSize;
    this.updateOpenInterestNotional(m, trader, openNotional);
    if (trader !== this.whitelist && m.vamm.maxHoldingBaseAsset > 0n) {
      requireThat(abs(newSize) <= m.vamm.maxHoldingBaseAsset, 'PositionSizeUpperBound');
    }
    const resp = emptyResp(old);
    // Perp v1 reads the old position on the new reserves for the event's unrealised PnL.
    resp.unrealizedPnlAfter = this.valuePosition(m, old, 'spot').pnl;
    resp.exchangedQuote = openNotional;
    resp.exchangedSize = exchangedSize;
    let margin = 0n;
    if (isolated) {
      const increaseMarginRequirement = divD(openNotional, leverage);
      const r = this.calcRemainMarginWithFundingPayment(m, old, increaseMarginRequirement);
      margin = r.remainMargin;
      resp.fundingPayment = r.fundingPayment;
      resp.marginToVault = increaseMarginRequirement;
      if (r.badDebt > 0n) {
        if (this.params.profile === 'perp-v1') this.j.set(this, 'ignoredBadDebt', this.ignoredBadDebt + r.badDebt);
        else resp.badDebt = r.badDebt;
      }
    } else {
      const carry = this.crossCarry(m, old);
      resp.fundingPayment = carry.funding;
      resp.collateralDelta = -carry.funding - carry.loss;
    }
    this.recordFundingSettled(m, old, resp.fundingPayment);
    resp.position = {
      size: newSize,
      margin,
      openNotional: old.openNotional + openNotional,
      lastCumulativePremiumFraction: m.cumulativePremiumFraction,
      lastLossIndex: this.lossIndex(m, newSize),
      liquidityHistoryIndex: old.liquidityHistoryIndex,
      blockNumber: this.clock.blockNumber,
      isolated,
    };
    return resp;
  }

  protected openReversePosition(
    m: Market,
    trader: string,
    isolated: boolean,
    side: Side,
    quoteAmount: bigint,
    leverage: bigint,
    baseLimit: bigint,
    band: BandCheck,
  ): PositionResp {
    const openNotional = mulD(quoteAmount, leverage);
    const old = this.storedPosition(m, trader);
    const { notional: oldPositionNotional, pnl: unrealizedPnl } = this.valuePosition(m, old, 'spot');
    if (oldPositionNotional <= openNotional) {
      return this.closeAndOpenReversePosition(m, trader, isolated, side, quoteAmount, leverage, baseLimit);
    }
    this.updateOpenInterestNotional(m, trader, -openNotional);
    const resp = emptyResp(old);
    resp.exchangedSize = this.swapInput(m, side, openNotional, baseLimit, band);
    if (old.size !== 0n) resp.realizedPnl = divD(mulD(unrealizedPnl, abs(resp.exchangedSize)), abs(old.size));
    let margin = 0n;
    if (isolated) {
      const r = this.calcRemainMarginWithFundingPayment(m, old, resp.realizedPnl);
      margin = r.remainMargin;
      resp.badDebt = r.badDebt;
      resp.fundingPayment = r.fundingPayment;
    } else {
      const carry = this.crossCarry(m, old);
      resp.fundingPayment = carry.funding;
      resp.collateralDelta = resp.realizedPnl - carry.funding - carry.loss;
    }
    this.recordFundingSettled(m, old, resp.fundingPayment);
    resp.unrealizedPnlAfter = unrealizedPnl - resp.realizedPnl;
    resp.exchangedQuote = openNotional;
    const remainOpenNotional =
      old.size > 0n
        ? oldPositionNotional - resp.exchangedQuote - resp.unrealizedPnlAfter
        : resp.unrealizedPnlAfter + oldPositionNotional - resp.exchangedQuote;
    requireThat(remainOpenNotional > 0n, 'OpenNotionalNotPositive');
    const newSize = old.size + resp.exchangedSize;
    resp.position = {
      size: newSize,
      margin,
      openNotional: abs(remainOpenNotional),
      lastCumulativePremiumFraction: m.cumulativePremiumFraction,
      lastLossIndex: this.lossIndex(m, newSize),
      liquidityHistoryIndex: old.liquidityHistoryIndex,
      blockNumber: this.clock.blockNumber,
      isolated,
    };
    return resp;
  }

  protected closeAndOpenReversePosition(
    m: Market,
    trader: string,
    isolated: boolean,
    side: Side,
    quoteAmount: bigint,
    leverage: bigint,
    baseLimit: bigint,
  ): PositionResp {
    const close = this.internalClosePosition(m, trader, 0n, this.traderCloseBand);
    requireWith(close.badDebt === 0n, 'ReduceUnderwaterPosition', () => ({ badDebt: close.badDebt }));
    const openNotional = subU(mulD(quoteAmount, leverage), close.exchangedQuote);
    if (divD(openNotional, leverage) === 0n) {
      // Perp v1's close leaves its response's position unset, and openPosition writes that
      // blank record: block 0, so restriction mode no longer sees this block's action.
      return this.params.profile === 'perp-v1' ? { ...close, position: emptyPosition(0, close.position.isolated) } : close;
    }
    const updatedBaseLimit = baseLimit > abs(close.exchangedSize) ? baseLimit - abs(close.exchangedSize) : 0n;
    const increase = this.internalIncreasePosition(m, trader, isolated, side, openNotional, updatedBaseLimit, leverage);
    return {
      position: increase.position,
      exchangedQuote: close.exchangedQuote + increase.exchangedQuote,
      badDebt: close.badDebt + increase.badDebt,
      fundingPayment: close.fundingPayment + increase.fundingPayment,
      exchangedSize: close.exchangedSize + increase.exchangedSize,
      realizedPnl: close.realizedPnl + increase.realizedPnl,
      unrealizedPnlAfter: 0n,
      marginToVault: close.marginToVault + increase.marginToVault,
      collateralDelta: close.collateralDelta + increase.collateralDelta,
    };
  }

  /** A trader's close overshoots the band at most once; Perp v1 2.2.0 never checks it. */
  protected get traderCloseBand(): Exclude<BandCheck, 'within'> {
    return this.perpV1Release220 ? 'unchecked' : 'once';
  }

  /** @param band a trader's close: traderCloseBand; a liquidation's: the profile's liquidationBand */
  protected internalClosePosition(m: Market, trader: string, quoteLimit: bigint, band: Exclude<BandCheck, 'within'>): PositionResp {
    const old = this.storedPosition(m, trader);
    requireThat(old.size !== 0n, 'PositionSizeZero');
    const { pnl: unrealizedPnl } = this.valuePosition(m, old, 'spot');
    const resp = emptyResp(old);
    if (old.isolated) {
      const r = this.calcRemainMarginWithFundingPayment(m, old, unrealizedPnl);
      resp.badDebt = r.badDebt;
      resp.fundingPayment = r.fundingPayment;
      resp.marginToVault = -r.remainMargin;
    } else {
      const carry = this.crossCarry(m, old);
      resp.fundingPayment = carry.funding;
      resp.collateralDelta = unrealizedPnl - carry.funding - carry.loss;
    }
    this.recordFundingSettled(m, old, resp.fundingPayment);
    resp.exchangedSize = -old.size;
    resp.realizedPnl = unrealizedPnl;
    resp.exchangedQuote = m.vamm.swapOutput(old.size > 0n ? 'ADD' : 'REMOVE', abs(old.size), quoteLimit, band);
    this.updateOpenInterestNotional(m, trader, -(unrealizedPnl + resp.badDebt + old.openNotional));
    this.clearPosition(m, trader, old.isolated);
    resp.position = this.storedPosition(m, trader);
    return resp;
  }

  protected swapInput(m: Market, side: Side, quote: bigint, baseLimit: bigint, band: BandCheck): bigint {
    const dir: Dir = side === 'long' ? 'ADD' : 'REMOVE';
    const base = m.vamm.swapInput(dir, quote, baseLimit, band);
    return dir === 'REMOVE' ? -base : base;
  }

  protected updateOpenInterestNotional(m: Market, trader: string, amount: bigint): void {
    const cap = m.vamm.openInterestNotionalCap;
    if (cap === 0n) return;
    let updated = m.openInterestNotional + amount;
    if (updated < 0n) updated = 0n;
    if (amount > 0n) requireThat(updated <= cap || trader === this.whitelist, 'OverOpenInterestLimit');
    this.j.set(m, 'openInterestNotional', updated);
  }

  protected emitPositionChanged(trader: string, m: Market, resp: PositionResp, fee: bigint, liquidationPenalty: bigint): void {
    const account = this.account(trader);
    const e: Omit<EventOf<'PositionChanged'>, 'blockNumber' | 'timestamp'> = {
      type: 'PositionChanged',
      trader,
      market: m.id,
      margin: resp.position.isolated || this.params.marginMode === 'isolated' ? resp.position.margin : account.collateral,
      positionNotional: resp.exchangedQuote,
      exchangedPositionSize: resp.exchangedSize,
      fee,
      positionSizeAfter: resp.position.size,
      realizedPnl: resp.realizedPnl,
      unrealizedPnlAfter: resp.unrealizedPnlAfter,
      badDebt: resp.badDebt,
      liquidationPenalty,
      spotPrice: m.vamm.spotPrice(),
      fundingPayment: resp.fundingPayment,
    };
    this.emit(e);
  }
}
