/**
 * Faults a scenario schedules, applied by the engine:
 *  - `sequencer-down`: an L2 sequencer stops; no block is made from `from` to `to`, prices go on
 *    moving, and everything that was due lands in the first block after (oracle updates first,
 *    then the backlog of transactions in the venue's order). For `grace` seconds after it, the
 *    protocol's sequencer sentinel refuses liquidations, as Chainlink's uptime feed is meant to
 *    be used (the contracts have no sentinel yet, so such a run cannot be replayed on them).
 *  - `agent-outage`: agents of a kind (or whose name starts with the given prefix) are down:
 *    they do not wake from `from` to `to` (what they already sent still lands).
 *  - `crash-outage`: the same, correlated with the market: each time the reference price has
 *    fallen by `fall` within `window` seconds, each matching agent goes down with `probability`
 *    for `duration` seconds (bots that crash, run out of gas or get rate-limited in a crash).
 *  - `oracle-delay`: updates of the fast feed, Chainlink or both published from `from` to `to`
 *    reach the chain `seconds` late (a stale fast price falls back to Chainlink after its
 *    max age); one overtaken by a fresher update is never delivered.
 *  - `fast-feed-manipulation`: the fast feed publishes the true price × (1 + deviation) from
 *    `from` to `to` (a compromised or lagging publisher); the hedge venues still trade at the
 *    true price.
 */
import { Rng, seedFrom } from '../../data/prng.ts';
import type { ChainlinkRound } from '../oracle/chainlink-feed.ts';
import type { FastTick } from './price-timeline.ts';

export type ScenarioEvent =
  | { readonly kind: 'sequencer-down'; readonly from: number; readonly to: number; readonly grace: number }
  | { readonly kind: 'agent-outage'; readonly agents: string; readonly from: number; readonly to: number }
  | { readonly kind: 'crash-outage'; readonly agents: string; readonly fall: number; readonly window: number; readonly probability: number; readonly duration: number }
  | { readonly kind: 'oracle-delay'; readonly feed: 'fast' | 'chainlink' | 'both'; readonly from: number; readonly to: number; readonly seconds: number }
  | { readonly kind: 'fast-feed-manipulation'; readonly from: number; readonly to: number; readonly deviation: number };

export interface AgentRef {
  readonly index: number;
  readonly id: string;
  readonly kind: string;
}

interface Window {
  readonly from: number;
  readonly to: number;
}

const matches = (pattern: string, a: AgentRef) => a.kind === pattern || a.id.startsWith(pattern);

export class ScenarioEvents {
  private readonly downtime: Array<Window & { readonly grace: number }>;
  /** Per agent index, the windows it is down. */
  private readonly outages = new Map<number, Window[]>();
  /** Crash episodes found on the price path (start times), for the report. */
  readonly crashes: number[] = [];

  constructor(
    readonly events: readonly ScenarioEvent[],
    agents: readonly AgentRef[],
    reference: readonly FastTick[],
    seed: number,
  ) {
    this.downtime = events.flatMap((e) => (e.kind === 'sequencer-down' ? [{ from: e.from, to: e.to, grace: e.grace }] : [])).sort((a, b) => a.from - b.from);
    events.forEach((e, n) => {
      if (e.kind === 'agent-outage') for (const a of agents) if (matches(e.agents, a)) this.addOutage(a.index, { from: e.from, to: e.to });
      if (e.kind === 'crash-outage') {
        const starts = crashStarts(reference, e.fall, e.window);
        this.crashes.push(...starts);
        starts.forEach((t, k) => {
          for (const a of agents) {
            if (!matches(e.agents, a)) continue;
            const rng = new Rng(seedFrom(`${seed}/outage/${n}/${k}/${a.id}`));
            if (rng.next() < e.probability) this.addOutage(a.index, { from: t, to: t + e.duration });
          }
        });
      }
    });
  }

  get hasGracePeriod(): boolean {
    return this.downtime.some((d) => d.grace > 0);
  }

  /** The first time at or after `t` a block can be made (the end of a downtime covering `t`). */
  nextLive(t: number): number {
    for (const d of this.downtime) if (t >= d.from && t < d.to) return d.to;
    return t;
  }

  /** Whether the sequencer sentinel refuses liquidations at `t` (inside a grace period). */
  inGracePeriod(t: number): boolean {
    return this.downtime.some((d) => t >= d.to && t < d.to + d.grace);
  }

