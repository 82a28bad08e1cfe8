/**
 * The clearing house: every trader and keeper operation of the protocol, with the checks,
 * effects and rounding of the Solidity contracts. Operations are atomic (a revert leaves the
 * state untouched) and emit the events the contracts log.
 *
 * This file is the public face — market set-up, oracle updates, collateral, trading and
 * funding; the layers below it hold the rest, one concept each: protocol-state (storage,
 * events) → margin-book (valuation, margin) → money-flows (fees, payouts, bad debt) →
 * position-mechanics (Perp v1's increase/reduce/close) → liquidation → market-admin
 * (k change, repeg, shutdown, parameters).
 *
 * Both profiles run through the same code; they part ways where `params` says so:
 * margin (cross account vs isolated position), fee source and split, liquidation sizing,
 * bad-debt handling, and where the insurance fund keeps its money.
 */
import type { Dir } from './curve.ts';
import { requireThat, requireWith } from './errors.ts';
import type { Side } from './events.ts';
import { fundingPremium, firstFundingTime, nextFundingTime } from './funding.ts';
import { VAULT } from './ledger.ts';
import { MarketAdmin, type MarketSetup } from './market-admin.ts';
import type { Market } from './market.ts';
import { type Position, positionWith } from './position.ts';
import { ONE, abs, divD, mulD } from './math/fixed.ts';
import { TOKEN_SCALE, toTokenUnits } from './math/units.ts';
import type { ChainlinkFault } from './oracle/chainlink-feed.ts';
import { CompositeOracle } from './oracle/composite-oracle.ts';
import type { MarketParams } from './params.ts';
import type { PositionResp } from './position-mechanics.ts';
import { Vamm } from './vamm.ts';

export type { Side } from './events.ts';
export type { MarginValuation, PnlCalcOption } from './margin-book.ts';
export type { LiquidationResult } from './liquidation.ts';
export type { MarketSetup } from './market-admin.ts';

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

export interface FundingResult {
  readonly premiumFraction: bigint;
  readonly uncappedPremiumFraction: bigint;
  readonly fundingRate: bigint;
  readonly markTwap: bigint;
  readonly indexTwap: bigint;
}

