/**
 * The clearing house: every trader and keeper operation of the protocol, with the checks,
 * effects and rounding of the Solidity contracts. Operations are atomic (a revert leaves the
 * state untouched) and emit the events the contracts log.
 *
 * Both profiles run through the same code; they part ways where `params` says so:
 * margin (cross account vs isolated position), fee source and split, liquidation sizing,
 * bad-debt handling, and where the insurance fund keeps its money.
 */
import type { Clock } from './clock.ts';
import { type Dir, exitValue } from './curve.ts';
import { ModelError, requireThat } from './errors.ts';
import type { EventOf, ProtocolEvent, Side } from './events.ts';
import { fundingPremium, firstFundingTime, nextFundingTime } from './funding.ts';
import { InsuranceFund } from './insurance-fund.ts';
import { Journal } from './journal.ts';
import { FEE_POOL, TokenLedger, VAULT } from './ledger.ts';
import { liquidationQuoteForMaintenance } from './liquidation-size.ts';
import type { Market, RemapVariant } from './market.ts';
import { ONE, abs, ceilDiv, divD, mulD, subU } from './math/fixed.ts';
import { TOKEN_SCALE, toTokenUnits } from './math/units.ts';
import { CompositeOracle } from './oracle/composite-oracle.ts';
import type { ClearingHouseParams, MarketParams, Profile } from './params.ts';
import { type Account, type Position, emptyPosition } from './position.ts';
import { Vamm } from './vamm.ts';

export type { Side } from './events.ts';

/** How a position's notional and PnL are valued. */
export type PnlCalcOption = 'spot' | 'twap' | 'oracle';
/** Which valuation a margin ratio uses: trader-favourable, least favourable, or one option. */
export type MarginValuation = 'max' | 'min' | PnlCalcOption;

type EventInput = ProtocolEvent extends infer E ? (E extends ProtocolEvent ? Omit<E, 'blockNumber' | 'timestamp'> : never) : never;

export interface MarketSetup {
  readonly id: string;
  readonly quoteReserve: bigint;
  readonly baseReserve: bigint;
  /** Initial index price (a Chainlink round at the current time); 0 = no round yet. */
  readonly indexPrice?: bigint;
  readonly params?: Partial<Omit<MarketParams, 'funding' | 'fees' | 'oracle'>> & {
    funding?: Partial<MarketParams['funding']>;
    fees?: Partial<MarketParams['fees']>;
    oracle?: Partial<MarketParams['oracle']>;
  };
}

export interface OpenPositionArgs {
  readonly trader: string;
  readonly market: string;
  readonly side: Side;
  /** Margin (Perp v1's quoteAssetAmount); the notional is margin × leverage. */
  readonly margin: bigint;
  readonly leverage: bigint;
  /** Slippage limit on base (0 = none): minimum for a long, maximum for a short. */
  readonly baseLimit?: bigint;
  /** `default`: hold this position in isolated margin instead of the cross account. */
  readonly isolated?: boolean;
}

