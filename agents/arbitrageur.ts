/**
 * An arbitrageur: one of a population that differ in capital, edge threshold, latency, inventory
 * limit and bid. It watches the market (every block that moved it, and on its own interval) and,
 * when the vAMM's mark is far enough from the CEX price it sees, sends a limited order toward it:
 * the limit is the price past which the next unit would earn nothing after the vAMM fee, its
 * hedge's taker fee and size-dependent spread, and its own minimum edge. The order carries
 * that limit, and a second one relative to the on-chain fast price, to its router, which sizes
 * the trade on the state it lands on — after the block's earlier trades, its competitors' among
 * them — and refuses it when what is left would not pay its gas. So it never trades at an
 * expected negative edge, and a second arbitrageur landing later in a block takes only what the
 * first left. Every fill is hedged on the CEX venue (sim/engine/hedge-venue.ts).
 *
 * Its bid is a share of the profit it expects, so the one with the best edge usually lands
 * first; its inventory is capped by a multiple of its capital and by the margin its hedge must
 * post. Capital beyond a free share must be paid for by funding (a hurdle rate), so a cap on
 * funding limits how hard arbitrage holds the mark. Latency is drawn per transaction.
 */
import type { HedgeParams } from '../sim/engine/hedge-venue.ts';
import { M, type Observation } from '../sim/engine/observation.ts';
import type { AgentContext, QuietLook, Side, Submission, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';
import { type Bid, MIN_ARBITRAGE_NOTIONAL, type PricingRow, type PricingRowBuffer, type RoomRows, arbitrageOrder, arbitrageQuote, emptyPricingRow, freeShareRoom, gapQuote, inventoryRoom, ownRows, quoteToLimit, readPricingRow } from './arbitrage-pricing.ts';
import { boundedRows } from './room-bound.ts';
import { type Distribution, centre, draw } from './distribution.ts';

export interface ArbitrageurParams {
  readonly market: string;
  /** Seconds between its own looks (besides every block that moved the market). */
  readonly interval: Distribution;
  /** Edge it demands beyond every cost (0.001 = 0.1 %). */
  readonly minEdge: Distribution;
  /** Share of the way to its limit it trades (0..1]. */
  readonly intensity: number;
  readonly leverage: number;
  /** Seconds from deciding to landing, drawn per transaction. */
  readonly latency: Distribution;
  /** The least priority fee it sends (gwei). */
  readonly priorityFee: number;
  /** Share of the profit it expects that it bids as priority fee, and the most it bids (gwei). */
  readonly bidShare: Distribution;
  readonly maxPriorityFee: number;
  /** Most vAMM notional it holds, as a multiple of its capital. */
  readonly maxInventory: Distribution;
  /**
   * Share of its capacity it commits on the gap alone. Beyond it, inventory ties up capital
   * that must earn `hurdleRate` in funding: a funding cap that keeps the rate below the hurdle
   * keeps that capital out, and the mark strays further (the tracking cost of a tight cap).
   */
  readonly freeInventory: number;
  /** Annual return the inventory beyond `freeInventory` must earn in funding (0.2 = 20 %/yr; 0 = none asked). */
  readonly hurdleRate: number;
  /** Its hedge venue (fees, spread, funding, margin, latency). */
  readonly hedge: HedgeParams;
}

const YEAR = 365 * 86400;

/** A look's empty submissions, one list for all (nothing appends to a wake's submissions). */
const NO_SUBMISSIONS: readonly Submission[] = [];

export class Arbitrageur extends AgentBase<{ readonly latency: number }> {
  override readonly kind = 'arbitrageur';
  /** It reads only its own account's rows. */
  readonly readsOthers = false;
  override readonly phase = 'trade' as const;
  readonly wakesOnChange = true;
  private readonly interval: number;
  private readonly minEdge: number;
  /** Its bid: the share of the profit it expects and the bounds (gwei), kept for every order. */
  private readonly bid: Bid;
  private readonly maxInventory: number;
  /** Its capital (collateral at the first look). */
  private capital = Number.NaN;
  /** What any of its looks promises (`QuietLook`): a look without a gap worth the minimum, or whose gap cannot pay the gas, does nothing. */
  private readonly quiet: QuietLook;
  /** Its market's pricing row, refilled at every look (no look keeps it past its end). */
  private readonly row: PricingRowBuffer = emptyPricingRow();

  constructor(
    ctx: AgentContext,
    private readonly a: ArbitrageurParams,
  ) {
    super(ctx, { latency: centre(a.latency) });
    // Its traits, drawn once from its own stream.
    this.interval = Math.max(1, Math.round(draw(ctx.rng, a.interval)));
    this.minEdge = Math.max(0, draw(ctx.rng, a.minEdge));
    this.bid = { share: Math.min(1, Math.max(0, draw(ctx.rng, a.bidShare))), min: a.priorityFee, max: a.maxPriorityFee };
    this.maxInventory = Math.max(0, draw(ctx.rng, a.maxInventory));
    this.quiet = { market: a.market, hedge: a.hedge, minEdge: this.minEdge, interval: this.interval, intensity: a.intensity, leastTip: Math.min(a.priorityFee, a.maxPriorityFee) };
  }

  override start(startTime: number): number {
    return startTime + 1 + this.ctx.rng.int(this.interval);
  }

  override wake(view: Observation, now: number): Wake {
    const { market } = this.a;
    const next = now + this.interval;
    // Its market's fields read by offset (a read by field name is a keyed lookup).
    const mo = view.marketOffset(market);
    if (!view.data[mo + M.open]) return { submissions: NO_SUBMISSIONS, next: null };
    if (Number.isNaN(this.capital)) this.capital = Math.max(view.account(this.ctx.index, 'collateral'), view.account(this.ctx.index, 'wallet'));
    const row = readPricingRow(view, market, this.row);
    const side: Side = (view.data[mo + M.spot] as number) < row.cex ? 'long' : 'short';
    // Most looks find no gap worth the minimum: then no room makes an order (gapQuote), and its own
    // rows go unread (unvalued). Every look past the first (which reads its capital) says so.
    const gap = gapQuote(row, side, this.a.hedge, this.minEdge);
    if (gap < MIN_ARBITRAGE_NOTIONAL) return { submissions: NO_SUBMISSIONS, next, quiet: this.quiet };
    const order = this.order(view, mo, row, side, gap);
    return { submissions: order ? [order] : NO_SUBMISSIONS, next, quiet: this.quiet };
  }

  /** The order it sends now when the gap alone is worth `gap` (at least the minimum), or null when it does not pay; `mo` is its market's offset in the view. */
  private order(view: Observation, mo: number, row: PricingRow, side: Side, gap: number): Submission | null {
    const { market } = this.a;
    const leverage = Math.min(this.a.leverage, (view.data[mo + M.maxLeverage] as number) * 0.9);
    // The quote with no room limit; its rows are valued only when bounds on them from its records
    // cannot show that its room is at least both of that quote's sizes (then it binds nothing).
    const free = quoteToLimit(row, side, gap, this.a.hedge, this.minEdge);
    const quote = this.roomClears(view, side, leverage, Math.max(gap, free.quote)) ? free : arbitrageQuote(row, side, this.room(view, side, ownRows(view, this.ctx.index, market, side, leverage)), this.a.hedge, this.minEdge);
    if (quote === null || quote.quote < MIN_ARBITRAGE_NOTIONAL) return null;
    return arbitrageOrder(view, row, market, side, quote.quote * this.a.intensity, leverage, this.a.hedge, this.minEdge, this.bid, this.ctx.rng, this.a.latency);
  }

  /** Whether its room, bounded from below on its records alone (agents/room-bound.ts), is at least `needed`: its valued rows then go unread. */
  private roomClears(view: Observation, side: Side, leverage: number, needed: number): boolean {
    const rows = boundedRows(view, this.ctx.index, this.a.market, side, leverage);
    return rows !== null && this.room(view, side, rows) >= needed;
  }

  /**
   * How much it may trade on `side` with `rows` (exact, or bounds that make this a lower bound):
   * reducing is free; adding is capped by capital, inventory, the hedge's margin and the hurdle.
   */
  private room(view: Observation, side: Side, rows: RoomRows): number {
    const hedgeCapital = this.a.hedge.capital > 0 ? this.a.hedge.capital : this.capital;
    const limit = Math.min(this.maxInventory * this.capital, (hedgeCapital * 0.8) / this.a.hedge.marginRatio);
    const room = inventoryRoom(view, this.ctx.index, this.a.market, side, rows, limit);
    return rows.adding && this.hurdleBinds(view, side) ? Math.min(room, freeShareRoom(rows, room, this.a.freeInventory)) : room;
  }

  /** Whether funding pays less than its hurdle on `side`: then it adds only up to its free inventory. */
  private hurdleBinds(view: Observation, side: Side): boolean {
    if (this.a.hurdleRate === 0) return false;
    const { market } = this.a;
    const rate = view.market(market, 'fundingRate') * (YEAR / view.market(market, 'fundingPeriod'));
    const earned = side === 'short' ? rate : -rate;
    return !(earned >= this.a.hurdleRate);
  }
}
