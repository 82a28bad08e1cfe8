/**
 * The insurance fund. Under `perp-v1` it holds tokens in its own wallet and, when short, mints
 * the backstop token (PERP) and sells it through its exchange for the rest, as Perp v1's
 * InsuranceFund.withdraw does, rounding included; under `default` it is an account inside the
 * vault that pays what it has and reports the shortfall for socialisation.
 */
import { requireThat, requireWith } from './errors.ts';
import type { ProtocolEvent } from './events.ts';
import type { Journal } from './journal.ts';
import { INSURANCE_FUND, type TokenLedger, VAULT } from './ledger.ts';
import { divD, mulD } from './math/fixed.ts';
import { TOKEN_SCALE, toTokenUnits } from './math/units.ts';

type Flow = Extract<ProtocolEvent, { type: 'InsuranceFundFlow' }>['reason'];
type Emit = (
  event:
    | { type: 'InsuranceFundFlow'; reason: Flow; amount: bigint; balanceAfter: bigint }
    | { type: 'BackstopDilution'; amount: bigint; backstopTokensMinted: bigint },
) => void;

export class InsuranceFund {
  /** Balance when the fund is an account in the vault (18 decimals). */
  vaultBalance = 0n;
  /** Backstop tokens (PERP, 18 decimals) minted to cover losses the fund could not (`perp-v1`). */
  dilution = 0n;
  /**
   * What the fund was due but did not get because the vault held less (Perp v1's
   * transferToInsuranceFund sends at most the vault's balance), 18 decimals.
   */
  uncollected = 0n;

  constructor(
    private readonly j: Journal,
    private readonly ledger: TokenLedger,
    readonly custody: 'wallet' | 'vault',
    private readonly emit: Emit,
    /** Backstop tokens sold per quote token bought (Perp v1's exchange ratio), 18 decimals. */
    private readonly backstopExchangeRatio: () => bigint = () => 10n ** 18n,
  ) {}

  /** Balance in 18 decimals. */
  balance(): bigint {
    return this.custody === 'vault' ? this.vaultBalance : this.ledger.balanceOfWei(INSURANCE_FUND);
  }

  /** Credits money that is already in the vault (vault custody) or arrives from the vault (wallet). */
  receive(amount: bigint, reason: Flow): bigint {
    if (amount === 0n) return 0n;
    let received = amount;
    if (this.custody === 'vault') {
      this.j.set(this, 'vaultBalance', this.vaultBalance + amount);
    } else {
      // Perp v1 transferToInsuranceFund: at most what the vault holds, floored to token units.
      const vault = this.ledger.balanceOfWei(VAULT);
      const capped = vault < amount ? vault : amount;
      if (capped < amount) this.j.set(this, 'uncollected', this.uncollected + amount - capped);
      received = this.ledger.transfer(VAULT, INSURANCE_FUND, capped) * TOKEN_SCALE;
    }
    this.emit({ type: 'InsuranceFundFlow', reason, amount: received, balanceAfter: this.balance() });
    return received;
  }

  /** Fees paid straight from a trader's wallet (Perp v1's spread). */
  receiveFromWallet(from: string, amount: bigint, reason: Flow): void {
    const units = this.ledger.transfer(from, INSURANCE_FUND, amount);
    if (units > 0n) this.emit({ type: 'InsuranceFundFlow', reason, amount: units * TOKEN_SCALE, balanceAfter: this.balance() });
  }

  /**
   * Pays `amount` to the vault. Vault custody pays what it has and returns the shortfall.
   * Wallet custody is Perp v1's InsuranceFund.withdraw: when its balance (18 decimals) is below
   * `amount` it mints backstop tokens for the difference at the exchange's ratio and sells
   * them, receiving whole token units only; it then requires its balance to cover `amount` at
   * 18-decimal precision, so a shortfall with a sub-unit remainder reverts ("Fund not enough")
   * and takes the operation that needed the payment with it. `arrived` is what reached the
   * vault after flooring to token units.
   */
  pay(amount: bigint, reason: Flow): { paid: bigint; shortfall: bigint; arrived: bigint } {
    if (amount <= 0n) return { paid: 0n, shortfall: 0n, arrived: 0n };
    if (this.custody === 'vault') {
      const paid = amount < this.vaultBalance ? amount : this.vaultBalance;
      this.j.set(this, 'vaultBalance', this.vaultBalance - paid);
      if (paid > 0n) this.emit({ type: 'InsuranceFundFlow', reason, amount: -paid, balanceAfter: this.vaultBalance });
      return { paid, shortfall: amount - paid, arrived: paid };
    }
    const held = this.ledger.balanceOfWei(INSURANCE_FUND);
    if (amount > held) this.mintAndSell(amount - held);
    requireWith(this.ledger.balanceOfWei(INSURANCE_FUND) >= amount, 'FundNotEnough', () => ({ amount, balance: this.ledger.balanceOfWei(INSURANCE_FUND) }));
    const units = this.ledger.transfer(INSURANCE_FUND, VAULT, amount);
    this.emit({ type: 'InsuranceFundFlow', reason, amount: -(units * TOKEN_SCALE), balanceAfter: this.balance() });
    return { paid: amount, shortfall: 0n, arrived: units * TOKEN_SCALE };
  }

  /**
   * Perp v1's swapEnoughQuoteAmount with one quote token: the exchange quotes the backstop
   * tokens `required` costs, the minter mints them, and the sale returns their quote value,
   * of which the token transfer delivers whole units only.
   */
  private mintAndSell(required: bigint): void {
    const ratio = this.backstopExchangeRatio();
    const minted = mulD(required, ratio);
    if (minted === 0n) return; // nothing to sell: the balance check that follows fails
    const bought = divD(minted, ratio);
    requireThat(bought > 0n, 'ExchangeSwapError');
    const units = toTokenUnits(bought);
    this.j.set(this, 'dilution', this.dilution + minted);
    // The exchange pays from its own holdings: to this ledger, tokens from outside.
    this.ledger.mint(INSURANCE_FUND, units);
    this.emit({ type: 'BackstopDilution', amount: units * TOKEN_SCALE, backstopTokensMinted: minted });
  }

  /** Seeds the fund (scenario set-up): tokens are minted where the fund keeps its money. */
  seed(amount: bigint): void {
    const units = toTokenUnits(amount);
    if (this.custody === 'vault') {
      this.ledger.mint(VAULT, units);
      this.j.set(this, 'vaultBalance', this.vaultBalance + units * TOKEN_SCALE);
    } else {
      this.ledger.mint(INSURANCE_FUND, units);
    }
    this.emit({ type: 'InsuranceFundFlow', reason: 'seed', amount: units * TOKEN_SCALE, balanceAfter: this.balance() });
  }
}