  /** When agent `index` is back, if it is down at `t`; else null. */
  downUntil(index: number, t: number): number | null {
    // Asked for every agent a block wakes: most runs have no outage to look up.
    if (this.outages.size === 0) return null;
    const windows = this.outages.get(index);
    if (windows !== undefined) for (const w of windows) if (t >= w.from && t < w.to) return w.to;
    return null;
  }

  /** The fast-feed ticks as the chain receives them: manipulated, delayed, overtaken ones dropped. */
  fastTicks(ticks: readonly FastTick[]): readonly FastTick[] {
    // Without an event on the fast feed every tick arrives as published (a 1-minute month's 178,560 copies took 25-45 ms of its set-up).
    const onFeed = this.events.filter((e) => e.kind === 'fast-feed-manipulation' || (e.kind === 'oracle-delay' && e.feed !== 'chainlink'));
    if (onFeed.length === 0) return undelivered(ticks, (x) => x.time);
    const shifted = ticks.map((tick) => {
      let price = tick.price;
      let arrival = tick.time;
      for (const e of onFeed) {
        if (e.kind === 'fast-feed-manipulation' && tick.time >= e.from && tick.time < e.to) price = (price * BigInt(Math.round((1 + e.deviation) * 1e9))) / 1_000_000_000n;
        if (e.kind === 'oracle-delay' && e.feed !== 'chainlink' && tick.time >= e.from && tick.time < e.to) arrival += e.seconds;
      }
      return { time: arrival, publishTime: tick.publishTime ?? tick.time, price, confidence: tick.confidence };
    });
    return undelivered(shifted, (x) => x.time);
  }

  /** The Chainlink rounds as the chain receives them: a delayed round lands (and is stamped) late. */
  rounds(rounds: readonly ChainlinkRound[]): readonly ChainlinkRound[] {
    const shifted = rounds.map((r) => {
      let at = r.updatedAt;
      for (const e of this.events) if (e.kind === 'oracle-delay' && e.feed !== 'fast' && r.updatedAt >= e.from && r.updatedAt < e.to) at += e.seconds;
      return at === r.updatedAt ? r : { ...r, startedAt: at, updatedAt: at };
    });
    return undelivered(shifted, (x) => x.updatedAt);
  }

  private addOutage(index: number, w: Window): void {
    const list = this.outages.get(index) ?? [];
    list.push(w);
    this.outages.set(index, list);
  }
}

/**
 * Drops updates overtaken by a later one that arrives no later (they are never delivered).
 * Updates arriving in strictly increasing order overtake none: the list itself is returned (a
 * 1-minute month's 178,560 fast ticks were copied into a second list at every set-up).
 */
function undelivered<T>(xs: readonly T[], arrival: (x: T) => number): readonly T[] {
  let increasing = true;
  for (let i = 1; i < xs.length && increasing; i++) increasing = arrival(xs[i - 1] as T) < arrival(xs[i] as T);
  if (increasing) return xs;
  const keep: T[] = [];
  let earliestLater = Number.POSITIVE_INFINITY;
  for (let i = xs.length - 1; i >= 0; i--) {
    const x = xs[i] as T;
    if (arrival(x) < earliestLater) {
      keep.push(x);
      earliestLater = arrival(x);
    }
  }
  return keep.reverse();
}

/** Times the price has just fallen by `fall` from its high of the trailing `window` seconds (one per episode). */
export function crashStarts(ticks: readonly FastTick[], fall: number, window: number): number[] {
  const starts: number[] = [];
  const deque: number[] = []; // indices of a decreasing run of prices: the trailing max at the front
  let inCrash = false;
  for (let i = 0; i < ticks.length; i++) {
    const t = ticks[i] as FastTick;
    const price = Number(t.price);
    while (deque.length > 0 && Number((ticks[deque.at(-1) as number] as FastTick).price) <= price) deque.pop();
    deque.push(i);
    while ((ticks[deque[0] as number] as FastTick).time < t.time - window) deque.shift();
    const high = Number((ticks[deque[0] as number] as FastTick).price);
    const falling = price <= high * (1 - fall);
    if (falling && !inCrash) starts.push(t.time);
    inCrash = falling;
  }
  return starts;
}
