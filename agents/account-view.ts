/** Small readers over the observation that several agents share. */
import { A, M, type Observation } from '../sim/engine/observation.ts';

export interface PositionView {
  readonly size: number;
  readonly notional: number;
  readonly pnl: number;
  readonly marginRatio: number;
}

export function positionOf(view: Observation, account: string | number, market: string): PositionView {
  return {
    size: view.position(account, market, 'size'),
    notional: view.position(account, market, 'notional'),
    pnl: view.position(account, market, 'pnl'),
    marginRatio: view.position(account, market, 'marginRatio'),
  };
}

/** Collateral the account can still put up: cross collateral, or the wallet under isolated margin. */
export function spendable(view: Observation, account: string | number): number {
  const collateral = view.account(account, 'collateral');
  return collateral > 0 ? collateral : view.account(account, 'wallet');
}

/** The price agents trade against: the fast feed (a CEX-like reference). */
export function referencePrice(view: Observation, market: string): number {
  return view.market(market, 'fast');
}

/**
 * How much a position of this side could still add: from cross collateral, the group's value
 * times leverage less what it already holds; with isolated margin from the wallet, a new
 * margin's worth.
 */
export function buyingPower(view: Observation, account: number, market: string, leverage: number): number {
  const collateral = view.account(account, 'collateral');
  if (collateral <= 0) return walletBuyingPower(view, account, leverage);
  return crossBuyingPower(collateral, view.position(account, market, 'groupValue'), view.position(account, market, 'notional'), leverage);
}

/** `buyingPower` under isolated margin (no cross collateral): a new margin's worth from the wallet. */
export function walletBuyingPower(view: Observation, account: number, leverage: number): number {
  return view.account(account, 'wallet') * leverage * 0.9;
}

/**
 * `buyingPower` from cross collateral: the group's value (NaN when flat in the market: the
 * collateral) times leverage, less the notional held. It grows with the value and falls with
 * the notional, step by step in floats too, so bounds on them bound it.
 */
export function crossBuyingPower(collateral: number, groupValue: number, notional: number, leverage: number): number {
  const equity = Number.isNaN(groupValue) ? collateral : groupValue;
  return Math.max(0, equity * leverage * 0.9 - notional);
}

/**
 * The most notional whose trading fee the account can pay: unlimited when fees come out of
 * collateral (the margin checks cover them), what the wallet covers when they come from it.
 */
export function feeAffordable(view: Observation, account: number, market: string): number {
  // Read by offset (a read by field name is a keyed lookup): an arbitrageur's every order asks.
  const d = view.data;
  const ao = view.recordsOffset(account);
  if ((d[ao + A.collateral] as number) > 0) return Number.POSITIVE_INFINITY;
  const fee = d[view.marketOffset(market) + M.feeRatio] as number;
  return fee <= 0 ? Number.POSITIVE_INFINITY : (d[ao + A.wallet] as number) / (fee * 1.05);
}

/**
 * The largest quote a single trade may move in one block without breaking the per-block
 * fluctuation band (90 % of it, for rounding and others in the block); Infinity without a band.
 */
export function maxQuoteWithinBand(view: Observation, market: string, side: 'long' | 'short'): number {
  const mo = view.marketOffset(market);
  const limit = (view.data[mo + M.fluctuationLimit] as number) * 0.9;
  if (limit <= 0) return Number.POSITIVE_INFINITY;
  const q = view.data[mo + M.quoteReserve] as number;
  // Spot ∝ Q², so a price move of (1 ± L) is a quote move of (√(1 ± L) − 1).
  return side === 'long' ? q * (Math.sqrt(1 + limit) - 1) : q * (1 - Math.sqrt(1 - limit));
}

/** The most leverage the protocol allows on a new position, a little under it for fees. */
export function usableLeverage(view: Observation, market: string, wanted: number): number {
  return Math.max(1, Math.min(wanted, view.market(market, 'maxLeverage') * 0.95));
}
