/**
 * 18-decimal fixed point on bigint with Solidity's rounding, as in Perp v1's Decimal /
 * SignedDecimal libraries: unsigned division floors, signed division truncates toward zero
 * (bigint `/` truncates toward zero, which is both for the non-negative case).
 */
import { ModelError } from '../errors.ts';

export const ONE = 10n ** 18n;
export const ZERO = 0n;

/** x·y / 1e18 (truncates toward zero; floors for unsigned operands). */
export function mulD(x: bigint, y: bigint): bigint {
  return (x * y) / ONE;
}

/** x·1e18 / y (truncates toward zero). Division by zero reverts as in Solidity. */
export function divD(x: bigint, y: bigint): bigint {
  if (y === 0n) throw new ModelError('DivisionByZero', 'fixed-point division by zero');
  return (x * ONE) / y;
}

/** (x·1e18) mod y, as Decimal.modD. */
export function modD(x: bigint, y: bigint): bigint {
  if (y === 0n) throw new ModelError('DivisionByZero', 'fixed-point modulo by zero');
  return (x * ONE) % y;
}

/** Integer division with the same rounding as Solidity (toward zero). */
export function divScalar(x: bigint, n: bigint): bigint {
  if (n === 0n) throw new ModelError('DivisionByZero', 'division by zero');
  return x / n;
}

/** Unsigned subtraction that reverts on underflow, like SafeMath.sub / Decimal.subD. */
export function subU(x: bigint, y: bigint): bigint {
  if (y > x) throw new ModelError('SubtractionOverflow', `unsigned ${x} - ${y} underflows`);
  return x - y;
}

export function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

export function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

export function sign(x: bigint): -1n | 0n | 1n {
  return x > 0n ? 1n : x < 0n ? -1n : 0n;
}

/** Ceiling division for non-negative operands (used where the protocol must not under-collect). */
export function ceilDiv(x: bigint, y: bigint): bigint {
  if (y <= 0n || x < 0n) throw new ModelError('DivisionByZero', 'ceilDiv needs x >= 0 and y > 0');
  return x === 0n ? 0n : (x - 1n) / y + 1n;
}
