/**
 * The liquidators' at-risk set, from the other side: a sound float64 proof that an account's
 * every margin group is above a margin-ratio level at the current reserves, from its rows as
 * they were valued exactly at earlier reserves (its size, open notional, margin, funding owed
 * and collateral, none of which a reserve move changes). An account it clears need not be
 * valued again for readers that skip accounts above the level; one it cannot clear (near the
 * level, under water, tiny, a short near the base reserve) is valued exactly.
 *
 * Why it is sound: the exact exit value (curve.ts) is Q·s/(B + s) for a long and Q·|s|/(B − |s|)
 * for a short, give or take a few wei of flooring; each float64 input is within 2⁻⁵² of its
 * wei (weiToNumber rounds twice), and the handful of operations below add a few ulps. The
 * margins used, 10⁻¹² relative to every magnitude summed plus 10⁻¹⁵ USD absolute, are over
 * a thousand times those errors, so "above the level by more than the margin" in floats implies
 * above it exactly, before and after the ratio's truncation to 10⁻¹⁸ and its conversion to a float.
 */
import { A, P } from './observation.ts';

/** Relative slack on every float64 magnitude (a few ulps are ~10⁻¹⁵), and absolute slack in USD (wei flooring); agents/room-bound.ts bounds rows with them too. */
export const RELATIVE = 1e-12;
export const ABSOLUTE = 1e-15;

export interface ReservesFloat {
  readonly quote: number;
  readonly base: number;
}

/**
 * Whether every margin group of the account at `accountOffset` has a margin ratio above `level`
 * on `reserves` (one entry per market, in layout order; `positionOffsets` likewise), reading
 * the account's rows in `d` for everything but the reserves.
 */
export function provablyAbove(d: Float64Array, accountOffset: number, positionOffsets: readonly number[], reserves: readonly ReservesFloat[], level: number): boolean {
  const threshold = level * (1 + RELATIVE) + ABSOLUTE;
  let crossValue = d[accountOffset + A.collateral] as number;
  let crossMagnitude = Math.abs(crossValue);
  let crossNotional = 0;
  let cross = false;
  for (let m = 0; m < positionOffsets.length; m++) {
    const po = positionOffsets[m] as number;
    const size = d[po + P.size] as number;
    if (size === 0) continue;
    const r = reserves[m] as ReservesFloat;
    const magnitude = Math.abs(size);
    // A short's buy-back cost explodes near the base reserve (past it the row is valued at spot),
    // and B − |s| in floats loses digits as it nears 0: within 1 % of the reserve it is valued exactly.
    const room = size > 0 ? r.base + size : r.base - magnitude;
    if (!(room > r.base * 1e-2)) return false;
    const notional = (r.quote * magnitude) / room;
    const open = d[po + P.openNotional] as number;
    const funding = d[po + P.fundingOwed] as number;
    const pnl = size > 0 ? notional - open : open - notional;
    const magnitudes = notional + Math.abs(open) + Math.abs(funding);
    if ((d[po + P.isolated] as number) === 1) {
      const margin = d[po + P.margin] as number;
      if (!clears(margin + pnl - funding, magnitudes + Math.abs(margin), notional, threshold)) return false;
    } else {
      cross = true;
      crossValue += pnl - funding;
      crossMagnitude += magnitudes;
      crossNotional += notional;
    }
  }
  return !cross || clears(crossValue, crossMagnitude, crossNotional, threshold);
}

/** value / notional > threshold beyond every rounding: value's error ≤ RELATIVE·magnitude + ABSOLUTE, notional's ≤ RELATIVE·notional + ABSOLUTE. */
function clears(value: number, magnitude: number, notional: number, threshold: number): boolean {
  const low = value - RELATIVE * magnitude - ABSOLUTE;
  const high = notional * (1 + RELATIVE) + ABSOLUTE;
  return notional > 1e3 * ABSOLUTE && low > 0 && low > threshold * high;
}

/**
 * Whether `provablyAbove` holds for every reserves (q, b) of market `market` with q and b each
 * within `width` (relative) of `at`, for an account whose one open position is in that market.
 * Its exit value q·s/(b ± s) grows with q and falls with b, so over the box it lies between its
 * values at the corners (q low, b high) and (q high, b low); the margin ratio's test (value −
 * threshold × notional, less the slack, all affine in the exit value) then holds between them
 * when it holds at both, and each corner's own float errors are inside the slack as at a point.
 */
export function provablyAboveOnBox(d: Float64Array, accountOffset: number, positionOffsets: readonly number[], at: readonly ReservesFloat[], market: number, width: number, level: number): boolean {
  const r = at[market] as ReservesFloat;
  lowCorner.quote = r.quote * (1 - width);
  lowCorner.base = r.base * (1 + width);
  highCorner.quote = r.quote * (1 + width);
  highCorner.base = r.base * (1 - width);
  return provablyAboveOnCorners(d, accountOffset, positionOffsets, at, market, lowCorner, highCorner, level);
}

/** Scratch for the proofs (no objects or arrays built per proof: the liquidators' screens make ~100,000 a month): a box's corners, and the reserves at one of them per market. */
const lowCorner = { quote: 0, base: 0 };
const highCorner = { quote: 0, base: 0 };
const cornerAt: ReservesFloat[] = [];

/** `provablyAbove` at both corners of a box of market `market` (q low with b high, q high with b low), the other markets at `at`: over the whole box, as above. */
export function provablyAboveOnCorners(d: Float64Array, accountOffset: number, positionOffsets: readonly number[], at: readonly ReservesFloat[], market: number, low: ReservesFloat, high: ReservesFloat, level: number): boolean {
  for (let m = 0; m < at.length; m++) cornerAt[m] = at[m] as ReservesFloat;
  cornerAt[market] = low;
  if (!provablyAbove(d, accountOffset, positionOffsets, cornerAt, level)) return false;
  cornerAt[market] = high;
  return provablyAbove(d, accountOffset, positionOffsets, cornerAt, level);
}
