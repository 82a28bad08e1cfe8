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
import type { Observation } from '../sim/engine/observation.ts';
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

/** `ownRows` as bounds read from the account's records and the reserves: the room they give is at most its exact room; null where they cannot be bounded. */
export function boundedRows(view: Observation, index: number, market: string, side: Side, leverage: number): RoomRows | null {
  const size = view.position(index, market, 'size');
  const g = size === 0 ? FLAT : groupBound(view, index, market);
  if (g === null) return null;
  const collateral = view.account(index, 'collateral');
  const power = collateral > 0 ? crossBuyingPower(collateral, g.valueLow, g.heldHigh, leverage) : walletBuyingPower(view, index, leverage);
  return { adding: addsTo(size, side), heldLow: g.heldLow, heldHigh: g.heldHigh, power };
}

/** Bounds on the exit value held in `market` (open there) and on the value of the margin group holding it. */
function groupBound(view: Observation, index: number, market: string): GroupBound | null {
  const isolated = view.position(index, market, 'isolated') === 1;
  let value = isolated ? view.position(index, market, 'margin') : view.account(index, 'collateral');
  let magnitude = Math.abs(value);
  let held = 0;
  for (const id of view.layout.markets) {
    // The isolated group is its one position; the cross group every open position not isolated.
    if (isolated ? id !== market : view.position(index, id, 'isolated') === 1) continue;
    const size = view.position(index, id, 'size');
    if (size === 0) continue;
    const q = view.market(id, 'quoteReserve');
    const b = view.market(id, 'baseReserve');
    const s = Math.abs(size);
    const room = size > 0 ? b + s : b - s;
    if (!(room > b * 1e-2)) return null;
    const exit = (q * s) / room;
    const open = view.position(index, id, 'openNotional');
    const funding = view.position(index, id, 'fundingOwed');
    value += (size > 0 ? exit - open : open - exit) - funding;
    magnitude += exit + Math.abs(open) + Math.abs(funding);
    if (id === market) held = exit;
  }
  const slack = RELATIVE * held + ABSOLUTE;
  return { heldLow: held - slack, heldHigh: held + slack, valueLow: value - RELATIVE * magnitude - ABSOLUTE };
}