/** The outcome of a position change, as Perp v1's PositionResp. */
interface PositionResp {
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

export interface LiquidationResult {
  readonly quoteAmount: bigint;
  readonly partial: boolean;
  readonly feeToLiquidator: bigint;
  readonly badDebt: bigint;
}

export interface FundingResult {
  readonly premiumFraction: bigint;
  readonly uncappedPremiumFraction: bigint;
  readonly fundingRate: bigint;
  readonly markTwap: bigint;
  readonly indexTwap: bigint;
}

/** The positions whose value backs one margin requirement. */
interface MarginGroup {
  readonly isolated: boolean;
  /** Collateral (cross) or the position's margin (isolated). */
  readonly base: bigint;
  readonly members: ReadonlyArray<readonly [Market, Position]>;
}

interface GroupValue {
  /** base + Σ (pnl − funding − loss): the account value. */
  readonly value: bigint;
  readonly notional: bigint;
  readonly pnl: bigint;
}

const emptyResp = (position: Position): PositionResp => ({
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

export class ClearingHouse {
  readonly j = new Journal();
  readonly params: ClearingHouseParams;
  readonly defaultMarketParams: MarketParams;
  readonly markets = new Map<string, Market>();
  readonly accounts = new Map<string, Account>();
  readonly ledger: TokenLedger;
  readonly insuranceFund: InsuranceFund;
  /** `default`: the fees' treasury share, kept in the vault; the budget for curve costs. */
  treasury = 0n;
  /** `perp-v1`: what the insurance fund advanced to pay winners before losers' bad debt was realised. */
  prepaidBadDebt = 0n;
  /** `default`: bad debt neither the insurance fund nor a counterparty side could absorb. */
  uncoveredBadDebt = 0n;
  /** Curve-change costs nobody paid for (Perp v1's k migration had no budget). */
  unfundedCurveCost = 0n;
  /**
   * `perp-v1`: amounts credited in 18 decimals beyond the floored tokens that arrived
   * (DecimalERC20 rounding on margin deposits and insurance-fund payments).
   */
  roundingLeak = 0n;
  /**
   * `perp-v1`: a full liquidation whose remaining margin is below the liquidator's fee sends
   * that margin to the insurance fund as well as charging the fund the whole shortfall, so the
   * vault pays the remaining margin twice (Perp v1 HEAD, ClearingHouse.liquidate). Kept to
   * the wei here; the ledger invariant counts it as money the fund holds for the vault.
   */
  vaultOverpaidToInsuranceFund = 0n;
  /**
   * `perp-v1`: funding debt beyond an isolated margin that an increase silently drops
   * (internalIncreasePosition ignores calcRemainMarginWithFundingPayment's bad debt). The
   * `default` design reverts such an increase instead.
   */
  ignoredBadDebt = 0n;
  readonly backstopLiquidityProviders = new Set<string>();
  whitelist: string | null = null;
  readonly events: ProtocolEvent[] = [];

  constructor(
    readonly clock: Clock,
    profile: Profile,
  ) {
    this.params = { ...profile.clearingHouse };
    this.defaultMarketParams = profile.market;
    this.ledger = new TokenLedger(this.j);
    this.insuranceFund = new InsuranceFund(this.j, this.ledger, this.params.insuranceFundCustody, (e) => this.emit(e));
  }

  // =================================================================== set-up

  addMarket(setup: MarketSetup): Market {
    requireThat(!this.markets.has(setup.id), 'InvalidParameter', `market ${setup.id} exists`);
    const d = this.defaultMarketParams;
    const o = setup.params ?? {};
    const params: MarketParams = {
      tradeLimitRatio: o.tradeLimitRatio ?? d.tradeLimitRatio,
      fluctuationLimitRatio: o.fluctuationLimitRatio ?? d.fluctuationLimitRatio,
      maxHoldingBaseAsset: o.maxHoldingBaseAsset ?? d.maxHoldingBaseAsset,
      openInterestNotionalCap: o.openInterestNotionalCap ?? d.openInterestNotionalCap,
      funding: { ...d.funding, ...o.funding },
      fees: { ...d.fees, ...o.fees },
      oracle: { ...d.oracle, ...o.oracle },
    };
    const vamm = new Vamm(this.j, this.clock, {
      quoteReserve: setup.quoteReserve,
      baseReserve: setup.baseReserve,
      tradeLimitRatio: params.tradeLimitRatio,
      fluctuationLimitRatio: params.fluctuationLimitRatio,
      maxHoldingBaseAsset: params.maxHoldingBaseAsset,
      openInterestNotionalCap: params.openInterestNotionalCap,
      twapEmptyPeriod: this.params.twapEmptyPeriod,
    });
    const oracle = new CompositeOracle(this.j, { ...params.oracle }, this.params.twapEmptyPeriod);
    if (setup.indexPrice) oracle.chainlink.addPrice(setup.indexPrice, this.clock.timestamp);
    const market: Market = {
      id: setup.id,
      vamm,
      oracle,
      params,
      cumulativePremiumFraction: 0n,
      fundingRate: 0n,
      nextFundingTime: firstFundingTime(this.clock.timestamp, params.funding.fundingPeriod),
      lastRestrictionBlock: 0,
      openInterestNotional: 0n,
      openNotionalLong: 0n,
      openNotionalShort: 0n,
      lossIndexLong: 0n,
      lossIndexShort: 0n,
      ammFundingProfit: 0n,
      traderFundingSettled: 0n,
      fundingRoundings: 0,
      settledPositionSize: 0n,
      lastRemap: null,
    };
    this.markets.set(setup.id, market);
    return market;
  }

  /** Test faucet: mints collateral tokens to a wallet. */
  mint(holder: string, amount: bigint): void {
    this.j.atomic(() => this.ledger.mint(holder, toTokenUnits(amount)));
  }

  seedInsuranceFund(amount: bigint): void {
    this.j.atomic(() => this.insuranceFund.seed(amount));
  }

  // =================================================================== oracle updates

  /** A Chainlink round at the current time (or `updatedAt`). */
  pushOracleRound(marketId: string, priceWei: bigint, updatedAt = this.clock.timestamp, roundId?: bigint): void {
    this.j.atomic(() => {
      const m = this.market(marketId);
      const round = m.oracle.chainlink.addPrice(priceWei, updatedAt, roundId);
      this.emit({ type: 'OracleRound', market: marketId, roundId: round.roundId, answer: round.answer, updatedAt: round.updatedAt });
    });
  }

  /** Fixes the index TWAP, as Perp v1's test double does (0 returns to the computed TWAP). */
  setIndexTwap(marketId: string, priceWei: bigint): void {
    this.j.atomic(() => this.market(marketId).oracle.chainlink.setTwapOverride(priceWei));
  }

  setFastPrice(marketId: string, price: bigint, confidence: bigint, publishTime = this.clock.timestamp): void {
    this.j.atomic(() => this.market(marketId).oracle.fast.update({ price, confidence, publishTime }));
  }

  // =================================================================== collateral (default)

  /** Moves collateral tokens from the wallet into the trader's cross account. */
  deposit(trader: string, amount: bigint): void {
    this.j.atomic(() => {
      this.requireCrossProfile();
      const units = toTokenUnits(amount);
      requireThat(units !== 0n, 'InvalidTokenAmount');
      this.ledger.transferUnits(trader, VAULT, units);
      const account = this.account(trader);
      this.j.set(account, 'collateral', account.collateral + units * TOKEN_SCALE);
      this.emit({ type: 'Deposited', trader, amount: units * TOKEN_SCALE });
    });
  }

  /** Withdraws free collateral (never unrealised profit) from the cross account to the wallet. */
  withdraw(trader: string, amount: bigint): void {
    this.j.atomic(() => {
      this.requireCrossProfile();
      const units = toTokenUnits(amount);
      requireThat(units !== 0n, 'InvalidTokenAmount');
      const value = units * TOKEN_SCALE;
      const account = this.account(trader);
      for (const [marketId, pos] of account.positions) {
        if (!pos.isolated && pos.size !== 0n) this.settleCarry(this.market(marketId), trader, pos);
      }
      requireThat(account.collateral >= value, 'FreeCollateralNotEnough', 'withdrawal exceeds collateral');
      this.j.set(account, 'collateral', account.collateral - value);
      requireThat(this.crossFreeCollateral(account) >= 0n, 'FreeCollateralNotEnough');
      requireThat(this.ledger.balanceOf(VAULT) >= units, 'InsufficientVaultBalance');
      this.ledger.transferUnits(VAULT, trader, units);
      this.emit({ type: 'Withdrawn', trader, amount: value });
    });
  }

  // =================================================================== trading

  openPosition(args: OpenPositionArgs): PositionResp {
    return this.j.atomic(() => {
      const { trader, side, margin: quoteAmount, leverage } = args;
      const m = this.market(args.market);
      m.vamm.requireOpen();
      requireThat(toTokenUnits(quoteAmount < 0n ? 0n : quoteAmount) !== 0n, 'InvalidTokenAmount');
      requireThat(leverage !== 0n, 'ZeroInput');
      this.requireMoreMarginRatio(divD(ONE, leverage), this.params.initMarginRatio, true);
      this.requireNotRestrictionMode(m, trader);
      this.adjustPositionForLiquidityChanged(m, trader);

      const account = this.account(trader);
      const old = this.storedPosition(m, trader);
      const isolated = this.isolatedFor(old, args.isolated);
      const isNew = old.size === 0n;
      const sameSide = isNew || (old.size > 0n) === (side === 'long');
      const baseLimit = args.baseLimit ?? 0n;

      const resp = sameSide
        ? this.internalIncreasePosition(m, trader, isolated, side, mulD(quoteAmount, leverage), baseLimit, leverage)
        : this.openReversePosition(m, trader, isolated, side, quoteAmount, leverage, baseLimit, false);
      this.setPosition(m, trader, resp.position);
      if (!isolated) this.j.set(account, 'collateral', account.collateral + resp.collateralDelta);

      const fee = this.chargeFee(trader, m, resp.exchangedQuote);
      if (isolated) {
        if (!isNew && resp.position.size !== 0n) {
          this.requireMoreMarginRatio(this.marginRatio(trader, m.id, 'max'), this.params.maintenanceMarginRatio, true);
        }
        requireThat(resp.badDebt === 0n, 'BadDebt');
        this.settleMarginToVault(trader, resp.marginToVault);
        if (this.params.feeSource === 'collateral') this.requireCrossHealthy(account, false);
      } else {
        this.requireCrossHealthy(account, this.exposureGrew(old, resp.position));
      }
      this.emitPositionChanged(trader, m, resp, fee, 0n);
      return resp;
    });
  }

  closePosition(trader: string, marketId: string, quoteLimit = 0n): PositionResp {
    return this.j.atomic(() => {
      const m = this.market(marketId);
      m.vamm.requireOpen();
      this.requireNotRestrictionMode(m, trader);
      this.adjustPositionForLiquidityChanged(m, trader);
      const account = this.account(trader);
      const position = this.storedPosition(m, trader);
      requireThat(position.size !== 0n, 'PositionSizeZero');
      const isolated = position.isolated;
      const dirOfBase: Dir = position.size > 0n ? 'ADD' : 'REMOVE';

      let resp: PositionResp;
      if (m.vamm.isOverFluctuationLimit(dirOfBase, abs(position.size)) && this.params.partialCloseRatio < ONE) {
        const notional = m.vamm.outputPrice(dirOfBase, abs(mulD(position.size, this.params.partialCloseRatio)));
        resp = this.openReversePosition(m, trader, isolated, position.size > 0n ? 'short' : 'long', notional, ONE, 0n, true);
        this.setPosition(m, trader, resp.position);
      } else {
        resp = this.internalClosePosition(m, trader, quoteLimit);
      }
      if (!isolated) this.j.set(account, 'collateral', account.collateral + resp.collateralDelta);
      requireThat(resp.badDebt === 0n, 'BadDebt');
      const fee = this.chargeFee(trader, m, resp.exchangedQuote);
      if (isolated) this.settleMarginToVault(trader, resp.marginToVault);
      if (!isolated || this.params.feeSource === 'collateral') this.requireCrossHealthy(account, false);
      this.emitPositionChanged(trader, m, resp, fee, 0n);
      return resp;
    });
  }

  /** Adds margin to an isolated position (from the wallet under `perp-v1`, else from collateral). */
  addMargin(trader: string, marketId: string, amount: bigint): void {
    this.j.atomic(() => {
      const m = this.market(marketId);
      m.vamm.requireOpen();
      requireThat(toTokenUnits(amount < 0n ? 0n : amount) !== 0n, 'InvalidTokenAmount');
      this.adjustPositionForLiquidityChanged(m, trader);
      const position = this.storedPosition(m, trader);
      this.requireIsolatedForMargin(position);
      this.setPosition(m, trader, { ...position, margin: position.margin + amount, isolated: true });
      this.settleMarginToVault(trader, amount);
      this.emit({ type: 'MarginChanged', trader, market: marketId, amount, fundingPayment: 0n });
    });
  }

  /** Removes margin from an isolated position; the rest must stay free of the initial requirement. */
  removeMargin(trader: string, marketId: string, amount: bigint): void {
    this.j.atomic(() => {
      const m = this.market(marketId);
      m.vamm.requireOpen();
      requireThat(toTokenUnits(amount < 0n ? 0n : amount) !== 0n, 'InvalidTokenAmount');
      this.adjustPositionForLiquidityChanged(m, trader);
      const position = this.storedPosition(m, trader);
      this.requireIsolatedForMargin(position);
      const r = this.calcRemainMarginWithFundingPayment(m, position, -amount);
      requireThat(r.badDebt === 0n, 'MarginNotEnough');
      const free = this.isolatedFreeCollateral(m, position, r.remainMargin);
      requireThat(free >= 0n, 'FreeCollateralNotEnough');
      this.recordFundingSettled(m, position, r.fundingPayment);
      this.setPosition(m, trader, {
        ...position,
        margin: r.remainMargin,
        lastCumulativePremiumFraction: r.latestCumulativePremiumFraction,
        lastLossIndex: this.lossIndex(m, position.size),
      });
      this.settleMarginToVault(trader, -amount);
      this.emit({ type: 'MarginChanged', trader, market: marketId, amount: -amount, fundingPayment: r.fundingPayment });
    });
  }

  // =================================================================== liquidation

  liquidate(liquidator: string, trader: string, marketId: string, quoteLimit = 0n): LiquidationResult {
    return this.j.atomic(() => {
      const m = this.market(marketId);
      m.vamm.requireOpen();
      this.adjustPositionForLiquidityChanged(m, trader);
      const before = this.storedPosition(m, trader);
      requireThat(before.size !== 0n, 'PositionSizeZero');
      const ratio = this.liquidationMarginRatio(trader, marketId);
      this.requireMoreMarginRatio(ratio, this.params.maintenanceMarginRatio, false);

      const result =
        this.params.profile === 'perp-v1' || this.params.liquidation.kind === 'fixed-ratio'
          ? this.liquidateFixedRatio(liquidator, trader, m)
          : this.liquidateMinimal(liquidator, trader, m);

      if (quoteLimit !== 0n) {
        const limit =
          result.partial && this.params.liquidation.kind === 'fixed-ratio'
            ? mulD(quoteLimit, this.params.liquidation.partialLiquidationRatio)
            : quoteLimit;
        if (before.size > 0n) requireThat(result.quoteAmount >= limit, 'LessThanMinimalQuote');
        else requireThat(result.quoteAmount <= limit, 'MoreThanMaximalQuote');
      }
      return result;
    });
  }

  /** Perp v1's liquidation: a fixed share while the spot ratio covers the fee, else all of it. */
  private liquidateFixedRatio(liquidator: string, trader: string, m: Market): LiquidationResult {
    const plr = this.params.liquidation.kind === 'fixed-ratio' ? this.params.liquidation.partialLiquidationRatio : 0n;
    const feeRatio = this.params.liquidationFeeRatio;
    const spotRatio = this.marginRatio(trader, m.id, 'spot');
    const account = this.account(trader);
    const position = this.storedPosition(m, trader);
    const isolated = position.isolated;
    let resp: PositionResp;
    let penalty: bigint;
    let feeToLiquidator: bigint;
    let feeToInsuranceFund = 0n;
    let liquidationBadDebt = 0n;
    let partial = false;

    if (spotRatio > feeRatio && plr < ONE && plr !== 0n) {
      const notional = m.vamm.outputPrice(position.size > 0n ? 'ADD' : 'REMOVE', abs(mulD(position.size, plr)));
      resp = this.openReversePosition(m, trader, isolated, position.size > 0n ? 'short' : 'long', notional, ONE, 0n, true);
      penalty = mulD(resp.exchangedQuote, feeRatio);
      feeToLiquidator = penalty / 2n;
      feeToInsuranceFund = penalty - feeToLiquidator;
      if (isolated) resp.position = { ...resp.position, margin: subU(resp.position.margin, penalty) };
      else resp.collateralDelta -= penalty;
      this.setPosition(m, trader, resp.position);
      partial = true;
    } else {
      penalty = isolated ? position.margin : 0n;
      resp = this.internalClosePosition(m, trader, 0n);
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
        if (this.params.badDebt === 'backstop') {
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
    this.emit({
      type: 'PositionLiquidated',
      trader,
      market: m.id,
      positionNotional: resp.exchangedQuote,
      positionSize: abs(resp.exchangedSize),
      liquidationFee: feeToLiquidator,
      liquidator,
      badDebt: liquidationBadDebt,
      partial,
    });
    this.emitPositionChanged(trader, m, resp, 0n, penalty);
    return { quoteAmount: resp.exchangedQuote, partial, feeToLiquidator, badDebt: resp.badDebt + liquidationBadDebt };
  }

  /**
   * The default design's liquidation: the smallest close that brings the (spot) margin ratio
   * back to maintenance, solved on the curve; the whole position when it is small or too far
   * gone. The penalty is split between the liquidator and the insurance fund.
   */
  private liquidateMinimal(liquidator: string, trader: string, m: Market): LiquidationResult {
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
      quote = liquidationQuoteForMaintenance(spot.value, spot.notional, mmr, p, positionNotional, (q) =>
        this.j.simulate(() => {
          this.applyPartialLiquidation(trader, m, account, position, q);
          const after = this.groupValue(this.marginGroup(trader, m.id), 'spot');
          return after.notional === 0n ? true : divD(after.value, after.notional) >= mmr;
        }),
      );
    }

    let resp: PositionResp;
    let feeToLiquidator: bigint;
    let penalty: bigint;
    let badDebt = 0n;
    const partial = quote > 0n;
    if (partial) {
      ({ resp, feeToLiquidator, penalty } = this.applyPartialLiquidation(trader, m, account, position, quote));
    } else {
      resp = this.internalClosePosition(m, trader, 0n);
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
    this.emit({
      type: 'PositionLiquidated',
      trader,
      market: m.id,
      positionNotional: resp.exchangedQuote,
      positionSize: abs(resp.exchangedSize),
      liquidationFee: feeToLiquidator,
      liquidator,
      badDebt,
      partial,
    });
    this.emitPositionChanged(trader, m, { ...resp, badDebt }, 0n, penalty);
    return { quoteAmount: resp.exchangedQuote, partial, feeToLiquidator, badDebt };
  }

  /** Closes `quote` of notional of a position and charges the penalty on it (fund half credited). */
  private applyPartialLiquidation(
    trader: string,
    m: Market,
    account: Account,
    position: Position,
    quote: bigint,
  ): { resp: PositionResp; feeToLiquidator: bigint; penalty: bigint } {
    const resp = this.openReversePosition(m, trader, position.isolated, position.size > 0n ? 'short' : 'long', quote, ONE, 0n, true);
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

  /** |spot − oracle| / oracle ≥ the max spread ratio. */
  isOverSpreadLimit(m: Market): boolean {
    const oraclePrice = m.oracle.referencePrice(this.clock.timestamp);
    const spread = abs(divD(m.vamm.spotPrice() - oraclePrice, oraclePrice));
    return spread >= this.params.maxOracleSpreadRatio;
  }

  // =================================================================== funding

  /** Settles one funding period (permissionless; Perp v1's payFunding). */
  settleFunding(marketId: string): FundingResult {
    return this.j.atomic(() => {
      const m = this.market(marketId);
      m.vamm.requireOpen();
      const now = this.clock.timestamp;
      requireThat(now >= m.nextFundingTime, 'SettleFundingTooEarly', `next at ${m.nextFundingTime}, now ${now}`);
      const f = m.params.funding;
      const indexTwap = m.oracle.indexTwap(f.indexTwapInterval, now);
      const markTwap = m.vamm.twapPrice(f.markTwapInterval);
      const premium = fundingPremium(markTwap, indexTwap, f);
      this.j.set(m, 'fundingRate', premium.fundingRate);
      this.j.set(m, 'nextFundingTime', nextFundingTime(m.nextFundingTime, now, f.fundingPeriod));
      this.j.set(m, 'cumulativePremiumFraction', m.cumulativePremiumFraction + premium.premiumFraction);

      const profit = mulD(premium.premiumFraction, m.vamm.totalPositionSize);
      this.j.set(m, 'ammFundingProfit', m.ammFundingProfit + profit);
      this.j.set(m, 'fundingRoundings', m.fundingRoundings + 1);
      this.emit({
        type: 'FundingSettled',
        market: marketId,
        markTwap,
        indexTwap,
        premiumFraction: premium.premiumFraction,
        uncappedPremiumFraction: premium.uncappedPremiumFraction,
        fundingRate: premium.fundingRate,
        cumulativePremiumFraction: m.cumulativePremiumFraction,
        ammFundingProfit: profit,
      });
      if (profit < 0n) {
        // The net side receives more than the other side pays: the fund pays the imbalance.
        const { shortfall } = this.payFromInsuranceFund(-profit, 'funding');
        if (shortfall > 0n) this.socialiseLoss(m, premium.premiumFraction > 0n ? 'short' : 'long', shortfall, 'funding');
      } else if (profit > 0n) {
        this.insuranceFund.receive(profit, 'funding');
      }
      return { ...premium, markTwap, indexTwap };
    });
  }

  // =================================================================== k change, repeg, shutdown

  /**
   * Changes the depth: Q·m, B·m at the same price, with positions remapped so their exit
   * notional is preserved — now (`eager`), when each trader next acts (`lazy`, Perp v1's
   * legacy design), or not at all (`none`, to measure the error of a wrong mapping).
   */
  migrateLiquidity(marketId: string, multiplier: bigint, remap: RemapVariant = 'eager', fluctuationLimitRatio = 0n): bigint {
    return this.j.atomic(() => {
      const m = this.market(marketId);
      const before = this.netTraderValue(m);
      const from = m.vamm.migrateLiquidity(multiplier, fluctuationLimitRatio);
      this.j.set(m, 'lastRemap', remap);
      const newIndex = m.vamm.liquidityHistoryIndex;
      if (remap === 'eager') {
        let total = 0n;
        for (const [trader, account] of this.accounts) {
          const pos = account.positions.get(marketId);
          if (!pos || pos.size === 0n) {
            if (pos) this.setPosition(m, trader, { ...pos, liquidityHistoryIndex: newIndex });
            continue;
          }
          // Funding and loss accrued on the old size are settled before the size changes.
          const settled = this.settleCarry(m, trader, pos);
          const newSize = m.vamm.baseAfterLiquidityMigration(pos.size, from.quote, from.base);
          total += newSize;
          this.setPosition(m, trader, { ...settled, size: newSize, liquidityHistoryIndex: newIndex });
          this.emit({ type: 'PositionAdjusted', trader, market: marketId, oldSize: pos.size, newSize, oldIndex: pos.liquidityHistoryIndex, newIndex });
        }
        // The AMM's net position is the sum of the remapped positions, so the books stay zero-sum.
        this.j.set(m.vamm, 'totalPositionSize', total);
      } else if (remap === 'none') {
        this.j.set(m.vamm, 'totalPositionSize', this.sumOfSizes(marketId));
        for (const [trader, account] of this.accounts) {
          const pos = account.positions.get(marketId);
          if (pos) this.setPosition(m, trader, { ...pos, liquidityHistoryIndex: newIndex });
        }
      }
      const cost = this.netTraderValue(m) - before;
      const charged = remap === 'lazy' ? { cost } : this.chargeCurveCost(m, cost);
      if (remap === 'lazy') this.j.set(this, 'unfundedCurveCost', this.unfundedCurveCost + cost);
      this.emit({
        type: 'LiquidityMigrated',
        market: marketId,
        multiplier,
        remap,
        quoteReserve: m.vamm.quoteReserve,
        baseReserve: m.vamm.baseReserve,
        cost: charged.cost,
      });
      return cost;
    });
  }

  /**
   * Moves the peg toward the oracle by setting Q = price·B. The change in what the net trader
   * position is worth is the protocol's cost, charged to the fee budget (treasury, then fund).
   */
  repeg(marketId: string, targetPrice: bigint): bigint {
    return this.j.atomic(() => {
      const m = this.market(marketId);
      requireThat(targetPrice > 0n, 'InvalidParameter', 'target price must be positive');
      requireThat(m.lastRemap !== 'lazy', 'NotSupported', 'repeg after a lazy migration would remap positions');
      const oracle = m.oracle.referencePrice(this.clock.timestamp);
      const spot = m.vamm.spotPrice();
      const towardOracle = abs(targetPrice - oracle) < abs(spot - oracle) && (targetPrice - oracle) * (spot - oracle) >= 0n;
      requireThat(towardOracle, 'InvalidRepegDirection', `spot ${spot}, target ${targetPrice}, oracle ${oracle}`);
      const before = this.netTraderValue(m);
      const oldQuote = m.vamm.quoteReserve;
      m.vamm.setQuoteReserve(mulD(targetPrice, m.vamm.baseReserve));
      const cost = this.netTraderValue(m) - before;
      if (cost > 0n && this.params.insuranceFundCustody === 'vault') {
        requireThat(cost <= this.treasury, 'InsufficientFeeBudget', `cost ${cost}, treasury ${this.treasury}`);
      }
      this.chargeCurveCost(m, cost);
      this.emit({ type: 'Repegged', market: marketId, oldQuoteReserve: oldQuote, newQuoteReserve: m.vamm.quoteReserve, cost });
      return cost;
    });
  }

  /** Closes the market at its settlement price; positions are then settled one by one. */
  shutdown(marketId: string): bigint {
    return this.j.atomic(() => {
      const m = this.market(marketId);
      m.vamm.requireOpen();
      const price =
        this.params.settlementPrice === 'perp-v1'
          ? m.vamm.perpV1SettlementPrice()
          : abs(m.vamm.totalPositionSize) <= 100n
            ? 0n
            : divD(abs(exitValue(m.vamm.totalPositionSize, m.vamm.quoteReserve, m.vamm.baseReserve)), abs(m.vamm.totalPositionSize));
      m.vamm.shutdown(price);
      this.emit({ type: 'Shutdown', market: marketId, settlementPrice: price });
      return price;
    });
  }

  /** Pays out a position of a shut-down market at the settlement price (no insurance-fund support). */
  settlePosition(trader: string, marketId: string): bigint {
    return this.j.atomic(() => {
      const m = this.market(marketId);
      requireThat(!m.vamm.open, 'MarketOpen');
      const pos = this.storedPosition(m, trader);
      requireThat(pos.size !== 0n, 'PositionSizeZero');
      this.clearPosition(m, trader, pos.isolated);
      this.j.set(m, 'settledPositionSize', m.settledPositionSize + pos.size);
      const price = m.vamm.settlementPrice;
      if (pos.isolated) {
        let settled = pos.margin;
        if (price !== 0n) {
          const returned = mulD(pos.size, price - divD(pos.openNotional, abs(pos.size))) + pos.margin;
          settled = returned > 0n ? returned : 0n;
        }
        if (settled > 0n) {
          if (this.params.feeSource === 'wallet') this.ledger.transfer(VAULT, trader, settled);
          else this.creditCollateral(trader, settled);
        }
        this.emit({ type: 'PositionSettled', trader, market: marketId, valueTransferred: settled });
        return settled;
      }
      const carry = this.crossCarry(m, pos);
      this.recordFundingSettled(m, pos, carry.funding);
      const pnl = price === 0n ? 0n : mulD(pos.size, price - divD(pos.openNotional, abs(pos.size)));
      const account = this.account(trader);
      this.j.set(account, 'collateral', account.collateral + pnl - carry.funding - carry.loss);
      this.emit({ type: 'PositionSettled', trader, market: marketId, valueTransferred: pnl });
      return pnl;
    });
  }

  // =================================================================== admin

  setBackstopLiquidityProvider(account: string, isProvider: boolean): void {
    this.j.atomic(() => {
      const had = this.backstopLiquidityProviders.has(account);
      if (isProvider) this.backstopLiquidityProviders.add(account);
      else this.backstopLiquidityProviders.delete(account);
      this.j.onUndo(() => {
        if (had) this.backstopLiquidityProviders.add(account);
        else this.backstopLiquidityProviders.delete(account);
      });
    });
  }

  setWhitelist(account: string | null): void {
    this.j.atomic(() => this.j.set(this, 'whitelist', account));
  }

  /** Sets a clearing-house parameter by name (ratios in 18 decimals). */
  setClearingHouseParam<K extends keyof ClearingHouseParams>(name: K, value: ClearingHouseParams[K]): void {
    this.j.atomic(() => {
      if (name === 'liquidation') {
        const v = value as ClearingHouseParams['liquidation'];
        if (v.kind === 'fixed-ratio') requireThat(v.partialLiquidationRatio <= ONE, 'InvalidPartialLiquidationRatio');
      }
      if (name === 'profile' || name === 'insuranceFundCustody' || name === 'marginMode') {
        throw new ModelError('InvalidParameter', `${String(name)} is fixed when the clearing house is created`);
      }
      this.j.set(this.params as ClearingHouseParams & Record<K, unknown>, name, value);
      this.emit({ type: 'ParameterChanged', market: null, name: String(name), value: describe(value) });
    });
  }

  /** Sets a market parameter; funding, fee and oracle parameters take a partial object. */
  setMarketParams(marketId: string, changes: MarketSetup['params'] & object): void {
    this.j.atomic(() => {
      const m = this.market(marketId);
      const p = m.params;
      const next: MarketParams = {
        ...p,
        ...(changes as Partial<MarketParams>),
        funding: { ...p.funding, ...changes.funding },
        fees: { ...p.fees, ...changes.fees },
        oracle: { ...p.oracle, ...changes.oracle },
      };
      requireThat(next.tradeLimitRatio > 0n && next.tradeLimitRatio <= ONE, 'InvalidParameter', 'tradeLimitRatio in (0, 1]');
      requireThat(next.funding.fundingPeriod > 0 && next.funding.convergencePeriod > 0, 'InvalidParameter', 'funding periods must be positive');
      this.j.set(m, 'params', next);
      this.j.set(m.vamm, 'tradeLimitRatio', next.tradeLimitRatio);
      this.j.set(m.vamm, 'fluctuationLimitRatio', next.fluctuationLimitRatio);
      this.j.set(m.vamm, 'maxHoldingBaseAsset', next.maxHoldingBaseAsset);
      this.j.set(m.vamm, 'openInterestNotionalCap', next.openInterestNotionalCap);
      this.j.set(m.oracle, 'params', { ...next.oracle });
      for (const [name, value] of Object.entries(changes)) {
        this.emit({ type: 'ParameterChanged', market: marketId, name, value: describe(value) });
      }
    });
  }

  /**
   * A swap by the AMM's counterparty outside any position (Perp v1's AmmSpec drives the Amm
   * this way). It moves totalPositionSize without a trader behind it, so it breaks the
   * clearing house's zero-sum books: for AMM conformance tests only.
   */
  ammSwap(marketId: string, kind: 'input' | 'output', dir: Dir, amount: bigint, limit = 0n): bigint {
    return this.j.atomic(() => {
      const vamm = this.market(marketId).vamm;
      return kind === 'input' ? vamm.swapInput(dir, amount, limit, false) : vamm.swapOutput(dir, amount, limit);
    });
  }

  // =================================================================== views

  market(id: string): Market {
    const m = this.markets.get(id);
    if (!m) throw new ModelError('MarketNotFound', `no market "${id}"`);
    return m;
  }

  /** The position as the trader sees it (with a pending lazy remap applied). */
  position(trader: string, marketId: string): Position {
    const m = this.market(marketId);
    const stored = this.storedPosition(m, trader);
    const size = this.remappedSize(m, stored);
    return size === stored.size ? stored : { ...stored, size, liquidityHistoryIndex: m.vamm.liquidityHistoryIndex };
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
    return this.pendingFunding(m, this.position(trader, marketId));
  }

  /** Socialised loss the position has yet to absorb (`default`). */
  lossOwed(trader: string, marketId: string): bigint {
    const m = this.market(marketId);
    return this.pendingLoss(m, this.position(trader, marketId));
  }

  /**
   * Margin ratio of the margin group that holds `marketId`'s position: the isolated position,
   * or the whole cross account. `max` is the trader-favourable of spot and 15-min TWAP.
   */
  marginRatio(trader: string, marketId: string, valuation: MarginValuation = 'max'): bigint {
    const v = this.groupValue(this.marginGroup(trader, marketId), valuation);
    return divD(v.value, v.notional);
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

  spotPrice(marketId: string): bigint {
    return this.market(marketId).vamm.spotPrice();
  }

  twapPrice(marketId: string, interval: number): bigint {
    return this.market(marketId).vamm.twapPrice(interval);
  }

  insuranceFundBalance(): bigint {
    return this.insuranceFund.balance();
  }

  /** Collateral tokens the vault holds, in 18 decimals. */
  vaultBalance(): bigint {
    return this.ledger.balanceOfWei(VAULT);
  }

  /** The account, created (journaled) if it does not exist; views use `accountView`. */
  account(owner: string): Account {
    let a = this.accounts.get(owner);
    if (!a) {
      a = { owner, collateral: 0n, positions: new Map() };
      this.j.mapSet(this.accounts, owner, a);
    }
    return a;
  }

  /** The account if it exists, else an empty one that is not stored. */
  accountView(owner: string): Account {
    return this.accounts.get(owner) ?? { owner, collateral: 0n, positions: new Map() };
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
    if (!m.vamm.open) {
      return m.vamm.settlementPrice === 0n ? 0n : mulD(size, m.vamm.settlementPrice) - openNotional;
    }
    return exitValue(size, m.vamm.quoteReserve, m.vamm.baseReserve) - openNotional;
  }

  // =================================================================== position mechanics (Perp v1)

  private internalIncreasePosition(
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
    const exchangedSize = this.swapInput(m, side, openNotional, minPositionSize, false);
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

  private openReversePosition(
    m: Market,
    trader: string,
    isolated: boolean,
    side: Side,
    quoteAmount: bigint,
    leverage: bigint,
    baseLimit: bigint,
    canOverFluctuationLimit: boolean,
  ): PositionResp {
    const openNotional = mulD(quoteAmount, leverage);
    const old = this.storedPosition(m, trader);
    const { notional: oldPositionNotional, pnl: unrealizedPnl } = this.valuePosition(m, old, 'spot');
    if (oldPositionNotional <= openNotional) {
      return this.closeAndOpenReversePosition(m, trader, isolated, side, quoteAmount, leverage, baseLimit);
    }
    this.updateOpenInterestNotional(m, trader, -openNotional);
    const resp = emptyResp(old);
    resp.exchangedSize = this.swapInput(m, side, openNotional, baseLimit, canOverFluctuationLimit);
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

  private closeAndOpenReversePosition(
    m: Market,
    trader: string,
    isolated: boolean,
    side: Side,
    quoteAmount: bigint,
    leverage: bigint,
    baseLimit: bigint,
  ): PositionResp {
    const close = this.internalClosePosition(m, trader, 0n);
    requireThat(close.badDebt === 0n, 'ReduceUnderwaterPosition');
    const openNotional = subU(mulD(quoteAmount, leverage), close.exchangedQuote);
    if (divD(openNotional, leverage) === 0n) return close;
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

  private internalClosePosition(m: Market, trader: string, quoteLimit: bigint): PositionResp {
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
    resp.exchangedQuote = m.vamm.swapOutput(old.size > 0n ? 'ADD' : 'REMOVE', abs(old.size), quoteLimit);
    this.updateOpenInterestNotional(m, trader, -(unrealizedPnl + resp.badDebt + old.openNotional));
    this.clearPosition(m, trader, old.isolated);
    resp.position = this.storedPosition(m, trader);
    return resp;
  }

  private swapInput(m: Market, side: Side, quote: bigint, baseLimit: bigint, canOver: boolean): bigint {
    const dir: Dir = side === 'long' ? 'ADD' : 'REMOVE';
    const base = m.vamm.swapInput(dir, quote, baseLimit, canOver);
    return dir === 'REMOVE' ? -base : base;
  }

  /**
   * Perp v1: margin after a change, with funding (and, `default`, socialised loss) settled;
   * a negative result is bad debt.
   */
  private calcRemainMarginWithFundingPayment(m: Market, pos: Position, marginDelta: bigint) {
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

  private pendingFunding(m: Market, pos: Position): bigint {
    if (pos.size === 0n) return 0n;
    return mulD(m.cumulativePremiumFraction - pos.lastCumulativePremiumFraction, this.remappedSize(m, pos));
  }

  /** Socialised loss owed: the side's index growth times the open notional, rounded up. */
  private pendingLoss(m: Market, pos: Position): bigint {
    if (pos.size === 0n) return 0n;
    const delta = this.lossIndex(m, pos.size) - pos.lastLossIndex;
    return delta === 0n ? 0n : ceilDiv(delta * pos.openNotional, ONE);
  }

  private lossIndex(m: Market, size: bigint): bigint {
    return size > 0n ? m.lossIndexLong : size < 0n ? m.lossIndexShort : 0n;
  }

  private crossCarry(m: Market, pos: Position): { funding: bigint; loss: bigint } {
    return { funding: this.pendingFunding(m, pos), loss: this.pendingLoss(m, pos) };
  }

  /**
   * Settles a position's accrued funding and socialised loss: into the account's collateral
   * (cross) or its margin (isolated; what the margin cannot cover is bad debt). Returns the
   * settled position, which is also stored.
   */
  private settleCarry(m: Market, trader: string, pos: Position): Position {
    const carry = this.crossCarry(m, pos);
    this.recordFundingSettled(m, pos, carry.funding);
    let margin = pos.margin;
    if (pos.isolated) {
      const r = this.calcRemainMarginWithFundingPayment(m, pos, 0n);
      margin = r.remainMargin;
      if (r.badDebt > 0n) this.absorbBadDebt(trader, m, pos.size, r.badDebt);
    } else {
      const account = this.account(trader);
      this.j.set(account, 'collateral', account.collateral - carry.funding - carry.loss);
    }
    const settled: Position = {
      ...pos,
      margin,
      lastCumulativePremiumFraction: m.cumulativePremiumFraction,
      lastLossIndex: this.lossIndex(m, pos.size),
    };
    this.setPosition(m, trader, settled);
    return settled;
  }

  private recordFundingSettled(m: Market, pos: Position, funding: bigint): void {
    if (pos.size === 0n || pos.lastCumulativePremiumFraction === m.cumulativePremiumFraction) return;
    this.j.set(m, 'traderFundingSettled', m.traderFundingSettled + funding);
    this.j.set(m, 'fundingRoundings', m.fundingRoundings + 1);
  }

  private updateOpenInterestNotional(m: Market, trader: string, amount: bigint): void {
    const cap = m.vamm.openInterestNotionalCap;
    if (cap === 0n) return;
    let updated = m.openInterestNotional + amount;
    if (updated < 0n) updated = 0n;
    if (amount > 0n) requireThat(updated <= cap || trader === this.whitelist, 'OverOpenInterestLimit');
    this.j.set(m, 'openInterestNotional', updated);
  }

  // =================================================================== positions storage

  private storedPosition(m: Market, trader: string): Position {
    return this.accounts.get(trader)?.positions.get(m.id) ?? emptyPosition();
  }

  private setPosition(m: Market, trader: string, next: Position): void {
    const account = this.account(trader);
    const prev = account.positions.get(m.id);
    if (prev) this.addOpenNotional(m, prev, -1n);
    this.addOpenNotional(m, next, 1n);
    this.j.mapSet(account.positions, m.id, next);
  }

  /** Keeps a cleared record so the restriction-mode block check still sees the last action. */
  private clearPosition(m: Market, trader: string, isolated: boolean): void {
    this.setPosition(m, trader, emptyPosition(this.clock.blockNumber, isolated));
  }

  private addOpenNotional(m: Market, pos: Position, sign: 1n | -1n): void {
    if (pos.size > 0n) this.j.set(m, 'openNotionalLong', m.openNotionalLong + sign * pos.openNotional);
    else if (pos.size < 0n) this.j.set(m, 'openNotionalShort', m.openNotionalShort + sign * pos.openNotional);
  }

  private sumOfSizes(marketId: string): bigint {
    let sum = 0n;
    for (const account of this.accounts.values()) sum += account.positions.get(marketId)?.size ?? 0n;
    return sum;
  }

  private isolatedFor(old: Position, requested: boolean | undefined): boolean {
    if (this.params.marginMode === 'isolated') return true;
    if (old.size !== 0n) {
      if (requested !== undefined && requested !== old.isolated) {
        throw new ModelError('InvalidParameter', 'a position cannot switch between cross and isolated margin');
      }
      return old.isolated;
    }
    return requested ?? false;
  }

  // =================================================================== lazy k-migration remap (Perp v1 legacy)

  /** The size after the legacy lazy remap onto the current curve (unchanged when up to date). */
  private remappedSize(m: Market, pos: Position): bigint {
    if (m.lastRemap !== 'lazy' || pos.size === 0n || pos.liquidityHistoryIndex === m.vamm.liquidityHistoryIndex) return pos.size;
    const snap = m.vamm.liquiditySnapshots[pos.liquidityHistoryIndex];
    if (!snap) return pos.size;
    const notionalDelta = m.vamm.cumulativeNotional - snap.cumulativeNotional;
    let q = snap.quote;
    let b = snap.base;
    if (notionalDelta !== 0n) {
      // Replay the quote flow since the snapshot on the old curve.
      const dir: Dir = notionalDelta > 0n ? 'ADD' : 'REMOVE';
      const baseWorth = new Vamm(new Journal(), this.clock, {
        quoteReserve: snap.quote,
        baseReserve: snap.base,
        tradeLimitRatio: ONE,
        fluctuationLimitRatio: 0n,
        maxHoldingBaseAsset: 0n,
        openInterestNotionalCap: 0n,
      }).inputPrice(dir, abs(notionalDelta));
      q = abs(snap.quote + notionalDelta);
      b = notionalDelta > 0n ? snap.base - baseWorth : snap.base + baseWorth;
    }
    return m.vamm.baseAfterLiquidityMigration(pos.size, q, b);
  }

  private adjustPositionForLiquidityChanged(m: Market, trader: string): void {
    const pos = this.accounts.get(trader)?.positions.get(m.id);
    if (!pos || m.lastRemap !== 'lazy' || pos.liquidityHistoryIndex === m.vamm.liquidityHistoryIndex) return;
    const newIndex = m.vamm.liquidityHistoryIndex;
    const newSize = this.remappedSize(m, pos);
    this.setPosition(m, trader, { ...pos, size: newSize, liquidityHistoryIndex: newIndex });
    if (pos.size !== 0n) {
      this.emit({ type: 'PositionAdjusted', trader, market: m.id, oldSize: pos.size, newSize, oldIndex: pos.liquidityHistoryIndex, newIndex });
    }
  }

  // =================================================================== margin groups and valuation

  private marginGroup(trader: string, marketId: string): MarginGroup {
    const m = this.market(marketId);
    const pos = this.position(trader, marketId);
    if (pos.isolated || this.params.marginMode === 'isolated') {
      requireThat(pos.size !== 0n, 'PositionSizeZero');
      return { isolated: true, base: pos.margin, members: [[m, pos]] };
    }
    const account = this.accountView(trader);
    const members: Array<readonly [Market, Position]> = [];
    for (const [id, p] of account.positions) {
      if (!p.isolated && p.size !== 0n) {
        const market = this.market(id);
        members.push([market, this.position(trader, id)]);
      }
    }
    requireThat(members.length > 0, 'PositionSizeZero');
    return { isolated: false, base: account.collateral, members };
  }

  private groupValue(
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
  private valuePosition(m: Market, pos: Position, valuation: MarginValuation): { notional: bigint; pnl: bigint } {
    if (pos.size === 0n) return { notional: 0n, pnl: 0n };
    if (valuation === 'max' || valuation === 'min') {
      const spot = this.valuePosition(m, pos, 'spot');
      const twap = this.valuePosition(m, pos, 'twap');
      return (valuation === 'max') === spot.pnl > twap.pnl ? spot : twap;
    }
    const size = abs(pos.size);
    const dir: Dir = pos.size < 0n ? 'REMOVE' : 'ADD';
    let notional: bigint;
    if (valuation === 'twap') notional = m.vamm.outputTwap(dir, size);
    else if (valuation === 'spot') notional = m.vamm.outputPrice(dir, size);
    else notional = mulD(size, m.oracle.referencePrice(this.clock.timestamp));
    const pnl = pos.size < 0n ? pos.openNotional - notional : notional - pos.openNotional;
    return { notional, pnl };
  }

  /** Perp v1's calcFreeCollateral for an isolated position given its margin with funding. */
  private isolatedFreeCollateral(m: Market, pos: Position, marginWithFunding: bigint): bigint {
    const { pnl, notional } = this.valuePosition(m, pos, 'min');
    const accountValue = pnl + marginWithFunding;
    const minCollateral = pnl > 0n ? marginWithFunding : accountValue;
    const requirement = pos.size > 0n ? mulD(pos.openNotional, this.params.initMarginRatio) : mulD(notional, this.params.initMarginRatio);
    return minCollateral - requirement;
  }

  /** min(collateral, collateral + PnL) − initial requirement, over the cross positions. */
  private crossFreeCollateral(account: Account): bigint {
    let carry = 0n;
    let pnl = 0n;
    let requirement = 0n;
    for (const [id, p] of account.positions) {
      if (p.isolated || p.size === 0n) continue;
      const m = this.market(id);
      const pos = this.position(account.owner, id);
      const v = this.valuePosition(m, pos, 'min');
      carry += this.pendingFunding(m, pos) + this.pendingLoss(m, pos);
      pnl += v.pnl;
      requirement += mulD(pos.size > 0n ? pos.openNotional : v.notional, this.params.initMarginRatio);
    }
    const collateral = account.collateral - carry;
    return (pnl > 0n ? collateral : collateral + pnl) - requirement;
  }

  private hasCrossPositions(account: Account): boolean {
    for (const p of account.positions.values()) if (!p.isolated && p.size !== 0n) return true;
    return false;
  }

  /**
   * After a cross trade: a book that grew must meet the initial ratio on its least
   * favourable valuation, any remaining book the maintenance ratio, and a flat account must
   * not owe anything.
   */
  private requireCrossHealthy(account: Account, exposureGrew: boolean): void {
    if (!this.hasCrossPositions(account)) {
      requireThat(account.collateral >= 0n, 'BadDebt', `collateral ${account.collateral}`);
      return;
    }
    const anyMarket = [...account.positions].find(([, p]) => !p.isolated && p.size !== 0n)?.[0] as string;
    if (exposureGrew) {
      this.requireMoreMarginRatio(this.marginRatio(account.owner, anyMarket, 'min'), this.params.initMarginRatio, true);
    } else {
      this.requireMoreMarginRatio(this.marginRatio(account.owner, anyMarket, 'max'), this.params.maintenanceMarginRatio, true);
    }
  }

  private exposureGrew(old: Position, next: Position): boolean {
    if (next.size === 0n) return false;
    if (old.size === 0n || (old.size > 0n) !== (next.size > 0n)) return true;
    return abs(next.size) > abs(old.size);
  }

  private requireMoreMarginRatio(ratio: bigint, base: bigint, largerThanOrEqualTo: boolean): void {
    const remaining = ratio - base;
    requireThat(largerThanOrEqualTo ? remaining >= 0n : remaining < 0n, 'MarginRatioNotMet', `ratio ${ratio} vs ${base}`);
  }

  private requireNotRestrictionMode(m: Market, trader: string): void {
    if (!this.params.restrictionMode) return;
    if (this.clock.blockNumber === m.lastRestrictionBlock) {
      const pos = this.storedPosition(m, trader);
      requireThat(pos.blockNumber !== this.clock.blockNumber, 'OnlyOneActionAllowed');
    }
  }

  private enterRestrictionMode(m: Market): void {
    this.j.set(m, 'lastRestrictionBlock', this.clock.blockNumber);
    this.emit({ type: 'RestrictionModeEntered', market: m.id });
  }

  private requireCrossProfile(): void {
    requireThat(this.params.marginMode === 'cross', 'NotSupported', 'perp-v1 takes margin per position from the wallet');
  }

  private requireIsolatedForMargin(position: Position): void {
    const isolated = position.isolated || this.params.marginMode === 'isolated';
    requireThat(isolated, 'InvalidParameter', 'a cross position is backed by the account: use deposit/withdraw');
  }

  // =================================================================== money movements

  /** Trading fee on exchanged notional, from the wallet (Perp v1) or the cross collateral. */
  private chargeFee(trader: string, m: Market, notional: bigint): bigint {
    if (notional === 0n) return 0n;
    const fees = m.params.fees;
    if (this.params.feeSource === 'wallet') {
      const toll = mulD(notional, fees.tollRatio);
      const spread = mulD(notional, fees.spreadRatio);
      if (spread > 0n) this.insuranceFund.receiveFromWallet(trader, spread, 'fee');
      if (toll > 0n) this.ledger.transfer(trader, FEE_POOL, toll);
      return toll + spread;
    }
    const fee = mulD(notional, fees.feeRatio);
    if (fee === 0n) return 0n;
    const toFund = mulD(fee, this.params.insuranceFundFeeShare);
    const account = this.account(trader);
    this.j.set(account, 'collateral', account.collateral - fee);
    this.j.set(this, 'treasury', this.treasury + fee - toFund);
    this.insuranceFund.receive(toFund, 'fee');
    return fee;
  }

  /** Moves isolated margin between the trader and the vault (+ in, − out). */
  private settleMarginToVault(trader: string, marginToVault: bigint): void {
    if (marginToVault === 0n) return;
    if (this.params.feeSource === 'wallet') {
      if (marginToVault > 0n) {
        const units = this.ledger.transfer(trader, VAULT, marginToVault);
        this.j.set(this, 'roundingLeak', this.roundingLeak + (marginToVault - units * TOKEN_SCALE));
      } else {
        this.payOut(trader, -marginToVault);
      }
      return;
    }
    // default: isolated margin comes from and returns to the cross collateral.
    const account = this.account(trader);
    this.j.set(account, 'collateral', account.collateral - marginToVault);
    if (marginToVault > 0n) requireThat(this.crossFreeCollateral(account) >= 0n, 'FreeCollateralNotEnough');
  }

  private creditCollateral(trader: string, amount: bigint): void {
    const account = this.account(trader);
    this.j.set(account, 'collateral', account.collateral + amount);
  }

  /**
   * Pays a trader or liquidator from the vault. Perp v1: when the vault is short, the insurance
   * fund advances the difference and it is recorded as prepaid bad debt.
   */
  private payOut(to: string, amount: bigint): void {
    if (amount <= 0n) return;
    const vault = this.ledger.balanceOfWei(VAULT);
    if (vault < amount) {
      requireThat(this.params.badDebt === 'backstop', 'InsufficientVaultBalance', `vault ${vault}, needs ${amount}`);
      const shortage = amount - vault;
      this.j.set(this, 'prepaidBadDebt', this.prepaidBadDebt + shortage);
      this.payFromInsuranceFund(shortage, 'prepaid-bad-debt');
    }
    this.ledger.transfer(VAULT, to, amount);
  }

  /** Bad debt of a closed position: the insurance fund, then the counterparty side, then on record. */
  private absorbBadDebt(trader: string, m: Market, closedSize: bigint, amount: bigint): void {
    if (amount <= 0n) return;
    let covered: bigint;
    let socialised = 0n;
    let uncovered = 0n;
    if (this.params.badDebt === 'backstop') {
      // Perp v1 realizeBadDebt: prepaid bad debt is used first, the fund pays the rest.
      if (this.prepaidBadDebt > amount) {
        this.j.set(this, 'prepaidBadDebt', this.prepaidBadDebt - amount);
      } else {
        this.payFromInsuranceFund(amount - this.prepaidBadDebt, 'bad-debt');
        this.j.set(this, 'prepaidBadDebt', 0n);
      }
      covered = amount;
    } else {
      const { paid, shortfall } = this.payFromInsuranceFund(amount, 'bad-debt');
      covered = paid;
      if (shortfall > 0n) {
        socialised = this.socialiseLoss(m, closedSize > 0n ? 'short' : 'long', shortfall, 'bad-debt');
        uncovered = shortfall - socialised;
      }
    }
    this.emit({ type: 'BadDebt', trader, market: m.id, amount, coveredByInsuranceFund: covered, socialised, uncovered });
  }

  /** Insurance-fund payment into the vault; token flooring below `amount` is recorded as a leak. */
  private payFromInsuranceFund(amount: bigint, reason: Parameters<InsuranceFund['pay']>[1]): { paid: bigint; shortfall: bigint } {
    const result = this.insuranceFund.pay(amount, reason);
    if (result.arrived < result.paid) this.j.set(this, 'roundingLeak', this.roundingLeak + result.paid - result.arrived);
    return result;
  }

  /** A flat cross account with negative collateral has bad debt: zero it and absorb the debt. */
  private realizeCrossBadDebtIfFlat(trader: string, m: Market, closedSize: bigint): bigint {
    const account = this.account(trader);
    if (account.collateral >= 0n || this.hasCrossPositions(account)) return 0n;
    const debt = -account.collateral;
    this.j.set(account, 'collateral', 0n);
    this.absorbBadDebt(trader, m, closedSize, debt);
    return debt;
  }

  /**
   * Spreads a loss over one side's open positions pro rata to open notional, through a
   * cumulative index each position settles lazily (rounded up, so the side never pays less).
   * Returns what was socialised; with nobody on that side, the rest stays uncovered.
   */
  private socialiseLoss(m: Market, side: Side, amount: bigint, cause: 'bad-debt' | 'funding'): bigint {
    const weight = side === 'long' ? m.openNotionalLong : m.openNotionalShort;
    if (weight === 0n) {
      this.j.set(this, 'uncoveredBadDebt', this.uncoveredBadDebt + amount);
      return 0n;
    }
    const indexDelta = ceilDiv(amount * ONE, weight);
    if (side === 'long') this.j.set(m, 'lossIndexLong', m.lossIndexLong + indexDelta);
    else this.j.set(m, 'lossIndexShort', m.lossIndexShort + indexDelta);
    this.emit({ type: 'SocialisedLoss', market: m.id, side, amount, indexDelta, cause });
    return amount;
  }

  /** Charges a curve change to the fee budget: treasury, then insurance fund, else on record. */
  private chargeCurveCost(m: Market, cost: bigint): { cost: bigint } {
    if (cost < 0n) {
      // Revenue: a negative cost is credited to the budget.
      if (this.params.insuranceFundCustody === 'vault') this.j.set(this, 'treasury', this.treasury - cost);
      else this.j.set(this, 'unfundedCurveCost', this.unfundedCurveCost + cost);
      this.emit({ type: 'CurveCostCharged', market: m.id, cost, fromTreasury: cost, fromInsuranceFund: 0n, unfunded: 0n });
      return { cost };
    }
    if (cost === 0n) return { cost };
    let rest = cost;
    let fromTreasury = 0n;
    if (this.params.insuranceFundCustody === 'vault') {
      fromTreasury = rest < this.treasury ? rest : this.treasury;
      this.j.set(this, 'treasury', this.treasury - fromTreasury);
      rest -= fromTreasury;
    }
    let fromInsuranceFund = 0n;
    if (rest > 0n && this.params.insuranceFundCustody === 'vault') {
      const { paid } = this.payFromInsuranceFund(rest, 'curve-cost');
      fromInsuranceFund = paid;
      rest -= paid;
    }
    if (rest > 0n) this.j.set(this, 'unfundedCurveCost', this.unfundedCurveCost + rest);
    this.emit({ type: 'CurveCostCharged', market: m.id, cost, fromTreasury, fromInsuranceFund, unfunded: rest });
    return { cost };
  }

  // =================================================================== events

  emit(event: EventInput): void {
    this.j.push(this.events, { ...event, blockNumber: this.clock.blockNumber, timestamp: this.clock.timestamp } as ProtocolEvent);
  }

  private emitPositionChanged(trader: string, m: Market, resp: PositionResp, fee: bigint, liquidationPenalty: bigint): void {
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

function describe(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
