/**
 * The collateral token (USDC-style, 6 decimals): balances in token units per address. Amounts
 * come in as 18-decimal values and are floored to the token's precision on the way, as Perp
 * v1's DecimalERC20 does; total supply changes only by minting (faucets, backstop dilution).
 */
import { requireThat } from './errors.ts';
import type { Journal } from './journal.ts';
import { TOKEN_SCALE, toTokenUnits } from './math/units.ts';

/** Well-known holders. Trader wallets are their names. */
export const VAULT = 'vault';
export const INSURANCE_FUND = 'insurance-fund';
export const FEE_POOL = 'fee-pool';

export class TokenLedger {
  readonly balances = new Map<string, bigint>();
  totalSupply = 0n;

  constructor(private readonly j: Journal) {}

  /** Balance in token units. */
  balanceOf(holder: string): bigint {
    return this.balances.get(holder) ?? 0n;
  }

  /** Balance as an 18-decimal amount (DecimalERC20._balanceOf). */
  balanceOfWei(holder: string): bigint {
    return this.balanceOf(holder) * TOKEN_SCALE;
  }

  mint(to: string, units: bigint): void {
    requireThat(units >= 0n, 'InvalidParameter', 'cannot mint a negative amount');
    this.j.mapSet(this.balances, to, this.balanceOf(to) + units);
    this.j.set(this, 'totalSupply', this.totalSupply + units);
  }

  /** Transfers `amountWei` floored to token units; returns the units moved. */
  transfer(from: string, to: string, amountWei: bigint): bigint {
    const units = toTokenUnits(amountWei);
    this.transferUnits(from, to, units);
    return units;
  }

  transferUnits(from: string, to: string, units: bigint): void {
    if (units === 0n || from === to) return;
    const fromBalance = this.balanceOf(from);
    requireThat(fromBalance >= units, 'InsufficientBalance', `${from} holds ${fromBalance} units, needs ${units}`);
    this.j.mapSet(this.balances, from, fromBalance - units);
    this.j.mapSet(this.balances, to, this.balanceOf(to) + units);
  }
}
