/**
 * x·y=k swap math on virtual reserves, exactly as Perp v1's Amm.getInputPriceWithReserves /
 * getOutputPriceWithReserves: k and the new reserve are floored, then the amount is moved by
 * one wei in the AMM's favour when the division is not exact, so Q·B never falls below k.
 */
import { ModelError, requireThat } from './errors.ts';
import { ONE, abs, mulD } from './math/fixed.ts';

/** Direction from the AMM's point of view. */
export type Dir = 'ADD' | 'REMOVE';

export interface Reserves {
  readonly quote: bigint;
  readonly base: bigint;
}

/** Base received (ADD, a long) or owed (REMOVE, a short) for `quoteAmount` of quote. */
export function inputPrice(dirOfQuote: Dir, quoteAmount: bigint, quote: bigint, base: bigint): bigint {
  if (quoteAmount === 0n) return 0n;
  return inputPriceScaled(dirOfQuote, quoteAmount, quote, base, scaledK(quote, base));
}

/** inputPrice given the reserves' scaledK (the vAMM keeps its current curve's). */
export function inputPriceScaled(dirOfQuote: Dir, quoteAmount: bigint, quote: bigint, base: bigint, scaled: bigint): bigint {
  if (quoteAmount === 0n) return 0n;
  const quoteAfter = dirOfQuote === 'ADD' ? quote + quoteAmount : quote - quoteAmount;
  if (quoteAfter < 0n) throw new ModelError('SubtractionOverflow', 'quote reserve would go negative');
  requireThat(quoteAfter !== 0n, 'QuoteReserveDepleted');
  const baseAfter = scaled / quoteAfter;
  let bought = abs(baseAfter - base);
  // Inexact division (a multiplication is cheaper than the remainder's second division).
  if (baseAfter * quoteAfter !== scaled) bought = dirOfQuote === 'ADD' ? bought - 1n : bought + 1n;
  if (bought < 0n) throw new ModelError('SubtractionOverflow', 'base amount underflows');
  return bought;
}

/** Quote received (ADD, selling base) or paid (REMOVE, buying base) for `baseAmount` of base. */
export function outputPrice(dirOfBase: Dir, baseAmount: bigint, quote: bigint, base: bigint): bigint {
  if (baseAmount === 0n) return 0n;
  return outputPriceScaled(dirOfBase, baseAmount, quote, base, scaledK(quote, base));
}

/** k·10¹⁸ as outputPrice divides it (k floored first): fixed for a set of reserves, so cacheable. */
export function scaledK(quote: bigint, base: bigint): bigint {
  return mulD(quote, base) * ONE;
}

/** outputPrice given the reserves' scaledK (the TWAP walk reuses it for past blocks' reserves). */
export function outputPriceScaled(dirOfBase: Dir, baseAmount: bigint, quote: bigint, base: bigint, scaled: bigint): bigint {
  if (baseAmount === 0n) return 0n;
  const baseAfter = dirOfBase === 'ADD' ? base + baseAmount : base - baseAmount;
  if (baseAfter < 0n) throw new ModelError('SubtractionOverflow', 'base reserve would go negative');
  requireThat(baseAfter !== 0n, 'BaseReserveDepleted');
  const quoteAfter = scaled / baseAfter;
  let sold = abs(quoteAfter - quote);
  if (quoteAfter * baseAfter !== scaled) sold = dirOfBase === 'ADD' ? sold - 1n : sold + 1n;
  if (sold < 0n) throw new ModelError('SubtractionOverflow', 'quote amount underflows');
  return sold;
}

/** Spot price Q/B, floored. */
export function spotPrice(quote: bigint, base: bigint): bigint {
  requireThat(base !== 0n, 'DivisionByZero', 'base reserve is 0');
  return (quote * ONE) / base;
}

/**
 * Exit value when the position can be exited in one swap; otherwise (a short bigger than the
 * base the AMM still holds) its value at the spot price. For views and reports only: the
 * protocol's own checks use `exitValue` and revert.
 */
export function exitValueOrSpot(size: bigint, quote: bigint, base: bigint): bigint {
  if (size >= 0n || -size < base) return exitValue(size, quote, base);
  return mulD(size, spotPrice(quote, base));
}

/**
 * Exit value of a signed base position on given reserves: what closing it returns (a long
 * sells base, positive) or costs (a short buys base back, negative).
 */
export function exitValue(size: bigint, quote: bigint, base: bigint): bigint {
  if (size === 0n) return 0n;
  return size > 0n ? outputPrice('ADD', size, quote, base) : -outputPrice('REMOVE', -size, quote, base);
}

/**
 * Every exit of `size` base on reserves (q, b) with q in [qMin, qMax] and b in [bMin, bMax],
 * as outputPrice rounds it, lies in [lb, ub]; null where some such exit could revert.
 *
 * With K = ⌊q·b/10¹⁸⌋·10¹⁸ ∈ (q·b − 10¹⁸, q·b] and the quotient floored, then moved one wei:
 * selling (ADD) returns within [c − 1, c + 10¹⁸/(b+s) + 1) of c = q·s/(b+s); buying back
 * (REMOVE) costs within (c − 10¹⁸/(b−s) − 1, c + 10¹⁸/(b−s) + 2) of c = q·s/(b−s). c grows
 * with q and falls with b, so its extremes are at the box's corners.
 */
export function exitRangeOnBox(dirOfBase: Dir, size: bigint, qMin: bigint, qMax: bigint, bMin: bigint, bMax: bigint): { lb: bigint; ub: bigint } | null {
  const add = dirOfBase === 'ADD';
  const near = add ? bMin + size : bMin - size;
  if (near <= 0n) return null;
  const far = add ? bMax + size : bMax - size;
  const slack = ONE / near + 3n;
  const lb = (qMin * size) / far - slack;
  // A dust exit may round below zero and revert: only a clearly positive range is decided.
  if (lb <= 0n) return null;
  return { lb, ub: (qMax * size) / near + 1n + slack };
}
