/**
 * Changes to a market's curve and rules: k migration with its three remaps, repeg, shutdown
 * and settlement, parameter setters, backstop LPs and the whitelist, and the counterparty swap
 * the AMM conformance tests use.
 */
import { type Dir, exitValue } from './curve.ts';
import { ModelError, requireThat } from './errors.ts';
import { VAULT } from './ledger.ts';
import { Liquidation } from './liquidation.ts';
import type { Market, Migration, RemapVariant } from './market.ts';
import { ONE, abs, divD, mulD } from './math/fixed.ts';
import { type ClearingHouseParams, type MarketParams, validateClearingHouseParams, validateMarketParams } from './params.ts';
import { type Position, positionWith } from './position.ts';

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

function describe(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

export class MarketAdmin extends Liquidation {
  /**
   * Changes the depth: Q·m, B·m at the same price, with positions remapped so their exit
   * notional is preserved — now (`eager`), when each trader next acts (`lazy`, Perp v1's
   * legacy design), or not at all (`none`, to measure the error of a wrong mapping). `eager` and
   * `none` remap at most `remapPageSize` positions per call (a gas bound however many accounts
   * there are): the market pauses until `remapPositions` has done the rest, and the last page
   * charges the cost, which is returned then (0 while pages remain).
   */
  migrateLiquidity(marketId: string, multiplier: bigint, remap: RemapVariant = 'eager', fluctuationLimitRatio = 0n): bigint {
    return this.j.atomic(() => {
      const m = this.market(marketId);
      this.requireNoMigration(m);
      // Positions a lazy migration left are remapped when their traders act, through every
      // snapshot since their own; a remap now would size them from their stale stored sizes.
      requireThat(remap === 'lazy' || m.lastRemap !== 'lazy', 'NotSupported', `a migration remapping ${remap === 'eager' ? 'now' : 'nothing'} after a lazy one would drop the lazy remaps still pending`);
      const before = this.netTraderValue(m);
      // Perp v1's legacy Amm (AmmV1) has a single fluctuation message.
      const overBand = this.params.profile === 'perp-v1' ? 'PriceOverFluctuationLimit' : 'PriceAlreadyOverFluctuationLimit';
      const from = m.vamm.migrateLiquidity(multiplier, fluctuationLimitRatio, overBand);
      this.j.set(m, 'lastRemap', remap);
      if (remap === 'lazy') {
        const cost = this.netTraderValue(m) - before;
        this.j.set(this, 'unfundedCurveCost', this.unfundedCurveCost + cost);
        this.emit({ type: 'LiquidityMigrated', market: marketId, multiplier, remap, quoteReserve: m.vamm.quoteReserve, baseReserve: m.vamm.baseReserve, cost });
        return cost;
      }
      this.j.set(m, 'migration', { newIndex: m.vamm.liquidityHistoryIndex, cursor: 0, multiplier, from, total: 0n, valueBefore: before });
      return this.remapPage(m);
    });
  }

  /** Remaps the next page of a pending k migration (permissionless); the last page charges its cost. */
  remapPositions(marketId: string): bigint {
    return this.j.atomic(() => {
      const m = this.market(marketId);
      requireThat(m.migration !== null, 'InvalidParameter', `market ${marketId} has no k migration to page on`);
      return this.remapPage(m);
    });
  }

  /** Pages a pending migration to its end (each page its own operation); returns its cost. */
  completeMigration(marketId: string): bigint {
    let cost = 0n;
    while (this.market(marketId).migration !== null) cost = this.remapPositions(marketId);
    return cost;
  }

  private remapPage(m: Market): bigint {
    const g = m.migration as Migration;
    const end = Math.min(g.cursor + this.params.remapPageSize, m.holders.length);
    const eager = m.lastRemap === 'eager';
    let total = g.total;
    for (let i = g.cursor; i < end; i++) {
      const trader = m.holders[i] as string;
      const pos = this.storedPosition(m, trader);
      if (pos.size === 0n || !eager) {
        total += pos.size;
        this.setPosition(m, trader, positionWith(pos, { liquidityHistoryIndex: g.newIndex }));
        continue;
      }
      // Funding and loss accrued on the old size are settled before the size changes.
      const settled = this.settleCarry(m, trader, pos);
      const newSize = m.vamm.baseAfterLiquidityMigration(pos.size, g.from.quote, g.from.base);
      total += newSize;
      this.setPosition(m, trader, positionWith(settled, { size: newSize, liquidityHistoryIndex: g.newIndex }));
      this.emit({ type: 'PositionAdjusted', trader, market: m.id, oldSize: pos.size, newSize, oldIndex: pos.liquidityHistoryIndex, newIndex: g.newIndex });
    }
    if (end < m.holders.length) {
      this.j.set(m, 'migration', { ...g, cursor: end, total });
      return 0n;
    }
    this.j.set(m, 'migration', null);
    // The AMM's net position is the sum of the remapped positions, so the books stay zero-sum.
    this.j.set(m.vamm, 'totalPositionSize', total);
    const cost = this.netTraderValue(m) - g.valueBefore;
    this.chargeCurveCost(m, cost);
    this.emit({
      type: 'LiquidityMigrated',
      market: m.id,
      multiplier: g.multiplier,
      remap: m.lastRemap as RemapVariant,
      quoteReserve: m.vamm.quoteReserve,
      baseReserve: m.vamm.baseReserve,
      cost,
    });
    return cost;
  }

  /**
   * Moves the peg toward the oracle by setting Q = price·B. The change in what the net trader
   * position is worth is the protocol's cost, charged to the fee budget (treasury, then fund).
   */
  repeg(marketId: string, targetPrice: bigint): bigint {
    return this.j.atomic(() => {
      const m = this.market(marketId);
      this.requireNoMigration(m);
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
      this.requireNoMigration(m);
      // The net position's value at settlement: its average entry (Perp v1) or its exit value.
      const net = m.vamm.totalPositionSize;
      const value = this.params.settlementPrice === 'perp-v1' ? m.vamm.perpV1SettlementValue() : exitValue(net, m.vamm.quoteReserve, m.vamm.baseReserve);
      // A net position of dust (≤ 100 wei) settles at 0: everyone takes back their margin.
      const price = abs(net) <= 100n ? 0n : divD(abs(value), abs(net));
      // The floored price values a net short above `value`: on record for the ledger invariant.
      const rounding = price === 0n ? 0n : mulD(net, price) - value;
      if (rounding > 0n) this.j.set(m, 'settlementRounding', rounding);
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
        // `default` settles the funding and socialised loss the position owes (Perp v1 ignores them,
        // which breaks funding conservation); what the margin cannot cover is bad debt.
        const owes = this.params.profile === 'default';
        const carry = owes ? this.crossCarry(m, pos) : { funding: 0n, loss: 0n };
        if (owes) this.recordFundingSettled(m, pos, carry.funding);
        else this.recordFundingIgnored(m, pos);
        let settled = pos.margin - carry.funding - carry.loss;
        if (price !== 0n) settled += mulD(pos.size, price - divD(pos.openNotional, abs(pos.size)));
        if (settled < 0n) {
          // Perp v1 pays nothing and leaves the loss beyond the margin unrealised.
          if (owes) this.absorbBadDebt(trader, m, pos.size, -settled);
          else this.j.set(this, 'ignoredBadDebt', this.ignoredBadDebt - settled);
          settled = 0n;
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
      // A flat account left owing is bad debt, absorbed as a liquidation's would be.
      this.realizeCrossBadDebtIfFlat(trader, m, pos.size);
      return pnl;
    });
  }

  /** Perp v1's settlement forgives the funding a position owes: on record for the invariants. */
  private recordFundingIgnored(m: Market, pos: Position): void {
    if (pos.lastCumulativePremiumFraction === m.cumulativePremiumFraction) return;
    this.j.set(m, 'settlementIgnoredFunding', m.settlementIgnoredFunding + this.pendingFunding(m, pos));
    this.j.set(m, 'fundingRoundings', m.fundingRoundings + 1);
  }

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
    this.j.atomic(() => {
      this.j.set(this, 'whitelist', account);
      this.emit({ type: 'WhitelistChanged', account });
    });
  }

  /** Sets a clearing-house parameter by name (ratios in 18 decimals). */
  setClearingHouseParam<K extends keyof ClearingHouseParams>(name: K, value: ClearingHouseParams[K]): void {
    this.j.atomic(() => {
      if (name === 'liquidation') {
        const v = value as ClearingHouseParams['liquidation'];
        if (v.kind === 'fixed-ratio') requireThat(v.partialLiquidationRatio <= ONE, 'InvalidPartialLiquidationRatio');
      }
      if (name === 'profile' || name === 'release' || name === 'insuranceFundCustody' || name === 'marginMode' || name === 'indexFeedDecimals') {
        throw new ModelError('InvalidParameter', `${String(name)} is fixed when the clearing house is created`);
      }
      if (this.params.profile === 'default') validateClearingHouseParams({ ...this.params, [name]: value });
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
      validateMarketParams(next);
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
      return kind === 'input' ? vamm.swapInput(dir, amount, limit, 'within') : vamm.swapOutput(dir, amount, limit);
    });
  }
}
