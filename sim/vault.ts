/**
 * The collateral vault (twin of contracts/src/Vault.sol): idle tokens, and optionally an ERC-4626
 * yield source holding part of them at book value (`principal`, in token units). A loss of the
 * source is recognised — by anyone, by the breaker, or when the owner moves tokens in or out of the source — and
 * charged to the insurance fund, the rest recorded as `yieldShortfall`, so the vault's claims are
 * always covered or the shortfall is on record. The guardian's circuit breaker (anyone's, past
 * the allowed loss) redeems what the source lets go and keeps the rest attached until it can be
 * redeemed; payouts it cannot make now are the clearing house's to defer (`canPay`).
 */
import { requireThat } from './errors.ts';
import type { ProtocolEvent } from './events.ts';
import type { InsuranceFund } from './insurance-fund.ts';
import type { Journal } from './journal.ts';
import { type TokenLedger, VAULT } from './ledger.ts';
import { ONE } from './math/fixed.ts';
import { TOKEN_SCALE } from './math/units.ts';
import { YieldSource } from './yield-source.ts';

/** Who may trip the breaker at any time (anyone may once the source has lost more than allowed). */
export const GUARDIAN = 'guardian';
export const OWNER = 'owner';

type VaultEvent = Extract<
  ProtocolEvent,
  { type: 'YieldDeposited' | 'YieldWithdrawn' | 'CircuitBreakerTripped' | 'YieldLossRecognised' }
>;
type Emit = (event: VaultEvent extends infer E ? (E extends VaultEvent ? Omit<E, 'blockNumber' | 'timestamp'> : never) : never) => void;

export class Vault {
  /** The deployed ERC-4626 source (attached or not). */
  readonly source: YieldSource;
  attached = false;
  /** Units put into the source, at book value: marked down when a loss is recognised. */
  principal = 0n;
  maxLossRatio = 0n;
  /** The breaker has tripped and shares are left to redeem: no new deposits, anyone may finish. */
  tripped = false;
  /** Recognised yield loss the insurance fund could not pay (18 decimals). */
  yieldShortfall = 0n;

  constructor(
    private readonly j: Journal,
    private readonly ledger: TokenLedger,
    private readonly fund: InsuranceFund,
    private readonly emit: Emit,
  ) {
    this.source = new YieldSource(j, ledger);
  }

  /** Idle tokens (units). */
  idle(): bigint {
    return this.ledger.balanceOf(VAULT);
  }

  /** Units the vault controls: idle plus what the source would return for its shares. */
  totalAssets(): bigint {
    return this.idle() + (this.attached ? this.source.previewRedeem(this.source.vaultShares) : 0n);
  }

  /** Whether `units` can be paid out now (idle, or recalled from the source). */
  canPay(units: bigint): boolean {
    const idle = this.idle();
    if (idle >= units) return true;
    return this.attached && this.source.maxWithdraw() >= units - idle;
  }

  /** Pays `units` out, recalling what is missing from the source. */
  push(to: string, units: bigint): void {
    if (units === 0n) return;
    const idle = this.idle();
    if (idle < units) {
      requireThat(this.attached, 'InsufficientVaultBalance', `the vault holds ${idle} units, needs ${units}`);
      const missing = units - idle;
      requireThat(this.source.maxWithdraw() >= missing, 'InsufficientVaultBalance', `the yield source lets ${this.source.maxWithdraw()} units leave, ${missing} are needed`);
      this.source.withdraw(missing);
      this.j.set(this, 'principal', this.principal > missing ? this.principal - missing : 0n);
    }
    this.ledger.transferUnits(VAULT, to, units);
  }

  setYieldSource(maxLossRatio: bigint): void {
    requireThat(!this.attached && maxLossRatio < ONE, 'InvalidParameter', 'one yield source at a time, with a max loss below 1');
    this.j.set(this, 'attached', true);
    this.j.set(this, 'maxLossRatio', maxLossRatio);
  }

  depositToYield(units: bigint): void {
    requireThat(this.attached && units > 0n && !this.tripped, 'InvalidParameter', 'no yield source, nothing to deposit, or the breaker has tripped');
    this.recognizeLoss();
    const shares = this.source.deposit(units);
    this.j.set(this, 'principal', this.principal + units);
    this.emit({ type: 'YieldDeposited', units, shares });
  }

  withdrawFromYield(units: bigint): void {
    requireThat(this.attached && units > 0n, 'InvalidParameter', 'no yield source or nothing to withdraw');
    this.recognizeLoss();
    this.source.withdraw(units);
    this.j.set(this, 'principal', this.principal > units ? this.principal - units : 0n);
    this.emit({ type: 'YieldWithdrawn', units });
  }

  /** Whether the source has lost more than the allowed share of principal. */
  yieldAnomaly(): boolean {
    if (!this.attached || this.principal === 0n) return false;
    const assets = this.source.previewRedeem(this.source.vaultShares);
    return assets * ONE < this.principal * (ONE - this.maxLossRatio);
  }

  /** Marks the principal down to what the shares are worth and charges the loss (permissionless). */
  recognizeLoss(): void {
    if (!this.attached) return;
    const value = this.source.previewRedeem(this.source.vaultShares);
    if (value >= this.principal) return;
    const loss = this.principal - value;
    this.j.set(this, 'principal', value);
    this.charge(loss);
  }

  private charge(units: bigint): void {
    const { paid, shortfall } = this.fund.pay(units * TOKEN_SCALE, 'yield-loss');
    if (shortfall > 0n) this.j.set(this, 'yieldShortfall', this.yieldShortfall + shortfall);
    this.emit({ type: 'YieldLossRecognised', loss: units * TOKEN_SCALE, coveredByInsuranceFund: paid, shortfall });
  }

  /**
   * The circuit breaker: recognises the loss, redeems what the source lets go and, once every
   * share is out, detaches it; shares it cannot redeem yet stay attached (no new deposits) for
   * anyone to finish. `by`: the guardian or owner any time, anyone past the allowed loss or once tripped.
   */
  tripCircuitBreaker(by: string): void {
    requireThat(by === GUARDIAN || by === OWNER || this.tripped || this.yieldAnomaly(), 'Unauthorized', `${by} may not trip the breaker`);
    requireThat(this.attached, 'InvalidParameter', 'no yield source');
    this.recognizeLoss();
    const shares = this.source.vaultShares;
    const redeemable = this.source.maxRedeem();
    const recovered = redeemable > 0n ? this.source.redeem(redeemable < shares ? redeemable : shares) : 0n;
    this.j.set(this, 'principal', this.principal > recovered ? this.principal - recovered : 0n);
    this.emit({ type: 'CircuitBreakerTripped', by, unitsRecovered: recovered, principal: this.principal });
    if (this.source.vaultShares > 0n) {
      this.j.set(this, 'tripped', true);
      return;
    }
    // Every share is out: what the book still says the source held is lost.
    const residual = this.principal;
    this.j.set(this, 'principal', 0n);
    if (residual > 0n) this.charge(residual);
    this.j.set(this, 'attached', false);
    this.j.set(this, 'tripped', false);
  }
}