export class ClearingHouse extends MarketAdmin {
  /** The journal versions the oracle updates kept as operations of their own took (`stateVersion`). */
  private oracleWrites = 0;

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
      bandRule: this.perpV1Release220 ? '2.2.0' : 'head',
    });
    const oracle = new CompositeOracle(this.j, { ...params.oracle }, this.params.twapEmptyPeriod, this.params.indexFeedDecimals);
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
      settlementRounding: 0n,
      settlementIgnoredFunding: 0n,
      lastRemap: null,
      holders: [],
      migration: null,
    };
    this.markets.set(setup.id, market);
    return market;
  }

  /** Test faucet: mints collateral tokens to a wallet. */
  mint(holder: string, amount: bigint): void {
    this.j.atomic(() => this.ledger.mint(holder, toTokenUnits(amount)));
  }

  /** An ERC-20 transfer of the collateral token between wallets (`amount` floored to token units). */
  transferToken(from: string, to: string, amount: bigint): void {
    this.j.atomic(() => this.ledger.transfer(from, to, amount));
  }

  seedInsuranceFund(amount: bigint): void {
    this.j.atomic(() => this.insuranceFund.seed(amount));
  }

  /** A Chainlink round at the current time (or `updatedAt`). */
  pushOracleRound(marketId: string, priceWei: bigint, updatedAt = this.clock.timestamp, roundId?: bigint): void {
    this.oracleUpdate(() => {
      const m = this.market(marketId);
      const round = m.oracle.chainlink.addPrice(priceWei, updatedAt, roundId);
      this.emit({ type: 'OracleRound', market: marketId, roundId: round.roundId, answer: round.answer, updatedAt: round.updatedAt });
    });
  }

  /** Injects (or, with `none`, clears) a failure of the market's Chainlink feed. */
  setOracleFault(marketId: string, fault: ChainlinkFault): void {
    this.j.atomic(() => this.market(marketId).oracle.chainlink.setFault(fault));
  }

  /** Fixes the index TWAP, as Perp v1's test double does (0 returns to the computed TWAP). */
  setIndexTwap(marketId: string, priceWei: bigint): void {
    this.j.atomic(() => this.market(marketId).oracle.chainlink.setTwapOverride(priceWei));
  }

  setFastPrice(marketId: string, price: bigint, confidence: bigint, publishTime = this.clock.timestamp): void {
    this.oracleUpdate(() => this.market(marketId).oracle.fast.update({ price, confidence, publishTime }));
  }

  /**
   * The journal's version less the writes of the oracle updates kept as operations of their own
   * (`pushOracleRound`, `setFastPrice`: their feeds and the event list). Outside an operation, an
   * unchanged `stateVersion` means nothing else was written: no account, position, reserve,
   * index or parameter moved. Readers that read no oracle (the treasury desks) keep what they
   * found across oracle rounds and fast-price ticks.
   */
  get stateVersion(): number {
    return this.j.version - this.oracleWrites;
  }

  /** Runs an oracle update atomically; its writes count in `oracleWrites` when it is an operation of its own (inside another, that one's revert would undo them). */
  private oracleUpdate(fn: () => void): void {
    const { j } = this;
    const version = j.version;
    const operations = j.operations;
    j.atomic(fn);
    if (j.operations !== operations) this.oracleWrites += j.version - version;
  }

  // ------------------------------------------------------------------ the vault's yield source (owner, guardian, faults)

  /** Attaches the vault's ERC-4626 yield source (the owner's call). */
  setYieldSource(maxLossRatio: bigint): void {
    this.j.atomic(() => {
      this.requireCrossProfile();
      this.vault.setYieldSource(maxLossRatio);
    });
  }

  /** Puts idle collateral (token units) to work in the yield source (the owner's call). */
  depositToYield(units: bigint): void {
    this.j.atomic(() => this.vault.depositToYield(units));
  }

  /** Recalls token units from the yield source (the owner's call). */
  withdrawFromYield(units: bigint): void {
    this.j.atomic(() => this.vault.withdrawFromYield(units));
  }

  /** Charges a loss of the yield source to the insurance fund, the rest on record (anyone's call). */
  recognizeYieldLoss(): void {
    this.j.atomic(() => this.vault.recognizeLoss());
  }

  /** The vault's circuit breaker, tripped by `by` (GUARDIAN, OWNER or anyone past the allowed loss). */
  tripCircuitBreaker(by: string): void {
    this.j.atomic(() => this.vault.tripCircuitBreaker(by));
  }

  /** Fault: `units` of the yield source's assets vanish. */
  yieldSourceLoss(units: bigint): void {
    this.j.atomic(() => this.vault.source.lose(units));
  }

  /** Fault: at most `units` may leave the yield source from now on (null: liquid again). */
  setYieldSourceLiquidity(units: bigint | null): void {
    this.j.atomic(() => this.vault.source.setLiquidity(units));
  }

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
      requireWith(account.collateral >= value, 'FreeCollateralNotEnough', () => ({ collateral: account.collateral, amount: value }));
      this.j.set(account, 'collateral', account.collateral - value);
      const free = this.crossFreeCollateral(account);
      requireWith(free >= 0n, 'FreeCollateralNotEnough', () => ({ freeCollateral: free }));
      requireWith(this.vault.totalAssets() >= units, 'InsufficientVaultBalance', () => ({ vault: this.vault.totalAssets() * TOKEN_SCALE, amount: value }));
      this.vault.push(trader, units);
      this.emit({ type: 'Withdrawn', trader, amount: value });
    });
  }

  openPosition(args: OpenPositionArgs): PositionResp {
    return this.j.atomic(() => {
      const { trader, side, margin: quoteAmount, leverage } = args;
      const m = this.market(args.market);
      m.vamm.requireOpen();
      this.requireNoMigration(m);
      this.requireTokenAmount(quoteAmount);
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
        : this.openReversePosition(m, trader, isolated, side, quoteAmount, leverage, baseLimit, 'within');
      this.setPosition(m, trader, resp.position);
      if (!isolated) this.j.set(account, 'collateral', account.collateral + resp.collateralDelta);

      // As Perp v1: margin moves first, then the fee (so a trader's payout can pay it).
      let fee: bigint;
      if (isolated) {
        if (!isNew && resp.position.size !== 0n) {
          this.requireMoreMarginRatio(this.marginRatio(trader, m.id, 'max'), this.params.maintenanceMarginRatio, true);
        }
        if (resp.badDebt > 0n && this.perpV1Release220) {
          // 2.2.0 lets a reduce leave bad debt: restriction mode, and the debt is never realised.
          this.enterRestrictionMode(m);
          this.j.set(this, 'ignoredBadDebt', this.ignoredBadDebt + resp.badDebt);
        } else {
          requireWith(resp.badDebt === 0n, 'BadDebt', () => ({ badDebt: resp.badDebt }));
        }
        this.settleMarginToVault(trader, resp.marginToVault);
        fee = this.chargeFee(trader, m, resp.exchangedQuote);
        if (this.params.feeSource === 'collateral') this.requireCrossHealthy(account, false);
      } else {
        fee = this.chargeFee(trader, m, resp.exchangedQuote);
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
      this.requireNoMigration(m);
      this.requireNotRestrictionMode(m, trader);
      this.adjustPositionForLiquidityChanged(m, trader);
      const account = this.account(trader);
      const position = this.storedPosition(m, trader);
      requireThat(position.size !== 0n, 'PositionSizeZero');
      const isolated = position.isolated;
      const dirOfBase: Dir = position.size > 0n ? 'ADD' : 'REMOVE';

      let resp: PositionResp;
      // Perp v1 2.2.0 had no partial close: its close is not checked against the band at all.
      const partialRatio = this.partialCloseRatio();
      if (!this.perpV1Release220 && m.vamm.isOverFluctuationLimit(dirOfBase, abs(position.size)) && partialRatio < ONE) {
        const notional = m.vamm.outputPrice(dirOfBase, abs(mulD(position.size, partialRatio)));
        resp = this.openReversePosition(m, trader, isolated, position.size > 0n ? 'short' : 'long', notional, ONE, 0n, 'once');
        this.setPosition(m, trader, resp.position);
      } else {
        resp = this.internalClosePosition(m, trader, quoteLimit, this.traderCloseBand);
      }
      if (!isolated) this.j.set(account, 'collateral', account.collateral + resp.collateralDelta);
      if (resp.badDebt > 0n && this.perpV1Release220) {
        // 2.2.0 closes an underwater position: restriction mode, and the bad debt is realised.
        this.enterRestrictionMode(m);
        this.absorbBadDebt(trader, m, position.size, resp.badDebt);
      } else {
        requireWith(resp.badDebt === 0n, 'BadDebt', () => ({ badDebt: resp.badDebt }));
      }
      if (isolated) this.settleMarginToVault(trader, resp.marginToVault);
      const fee = this.chargeFee(trader, m, resp.exchangedQuote);
      if (!isolated || this.params.feeSource === 'collateral') this.requireCrossHealthy(account, false);
      this.emitPositionChanged(trader, m, resp, fee, 0n);
      return resp;
    });
  }

  /** A margin amount must move at least one token unit (Perp v1 2.2.0: only be non-zero). */
  private requireTokenAmount(amount: bigint): void {
    if (this.perpV1Release220) requireThat(amount !== 0n, 'ZeroInput');
    else requireThat(toTokenUnits(amount < 0n ? 0n : amount) !== 0n, 'InvalidTokenAmount');
  }

  /**
   * The share of a position that a close over the fluctuation band closes: Perp v1 sizes it by
   * its partial liquidation ratio (ClearingHouse.closePosition), the default design by its own.
   */
  private partialCloseRatio(): bigint {
    const sizing = this.params.liquidation;
    return this.params.profile === 'perp-v1' && sizing.kind === 'fixed-ratio' ? sizing.partialLiquidationRatio : this.params.partialCloseRatio;
  }

  /** Adds margin to an isolated position (from the wallet under `perp-v1`, else from collateral). */
  addMargin(trader: string, marketId: string, amount: bigint): void {
    this.j.atomic(() => {
      const { m, position } = this.isolatedPositionForMargin(trader, marketId, amount);
      this.setPosition(m, trader, positionWith(position, { margin: position.margin + amount, isolated: true }));
      this.settleMarginToVault(trader, amount);
      this.emit({ type: 'MarginChanged', trader, market: marketId, amount, fundingPayment: 0n });
    });
  }

  /** The checks margin changes share: an open market, at least one token unit, an isolated position (remapped first). */
  private isolatedPositionForMargin(trader: string, marketId: string, amount: bigint): { m: Market; position: Position } {
    const m = this.market(marketId);
    m.vamm.requireOpen();
    this.requireNoMigration(m);
    this.requireTokenAmount(amount);
    this.adjustPositionForLiquidityChanged(m, trader);
    const position = this.storedPosition(m, trader);
    const isolated = position.isolated || this.params.marginMode === 'isolated';
    requireThat(isolated, 'InvalidParameter', 'a cross position is backed by the account: use deposit/withdraw');
    // `default`: a closed position has no margin to change (Perp v1 lets it be added).
    if (this.params.profile === 'default') requireThat(position.size !== 0n, 'PositionSizeZero');
    return { m, position };
  }

  /** Removes margin from an isolated position; the rest must stay free of the initial requirement. */
  removeMargin(trader: string, marketId: string, amount: bigint): void {
    this.j.atomic(() => {
      const { m, position } = this.isolatedPositionForMargin(trader, marketId, amount);
      const r = this.calcRemainMarginWithFundingPayment(m, position, -amount);
      requireWith(r.badDebt === 0n, 'MarginNotEnough', () => ({ badDebt: r.badDebt }));
      if (!this.perpV1Release220) {
        const free = this.isolatedFreeCollateral(m, position, r.remainMargin);
        requireWith(free >= 0n, 'FreeCollateralNotEnough', () => ({ freeCollateral: free }));
      }
      this.recordFundingSettled(m, position, r.fundingPayment);
      this.setPosition(
        m,
        trader,
        positionWith(position, { margin: r.remainMargin, lastCumulativePremiumFraction: r.latestCumulativePremiumFraction, lastLossIndex: this.lossIndex(m, position.size) }),
      );
      // 2.2.0 checks the margin ratio left against the initial ratio instead of free collateral.
      if (this.perpV1Release220) this.requireMoreMarginRatio(this.marginRatio(trader, marketId, 'max'), this.params.initMarginRatio, true);
      this.settleMarginToVault(trader, -amount);
      this.emit({ type: 'MarginChanged', trader, market: marketId, amount: -amount, fundingPayment: r.fundingPayment });
    });
  }

  /** Settles one funding period (permissionless; Perp v1's payFunding). */
  settleFunding(marketId: string): FundingResult {
    return this.j.atomic(() => {
      const m = this.market(marketId);
      m.vamm.requireOpen();
      this.requireNoMigration(m);
      const now = this.clock.timestamp;
      requireWith(now >= m.nextFundingTime, 'SettleFundingTooEarly', () => ({ nextFundingTime: BigInt(m.nextFundingTime), now: BigInt(now) }));
      // The index TWAP is Chainlink's: a stale index must not set funding (a fresh fast price is no help).
      requireThat(m.oracle.indexFresh(now), 'OracleStale', `market ${m.id}: the index is stale`);
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
        premiumFractionCap: premium.capBound,
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
}
