/**
 * The boundary between human decimals and wei. decimal.js parses decimal strings exactly, so
 * "45.18072289" becomes 45180722890000000000n with no float on the way; more than 18 decimals
 * is an error rather than a silent rounding.
 */
import { Decimal } from 'decimal.js';

const D = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_DOWN, toExpPos: 1000, toExpNeg: -1000 });

export const WAD_DECIMALS = 18;
const WAD = 10n ** BigInt(WAD_DECIMALS);
/** Decimals of the collateral token (USDC-style). */
export const TOKEN_DECIMALS = 6;
/** 10^(18-6): the factor between 18-decimal amounts and collateral-token units. */
export const TOKEN_SCALE = 10n ** BigInt(WAD_DECIMALS - TOKEN_DECIMALS);

export class UnitError extends Error {
  override name = 'UnitError';
}

const PLAIN_DECIMAL = /^([-+]?)(\d+)(?:\.(\d+))?$/;

/** Parses a human decimal (string or integer) into a fixed-point integer with `decimals` places. */
export function parseUnits(value: string | number | bigint, decimals: number = WAD_DECIMALS): bigint {
  if (typeof value === 'bigint') return value * 10n ** BigInt(decimals);
  if (typeof value === 'number' && !Number.isInteger(value)) {
    throw new UnitError(`refusing to convert the float ${value}: write amounts as decimal strings`);
  }
  const text = String(value).trim();
  // Plain decimals (what agents and files mostly hold) in integer arithmetic: the same result as
  // the decimal.js path below, without its cost on every agent action.
  const plain = PLAIN_DECIMAL.exec(text);
  if (plain) {
    const [, sign, whole, fraction = ''] = plain;
    const kept = fraction.slice(0, decimals);
    if (/[1-9]/.test(fraction.slice(decimals))) throw new UnitError(`"${text}" has more than ${decimals} decimal places`);
    const units = BigInt((whole as string) + kept.padEnd(decimals, '0'));
    return sign === '-' ? -units : units;
  }
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    throw new UnitError(`"${text}" is not a decimal number`);
  }
  const d = new D(text);
  const scaled = d.times(new D(10).pow(decimals));
  if (!scaled.isInteger()) {
    throw new UnitError(`"${text}" has more than ${decimals} decimal places`);
  }
  return BigInt(scaled.toFixed(0));
}

/** 18-decimal wei from a human decimal. */
export function toWei(value: string | number | bigint): bigint {
  return parseUnits(value, WAD_DECIMALS);
}

/** Formats a fixed-point integer as an exact human decimal (no trailing zeros). */
export function formatUnits(value: bigint, decimals: number = WAD_DECIMALS): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

export function fromWei(value: bigint): string {
  return formatUnits(value, WAD_DECIMALS);
}

/** 18-decimal amount to collateral-token units, floored as DecimalERC20._toUint does. */
export function toTokenUnits(amountWei: bigint): bigint {
  if (amountWei < 0n) throw new UnitError(`negative token amount ${amountWei}`);
  return amountWei / TOKEN_SCALE;
}

/** Collateral-token units to 18-decimal amount. */
export function tokenUnitsToWei(units: bigint): bigint {
  return units * TOKEN_SCALE;
}

/** A float view of a wei amount, for agents' decisions and charts only (never for money). */
export function weiToNumber(value: bigint): number {
  return Number(value) / 1e18;
}

/**
 * The whole units (USD) in a wei amount, rounded down in integer arithmetic: a float view of a
 * balance a few wei under a whole unit can round up to it, and an amount sized from it overdraws.
 */
export function wholeUnitsDown(value: bigint): number {
  const q = value / WAD;
  return Number(value < 0n && q * WAD !== value ? q - 1n : q);
}
