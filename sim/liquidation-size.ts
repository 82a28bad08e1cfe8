/**
 * The smallest notional to close so that an account is back at the maintenance ratio after
 * paying the liquidation penalty on what was closed.
 *
 * On the curve, closing q of notional leaves the account value at V − p·q and the notional at
 * N − q (the exit value of the rest plus q is the exit value of the whole, x·y=k being path
 * independent). So (V − p·q)/(N − q) ≥ m  ⇔  q ≥ (m·N − V)/(m − p), which needs m > p. The
 * closed form is rounded up, then checked on the exact model and nudged up by the rounding
 * the closed form cannot see.
 */
import { ONE, ceilDiv } from './math/fixed.ts';

/**
 * @param value account value at spot (18 decimals)
 * @param notional account notional at spot
 * @param maintenance maintenance ratio m
 * @param penalty penalty ratio p
 * @param positionNotional notional of the position being liquidated (the most that can close)
 * @param restores exact check: does closing `q` restore the ratio?
 * @returns q, or 0 when only a full liquidation can restore the account
 */
export function liquidationQuoteForMaintenance(
  value: bigint,
  notional: bigint,
  maintenance: bigint,
  penalty: bigint,
  positionNotional: bigint,
  restores: (quote: bigint) => boolean,
): bigint {
  if (maintenance <= penalty || positionNotional <= 0n) return 0n;
  const shortfall = maintenance * notional - value * ONE;
  if (shortfall <= 0n) return 0n;
  let quote = ceilDiv(shortfall, maintenance - penalty);
  // Rounding in the swap, the PnL split and the ratio can leave it a few wei short.
  for (let step = 1n; quote < positionNotional; step *= 4n) {
    if (restores(quote)) return quote;
    quote += step;
  }
  return 0n;
}
