/**
 * A liquidator: scans every account's margin ratio (the exact one liquidation checks, for
 * accounts near maintenance) after every block that changed the state and on its own schedule,
 * and sends a liquidation for each one below maintenance whose reward beats its gas. The reward
 * is half the penalty on what the liquidation will close (the whole position when it is small
 * or deep under water, else the minimal close that restores maintenance); it bids a priority
 * fee that spends a share of that reward on gas: a first-price auction against the other
 * liquidators, where the highest bid lands first and the rest revert and pay for the gas they
 * burnt. An adaptive bidder raises its share after losing an auction and lowers it after
 * winning one, so competition bids the reward away. Through a private relay its transactions are
 * hidden from searchers and a loss costs nothing.
 *
 * Latency makes it late, `missProbability` makes it unreliable (a bot that is down, out of gas
 * or stuck on each wake with that chance), outages are scenario events, leaving it out of a
 * scenario makes it absent. Under `perp-v1` it may be a backstop LP (the only one allowed to
 * liquidate a position with bad debt).
 */
import { GAS_UNITS } from '../sim/engine/gas-process.ts';
import { type Observation, P } from '../sim/engine/observation.ts';
import type { AgentContext, QuietUnlessBelow, Submission, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';
import { gasUsd, priorityFeeFor } from './arbitrage-pricing.ts';
import { type Distribution, centre, draw } from './distribution.ts';

export interface LiquidatorParams {
  readonly interval: number;
  readonly maxPerWake: number;
  readonly backstop: boolean;
  /** Seconds from deciding to landing, drawn per transaction. */
  readonly latency: Distribution;
  /** The least priority fee it sends (gwei), and the most (by default none: its share of the reward decides). */
  readonly priorityFee: number;
  readonly maxPriorityFee: number;
  /** Share of the expected reward it spends on gas (its bid), drawn once. */
  readonly bidShare: Distribution;
  /** Whether it raises its bid after losing an auction and lowers it after winning. */
  readonly adaptive: boolean;
  /** Chance that a wake does nothing (keeper failure). */
  readonly missProbability: number;
  /** Sends through a private relay: hidden from searchers, and a reverted liquidation costs nothing. */
  readonly privateRelay: boolean;
  /** Liquidates whatever the reward, as a protocol's own keeper of last resort does (its gas paid by the protocol). */
  readonly subsidised: boolean;
}

/** Below this notional a position is closed whole (the default design's full-liquidation threshold). */
const FULL_BELOW = 500;

export class Liquidator extends AgentBase<{ readonly latency: number }> {
  override readonly kind = 'liquidator';
  override readonly phase = 'keeper' as const;
  /** Besides its schedule, it looks whenever the state changed in a block. */
  readonly wakesOnChange = true;
  /** Of other accounts it reads only those under maintenance (the rest it skips). */
  readonly readsOthers = 0;
  private share: number;
  /** Its balance when it last bid, and how many it bid on: did it win any since? */
  private balanceAtBid = Number.NaN;
  /** A look on an observation that says no account is below maintenance does nothing but wake again `interval` later. */
  private readonly quiet: QuietUnlessBelow;

  constructor(
    ctx: AgentContext,
    private readonly l: LiquidatorParams,
  ) {
    super(ctx, { latency: centre(l.latency) });
    this.share = Math.min(0.95, Math.max(0.01, draw(ctx.rng, l.bidShare)));
    this.quiet = { kind: 'unlessBelow', interval: l.interval };
  }

  override wake(view: Observation, now: number): Wake {
    const next = now + this.l.interval;
    // Drawn only when failures are on, so a reliable liquidator's stream is untouched.
    if (this.l.missProbability > 0 && this.ctx.rng.next() < this.l.missProbability) return { submissions: [], next };
    const balance = view.account(this.ctx.index, 'wallet') + view.account(this.ctx.index, 'collateral');
    if (this.l.adaptive && !Number.isNaN(this.balanceAtBid)) {
      // Won (a fee arrived) → bid a little less; lost → bid more.
      this.share = balance > this.balanceAtBid ? Math.max(0.05, this.share - 0.02) : Math.min(0.95, this.share + 0.1);
      this.balanceAtBid = Number.NaN;
    }
    const submissions = this.liquidations(view);
    if (submissions.length > 0) this.balanceAtBid = balance;
    return { submissions, next, quiet: this.keepsQuiet() ? this.quiet : undefined };
  }

  /**
   * Whether its next look, if no account is below maintenance, does nothing but ask to wake
   * `interval` later: it draws on a wake only when failures are on, and changes its bid share
   * on one only after a bid (the flag short-cuts its scan to no candidates).
   */
  private keepsQuiet(): boolean {
    return this.l.missProbability === 0 && (!this.l.adaptive || Number.isNaN(this.balanceAtBid));
  }

  private liquidations(view: Observation): Submission[] {
    const maintenance = view.header('maintenanceMarginRatio');
    const penalty = view.header('liquidationFeeRatio');
    const units = GAS_UNITS.liquidate as number;
    const candidates: Array<{ ratio: number; trader: string; market: string; reward: number }> = [];
    // The observation's writer saw no row below maintenance: the scan below would find nothing.
    if (view.header('noneBelowMaintenance') === 1) return [];
    for (const market of this.ctx.markets) {
      if (!view.market(market, 'open')) continue;
      // Every account's row, stepped through by offset (this scan runs on every block that changed the state).
      const first = view.positionOffset(0, market);
      for (let i = 0; i < view.layout.accounts.length; i++) {
        if (i === this.ctx.index) continue;
        const po = first + i * view.accountStride;
        const ratio = view.data[po + P.liquidationRatio] as number;
        if (Number.isNaN(ratio) || ratio >= maintenance) continue;
        const notional = view.data[po + P.notional] as number;
        const reward = (penalty / 2) * closedNotional(notional, ratio, maintenance, penalty);
        // Not worth it when the reward does not pay the gas at the least bid (unless the protocol pays).
        if (!this.l.subsidised && reward <= gasUsd(view, units, this.l.priorityFee)) continue;
        candidates.push({ ratio, trader: view.layout.accounts[i] as string, market, reward });
      }
    }
    // The best rewards first (the most under water pay the most).
    candidates.sort((a, b) => b.reward - a.reward || a.ratio - b.ratio || (a.trader < b.trader ? -1 : 1));
    return candidates.slice(0, this.l.maxPerWake).map((c) => ({
      action: { kind: 'liquidate', market: c.market, trader: c.trader },
      priorityFee: priorityFeeFor(view, units, c.reward, { share: this.share, min: this.l.priorityFee, max: this.l.maxPriorityFee }),
      latency: Math.max(0, draw(this.ctx.rng, this.l.latency)),
      ...(this.l.privateRelay ? { private: true } : {}),
    }));
  }
}

/**
 * What a liquidation will close: all of a small or deeply under-water position, else the least
 * share x that restores maintenance once the penalty is paid, (m − r)/(m − p), price impact aside.
 */
export function closedNotional(notional: number, ratio: number, maintenance: number, penalty: number): number {
  if (notional < FULL_BELOW || ratio <= penalty || maintenance <= penalty) return notional;
  return notional * Math.min(1, (maintenance - ratio) / (maintenance - penalty));
}
