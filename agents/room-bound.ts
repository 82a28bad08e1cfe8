/**
 * An arbitrageur's room from its records alone (issue 15): bounds on the notional it holds and
 * on its margin group's value, the two rows its room reads that the observation values exactly
 * (bigint, on first read) from the reserves. From the fields no reserve moves (wallet,
 * collateral; each position's size, open notional, margin, isolated flag and funding owed) and
 * each market's reserves: a position's exit value is Q·s/(B + s) for a long and Q·|s|/(B − |s|)
 * for a short, and its group's value the collateral (or its isolated margin) plus each of the
 * group's PnLs less their funding. The exact values are these within a few wei, the floats
 * within a few ulps of each input, so the at-risk screen's slack (sim/engine/at-risk-screen.ts:
 * 10⁻¹² relative to every magnitude summed, 10⁻¹⁵ USD absolute, a thousand times those errors)
 * holds them. A short within 1 % of the base reserve (valued at spot past it, and B − |s| loses
 * digits near 0) is not bounded: null, the rows are read exactly.
 */
import { ABSOLUTE, RELATIVE } from '../sim/engine/at-risk-screen.ts';
import { A, ACCOUNT_FIELDS, M, type Observation, P, POSITION_FIELDS } from '../sim/engine/observation.ts';
import type { Side } from './agent.ts';
import { crossBuyingPower, walletBuyingPower } from './account-view.ts';
import { type RoomRows, addsTo } from './arbitrage-pricing.ts';

interface GroupBound {
  readonly heldLow: number;
  readonly heldHigh: number;
  /** A lower bound on the group's value; NaN when flat in the market (the room reads the collateral then). */
  readonly valueLow: number;
}

/** Flat in the market: nothing held, and the room reads the collateral, not the group's value. Exact. */
const FLAT: GroupBound = { heldLow: 0, heldHigh: 0, valueLow: Number.NaN };

/**
 * `ownRows` as bounds read from the account's records and the reserves (its rows read by offset,
 * records only: nothing valued): the room they give is at most its exact room; null where they
 * cannot be bounded.
 */
export function boundedRows(view: Observation, index: number, market: string, side: Side, leverage: number): RoomRows | null {
  const ao = view.recordsOffset(index);
  const k = view.layout.markets.indexOf(market);
  const size = view.data[positionAt(ao, k) + P.size] as number;
  const g = size === 0 ? FLAT : groupBound(view, ao, k);
  if (g === null) return null;
  const collateral = view.data[ao + A.collateral] as number;
  const power = collateral > 0 ? crossBuyingPower(collateral, g.valueLow, g.heldHigh, leverage) : walletBuyingPower(view, index, leverage);
  return { adding: addsTo(size, side), heldLow: g.heldLow, heldHigh: g.heldHigh, power };
}

const positionAt = (accountOffset: number, market: number) => accountOffset + ACCOUNT_FIELDS.length + market * POSITION_FIELDS.length;

/** Bounds on the exit value held in market `k` (open there) and on the value of the margin group holding it. */
function groupBound(view: Observation, ao: number, k: number): GroupBound | null {
  const d = view.data;
  const { markets } = view.layout;
  const isolated = d[positionAt(ao, k) + P.isolated] === 1;
  let value = isolated ? (d[positionAt(ao, k) + P.margin] as number) : (d[ao + A.collateral] as number);
  let magnitude = Math.abs(value);
  let held = 0;
  for (let m = 0; m < markets.length; m++) {
    const po = positionAt(ao, m);
    // The isolated group is its one position; the cross group every open position not isolated.
    if (isolated ? m !== k : d[po + P.isolated] === 1) continue;
    const size = d[po + P.size] as number;
    if (size === 0) continue;
    const mo = view.marketOffset(markets[m] as string);
    const q = d[mo + M.quoteReserve] as number;
    const b = d[mo + M.baseReserve] as number;
    const s = Math.abs(size);
    const room = size > 0 ? b + s : b - s;
    if (!(room > b * 1e-2)) return null;
    const exit = (q * s) / room;
    const open = d[po + P.openNotional] as number;
    const funding = d[po + P.fundingOwed] as number;
    value += (size > 0 ? exit - open : open - exit) - funding;
    magnitude += exit + Math.abs(open) + Math.abs(funding);
    if (m === k) held = exit;
  }
  const slack = RELATIVE * held + ABSOLUTE;
  return { heldLow: held - slack, heldHigh: held + slack, valueLow: value - RELATIVE * magnitude - ABSOLUTE };
}
