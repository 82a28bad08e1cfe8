/**
 * An MEV searcher. It sees each block's public transactions before they are ordered and sends
 * bundles that a block builder places around them:
 *  - back-runs oracle updates: when the fast feed moved, it arbitrages the gap at the top of the
 *    block, before any arbitrageur's transaction lands (priced like an arbitrageur, hedged);
 *  - front-runs liquidations: it copies a pending liquidation and places it right before the
 *    original, taking the reward (the original then reverts);
 *  - sandwiches liquidations: before the liquidation it trades the way the liquidation will
 *    push the price (a long's liquidation sells), and after it closes that trade at the price the
 *    liquidation left — profitable when the liquidation moves the mark by more than two fees;
 *    its front leg worsens the victim's margin, so the liquidation closes more. Not where the
 *    design's restriction mode is on: there the back leg would revert (a trader who acted in a
 *    block cannot act again in it after a liquidation), as simulating the bundle shows.
 * Of several pending liquidations of one trader it targets the one that lands first (the highest
 * bid): a bundle placed around another would find the position already liquidated.
 * Each bundle bids a share of the profit it expects, and only goes out when that beats its gas.
 */
import { GAS_UNITS } from '../sim/engine/gas-process.ts';
import type { HedgeParams } from '../sim/engine/hedge-venue.ts';
import type { Observation } from '../sim/engine/observation.ts';
import type { AgentContext, MempoolTx, Side, Submission, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';
import { buyingPower, maxQuoteWithinBand } from './account-view.ts';
import { arbitrageOrder, arbitrageQuote, gasUsd, inventoryRoom, ownRows, pricingRow, priorityFeeFor } from './arbitrage-pricing.ts';
import { closedNotional } from './liquidator.ts';

export interface SearcherParams {
  readonly market: string;
  readonly leverage: number;
  readonly backrunOracle: boolean;
  readonly frontrunLiquidations: boolean;
  readonly sandwichLiquidations: boolean;
  /** The front leg's size as a multiple of what the liquidation will close. */
  readonly sandwichSize: number;
  /** Edge it demands on an oracle back-run beyond every cost. */
  readonly minEdge: number;
  /** Most back-run inventory it holds, as a multiple of its capital. */
  readonly maxInventory: number;
  /** Share of the expected profit it bids, and the most it bids (gwei). */
  readonly bidShare: number;
  readonly maxPriorityFee: number;
  readonly priorityFee: number;
  readonly hedge: HedgeParams;
  readonly latency: number;
}

export class Searcher extends AgentBase<SearcherParams> {
  override readonly kind = 'searcher';
  override readonly phase = 'searcher' as const;
  /** Of other accounts it reads only a pending liquidation's target, and only when it is under maintenance. */
  readonly readsOthers = 0;
  readonly readsOthersOnlyForPendingLiquidations = true;
  private lastFast = Number.NaN;
  private capital = Number.NaN;

  constructor(ctx: AgentContext, p: SearcherParams) {
    super(ctx, { ...p, latency: 0 });
  }

  override start(): null {
    // It acts only when the engine shows it a block's mempool.
    return null;
  }

  override wake(view: Observation, _now: number, mempool: readonly MempoolTx[] = []): Wake {
    const { market } = this.p;
    if (!view.market(market, 'open')) return { submissions: [], next: null };
    const submissions: Submission[] = [];
    for (const tx of firstLiquidations(mempool, market, this.ctx.id)) {
      // One sandwich per block: its back leg closes the searcher's whole position.
      if (submissions.some((s) => s.action.kind === 'close')) break;
      submissions.push(...this.aroundLiquidation(view, tx));
    }
    const fast = view.market(market, 'fast');
    const sandwiching = submissions.some((s) => s.action.kind === 'close');
    if (this.p.backrunOracle && fast !== this.lastFast && !sandwiching) {
      const backrun = this.backrun(view);
      if (backrun) submissions.push(backrun);
    }
    this.lastFast = fast;
    return { submissions, next: null };
  }

  /** An arbitrage of the oracle's move, at the top of the block. */
  private backrun(view: Observation): Submission | null {
    const { market } = this.p;
    const side: Side = view.market(market, 'spot') < view.market(market, 'cex') ? 'long' : 'short';
    // Its back-run inventory is capped like an arbitrageur's (at its capital), so its vAMM margin is never all tied up.
    if (Number.isNaN(this.capital)) this.capital = view.account(this.ctx.index, 'collateral');
    const room = inventoryRoom(view, this.ctx.index, market, side, ownRows(view, this.ctx.index, market, side, this.p.leverage), this.capital * this.p.maxInventory);
    const row = pricingRow(view, market);
    const quote = arbitrageQuote(row, side, room, this.p.hedge, this.p.minEdge);
    if (!quote) return null;
    const order = arbitrageOrder(view, row, market, side, quote.quote, this.p.leverage, this.p.hedge, this.p.minEdge, this.bid(), this.ctx.rng, 0);
    return order ? { ...order, latency: 0, bundle: { target: 'top', place: 'after' } } : null;
  }

  /** The front-run copy and the sandwich around a pending liquidation, when they pay. */
  private aroundLiquidation(view: Observation, tx: MempoolTx): Submission[] {
    const { market } = this.p;
    const trader = (tx.action as { trader: string }).trader;
    const i = view.layout.accounts.indexOf(trader);
    if (i < 0) return [];
    const size = view.position(i, market, 'size');
    const ratio = view.position(i, market, 'liquidationRatio');
    const maintenance = view.header('maintenanceMarginRatio');
    if (size === 0 || Number.isNaN(ratio) || ratio >= maintenance) return [];
    const penalty = view.header('liquidationFeeRatio');
    const closed = closedNotional(view.position(i, market, 'notional'), ratio, maintenance, penalty);
    const out: Submission[] = [];
    const before = { target: tx.id, place: 'before' as const };
    // The sandwich: the liquidation of a long sells (the mark falls by about 2·closed/Q), so sell first and buy back after.
    const fee = view.market(market, 'feeRatio');
    const q = view.market(market, 'quoteReserve');
    const side: Side = size > 0 ? 'short' : 'long';
    const front = Math.min(this.p.sandwichSize * closed, buyingPower(view, this.ctx.index, market, this.p.leverage) * 0.8, maxQuoteWithinBand(view, market, side));
    const sandwichProfit = view.header('restrictionMode') === 1 ? 0 : front * ((2 * closed) / q - 2 * fee);
    const reward = this.p.frontrunLiquidations ? (penalty / 2) * closed : 0;
    const units = (this.p.sandwichLiquidations && sandwichProfit > 0 ? (GAS_UNITS.open as number) + (GAS_UNITS.close as number) : 0) + (reward > 0 ? (GAS_UNITS.liquidate as number) : 0);
    if (units === 0) return [];
    const value = (sandwichProfit > 0 && this.p.sandwichLiquidations ? sandwichProfit : 0) + reward;
    // Outbid the liquidation it copies; bid a share of what it expects.
    const tip = Math.max(view.header('feeOrdering') === 1 ? tx.priorityFee + 0.001 : 0, priorityFeeFor(view, units, value, this.bid()));
    if (value <= gasUsd(view, units, tip)) return [];
    if (this.p.sandwichLiquidations && sandwichProfit > 0) {
      out.push({ action: { kind: 'open', market, side, margin: front / this.p.leverage, leverage: this.p.leverage }, priorityFee: tip, latency: 0, bundle: before });
    }
    if (reward > 0) out.push({ action: { kind: 'liquidate', market, trader }, priorityFee: tip, latency: 0, bundle: before });
    if (this.p.sandwichLiquidations && sandwichProfit > 0) out.push({ action: { kind: 'close', market }, priorityFee: tip, latency: 0, bundle: { target: tx.id, place: 'after' } });
    return out;
  }

  private bid() {
    return { share: this.p.bidShare, min: this.p.priorityFee, max: this.p.maxPriorityFee };
  }
}

/**
 * Of each trader's pending liquidations in the market, the one a fee-ordered block lands first:
 * the highest bid (the first seen on a tie), in the order the mempool shows them.
 */
export function firstLiquidations(mempool: readonly MempoolTx[], market: string, self: string): MempoolTx[] {
  const first = new Map<string, MempoolTx>();
  for (const tx of mempool) {
    if (tx.action.kind !== 'liquidate' || tx.action.market !== market || tx.agent === self) continue;
    const trader = tx.action.trader;
    const seen = first.get(trader);
    if (!seen || tx.priorityFee > seen.priorityFee) first.set(trader, tx);
  }
  return [...first.values()];
}
