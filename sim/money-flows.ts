/**
 * Money that moves: trading fees and their split, isolated margin in and out, payouts from
 * the vault (with Perp v1's prepaid bad debt when it is short), insurance-fund payments, bad
 * debt and its socialisation to the counterparty side, and the cost of curve changes.
 */
import { requireThat, requireWith } from './errors.ts';
import type { Side } from './events.ts';
import type { InsuranceFund } from './insurance-fund.ts';
import { FEE_POOL, VAULT } from './ledger.ts';
import { MarginBook } from './margin-book.ts';
import type { Market } from './market.ts';
import { ONE, ceilDiv, mulD } from './math/fixed.ts';
import { TOKEN_SCALE, toTokenUnits } from './math/units.ts';
import { type Position, positionWith } from './position.ts';



export class MoneyFlows extends MarginBook {
  /**
   * Settles a position's accrued funding and socialised loss: into the account's collateral
   * (cross) or its margin (isolated; what the margin cannot cover is bad debt). Returns the
   * settled position, which is also stored.
   */
  protected settleCarry(m: Market, trader: string, pos: Position): Position {
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
    const settled = positionWith(pos, { margin, lastCumulativePremiumFraction: m.cumulativePremiumFraction, lastLossIndex: this.lossIndex(m, pos.size) });
    this.setPosition(m, trader, settled);
    return settled;
  }

  /** Trading fee on exchanged notional, from the wallet (Perp v1) or the cross collateral. */
  protected chargeFee(trader: string, m: Market, notional: bigint): bigint {
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
  protected settleMarginToVault(trader: string, marginToVault: bigint): void {
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
    if (marginToVault > 0n) {
      const free = this.crossFreeCollateral(account);
      requireWith(free >= 0n, 'FreeCollateralNotEnough', () => ({ freeCollateral: free }));
    }
  }

  protected creditCollateral(trader: string, amount: bigint): void {
    const account = this.account(trader);
    this.j.set(account, 'collateral', account.collateral + amount);
  }

  /**
   * Pays a trader or liquidator from the vault. `default`: what the vault cannot pay now (an
   * illiquid yield source) is credited to the payee's collateral, so a liquidation never waits
   * for liquidity. Perp v1: when the vault is short, the insurance fund advances the difference
   * and it is recorded as prepaid bad debt.
   */
  protected payOut(to: string, amount: bigint): void {
    if (amount <= 0n) return;
    if (this.params.badDebt === 'socialise') {
      const units = toTokenUnits(amount);
      if (this.vault.canPay(units)) {
        this.vault.push(to, units);
      } else {
        this.creditCollateral(to, amount);
        this.emit({ type: 'PayoutCredited', to, amount });
      }
      return;
    }
    const vault = this.ledger.balanceOfWei(VAULT);
    if (vault < amount) {
      requireWith(this.params.badDebt === 'backstop', 'InsufficientVaultBalance', () => ({ vault, amount }));
      const shortage = amount - vault;
      this.j.set(this, 'prepaidBadDebt', this.prepaidBadDebt + shortage);
      this.payFromInsuranceFund(shortage, 'prepaid-bad-debt');
    }
    this.ledger.transfer(VAULT, to, amount);
  }

  /** Bad debt of a closed position: the insurance fund, then the counterparty side, then on record. */
  protected absorbBadDebt(trader: string, m: Market, closedSize: bigint, amount: bigint): void {
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
  protected payFromInsuranceFund(amount: bigint, reason: Parameters<InsuranceFund['pay']>[1]): { paid: bigint; shortfall: bigint } {
    const result = this.insuranceFund.pay(amount, reason);
    if (result.arrived < result.paid) this.j.set(this, 'roundingLeak', this.roundingLeak + result.paid - result.arrived);
    return result;
  }

  /** A flat cross account with negative collateral has bad debt: zero it and absorb the debt. */
  protected realizeCrossBadDebtIfFlat(trader: string, m: Market, closedSize: bigint): bigint {
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
  protected socialiseLoss(m: Market, side: Side, amount: bigint, cause: 'bad-debt' | 'funding'): bigint {
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
  protected chargeCurveCost(m: Market, cost: bigint): { cost: bigint } {
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
}
