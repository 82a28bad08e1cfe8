/**
 * An ERC-4626 yield source for the collateral token, as the contracts' MockYieldVault (OpenZeppelin
 * 5's ERC4626 with no decimals offset): shares priced at (totalAssets + 1)/(totalSupply + 1), deposit
 * and redeem rounding down, withdraw burning shares rounded up. Faults can be injected: assets that
 * vanish (a drained strategy) and a liquidity budget (a withdrawal queue) beyond which nothing leaves.
 */
import { requireThat } from './errors.ts';
import type { Journal } from './journal.ts';
import { type TokenLedger, VAULT } from './ledger.ts';

/** The yield source's token account, and where lost assets go (0x…dEaD on chain). */
export const YIELD_SOURCE = 'yield-source';
export const LOST = 'lost';

function mulDiv(x: bigint, y: bigint, d: bigint, up: boolean): bigint {
  const q = (x * y) / d;
  return up && q * d !== x * y ? q + 1n : q;
}

export class YieldSource {
  totalShares = 0n;
  /** Shares the vault holds (the only depositor). */
  vaultShares = 0n;
  /** Units that may still leave; null = fully liquid. */
  liquidity: bigint | null = null;

  constructor(
    private readonly j: Journal,
    private readonly ledger: TokenLedger,
  ) {}

  totalAssets(): bigint {
    return this.ledger.balanceOf(YIELD_SOURCE);
  }

  private toShares(assets: bigint, up: boolean): bigint {
    return mulDiv(assets, this.totalShares + 1n, this.totalAssets() + 1n, up);
  }

  private toAssets(shares: bigint, up: boolean): bigint {
    return mulDiv(shares, this.totalAssets() + 1n, this.totalShares + 1n, up);
  }

  previewRedeem(shares: bigint): bigint {
    return this.toAssets(shares, false);
  }

  maxWithdraw(): bigint {
    const max = this.toAssets(this.vaultShares, false);
    return this.liquidity !== null && this.liquidity < max ? this.liquidity : max;
  }

  maxRedeem(): bigint {
    if (this.liquidity === null) return this.vaultShares;
    const byLiquidity = this.toShares(this.liquidity, false);
    return byLiquidity < this.vaultShares ? byLiquidity : this.vaultShares;
  }

  /** The vault deposits `units`; returns the shares minted. */
  deposit(units: bigint): bigint {
    const shares = this.toShares(units, false);
    this.ledger.transferUnits(VAULT, YIELD_SOURCE, units);
    this.j.set(this, 'totalShares', this.totalShares + shares);
    this.j.set(this, 'vaultShares', this.vaultShares + shares);
    return shares;
  }

  /** The vault withdraws `units` of assets (burning the shares, rounded up). */
  withdraw(units: bigint): void {
    requireThat(units <= this.maxWithdraw(), 'InsufficientVaultBalance', `the yield source lets ${this.maxWithdraw()} units leave, not ${units}`);
    this.exit(this.toShares(units, true), units);
  }

  /** The vault redeems `shares`; returns the units it received. */
  redeem(shares: bigint): bigint {
    requireThat(shares <= this.maxRedeem(), 'InsufficientVaultBalance', `the yield source redeems at most ${this.maxRedeem()} shares`);
    const units = this.toAssets(shares, false);
    this.exit(shares, units);
    return units;
  }

  private exit(shares: bigint, units: bigint): void {
    if (this.liquidity !== null) this.j.set(this, 'liquidity', this.liquidity - units);
    this.j.set(this, 'totalShares', this.totalShares - shares);
    this.j.set(this, 'vaultShares', this.vaultShares - shares);
    this.ledger.transferUnits(YIELD_SOURCE, VAULT, units);
  }

  /** Fault: `units` of the assets vanish (a drained strategy). */
  lose(units: bigint): void {
    this.ledger.transferUnits(YIELD_SOURCE, LOST, units);
  }

  /** Fault: at most `units` may leave from now on (null: fully liquid again). */
  setLiquidity(units: bigint | null): void {
    this.j.set(this, 'liquidity', units);
  }
}
