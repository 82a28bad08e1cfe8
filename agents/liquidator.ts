/**
 * A liquidator: scans every account's margin ratio (the exact one liquidation checks, for
 * accounts near maintenance) and liquidates what is under it, bidding a priority fee against
 * competitors. It looks after every block that changed the state and on its own schedule.
 * Latency makes it late, `missProbability` makes it unreliable (a bot that is down, out of gas
 * or stuck on each wake with that chance), leaving it out of a scenario makes it absent. Under `perp-v1` it may be a backstop LP (the only one allowed to
 * liquidate a position with bad debt).
 */
import type { Observation } from '../sim/engine/observation.ts';
import type { Submission, Wake } from './agent.ts';
import { AgentBase } from './agent-base.ts';

export interface LiquidatorParams {
  readonly interval: number;
  readonly maxPerWake: number;
  readonly backstop: boolean;
  readonly latency: number;
  readonly priorityFee: number;
  /** Chance that a wake does nothing (keeper failure). */
  readonly missProbability: number;
}

export class Liquidator extends AgentBase<LiquidatorParams> {
  override readonly kind = 'liquidator';
  override readonly phase = 'keeper' as const;
  /** Besides its schedule, it looks whenever the state changed in a block. */
  readonly wakesOnChange = true;

  override wake(view: Observation, now: number): Wake {
    // Drawn only when failures are on, so a reliable liquidator's stream is untouched.
    if (this.p.missProbability > 0 && this.ctx.rng.next() < this.p.missProbability) return { submissions: [], next: now + this.p.interval };
    const maintenance = view.header('maintenanceMarginRatio');
    const candidates: Array<{ ratio: number; trader: string; market: string }> = [];
    for (const market of this.ctx.markets) {
      if (!view.market(market, 'open')) continue;
      for (let i = 0; i < view.layout.accounts.length; i++) {
        if (i === this.ctx.index) continue;
        const ratio = view.position(i, market, 'liquidationRatio');
        if (!Number.isNaN(ratio) && ratio < maintenance) candidates.push({ ratio, trader: view.layout.accounts[i] as string, market });
      }
    }
    // Worst first: the most underwater positions are the most urgent (and pay the most).
    candidates.sort((a, b) => a.ratio - b.ratio || (a.trader < b.trader ? -1 : 1));
    const submissions: Submission[] = candidates
      .slice(0, this.p.maxPerWake)
      .map((c) => ({ action: { kind: 'liquidate', market: c.market, trader: c.trader }, priorityFee: this.p.priorityFee }));
    return { submissions, next: now + this.p.interval };
  }
}
