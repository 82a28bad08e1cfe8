/**
 * The one small interface every agent implements: at its wake-up it observes a read-only
 * float view of the protocol and returns the actions it wants, plus when to wake next. Agents
 * own their randomness (a seeded stream each) and their memory; they never touch the model.
 */
import type { Rng } from '../data/prng.ts';
import type { HedgeParams } from '../sim/engine/hedge-venue.ts';
import type { Observation } from '../sim/engine/observation.ts';

export type Side = 'long' | 'short';

/**
 * A limit on an order, applied by the agent's router when the order lands (sim/engine/order-router.ts):
 * the order is cut to what keeps the mark inside the limit on the state it lands on.
 */
export interface OrderLimit {
  /** Worst mark price after the trade: a buy's ceiling, a sell's floor. */
  readonly price?: number;
  /** The same bound relative to the on-chain reference price when it lands: a buy keeps the mark ≤ ref·(1 + r), a sell ≥ ref·(1 + r). */
  readonly reference?: number;
  /** Smallest notional worth trading (USD); less and the router reverts. */
  readonly minNotional?: number;
  /** Least the trade must earn against the binding limit price (USD), e.g. its gas. */
  readonly minProfit?: number;
}

/** What an agent may ask for. Amounts are USD floats; the engine converts them to wei once. */
export type AgentAction =
  | { readonly kind: 'open'; readonly market: string; readonly side: Side; readonly margin: number; readonly leverage: number; readonly isolated?: boolean; readonly limit?: OrderLimit }
  | { readonly kind: 'close'; readonly market: string }
  | { readonly kind: 'liquidate'; readonly market: string; readonly trader: string }
  | { readonly kind: 'settleFunding'; readonly market: string }
  | { readonly kind: 'deposit' | 'withdraw'; readonly amount: number }
  | { readonly kind: 'addMargin' | 'removeMargin'; readonly market: string; readonly amount: number };

/** An action as submitted: with the agent's priority fee (gwei) for ordering in the block. */
export interface Submission {
  readonly action: AgentAction;
  readonly priorityFee: number;
  /** Seconds until it lands, when this one differs from the agent's usual latency (a latency distribution). */
  readonly latency?: number;
  /** Sent through a private relay: searchers do not see it in the mempool, and it costs nothing if it reverts. */
  readonly private?: boolean;
  /**
   * A searcher's bundle leg: placed right before or after a pending transaction of this block
   * (its mempool id), or at the top of the block, just after the oracle updates. A bundle
   * whose target is not in the block is dropped whole.
   */
  readonly bundle?: { readonly target: number | 'top'; readonly place: 'before' | 'after' };
}

/** A pending transaction as a searcher sees it in the public mempool: due in this block. */
export interface MempoolTx {
  readonly id: number;
  readonly agent: string;
  readonly kind: string;
  readonly action: AgentAction;
  readonly priorityFee: number;
}

export interface Wake {
  readonly submissions: readonly Submission[];
  /** Next wake-up (unix seconds), or null to sleep until the end. */
  readonly next: number | null;
  /** Set by a look that can say when its next looks would do nothing (`LookPromise`). */
  readonly quiet?: LookPromise;
}

/**
 * What a look may promise about the agent's next looks, kept by the engine until its next look
 * (sim/engine/quiet-looks.ts): an arbitrageur's, a liquidator's or a funding keeper's.
 */
export type LookPromise = QuietLook | QuietUnlessBelow | QuietUntilDue;

/**
 * An arbitrageur's promise about its looks: while `market` is open, a look whose observation
 * puts the gap (`gapQuoteAt` with this hedge and minimum edge, on the market's reserves, fee and
 * CEX price) under the minimum notional on both sides submits nothing, draws no random number,
 * changes nothing in the agent and asks to wake `interval` seconds later, whatever else the
 * observation holds. So does a look where, on each side, the gap is under the minimum or the
 * most any order it could send on that gap may earn is under an open's gas at its least tip, the
 * block's base fee and ETH price (`gasRefusedEitherSide`, with `intensity` and `leastTip`). The
 * engine may then take that answer without writing an observation or waking the agent
 * (sim/engine/quiet-looks.ts); a look that does not give it withdraws it.
 */
export interface QuietLook {
  readonly market: string;
  readonly hedge: HedgeParams;
  readonly minEdge: number;
  readonly interval: number;
  /** The share of the way to its limit it trades (at most 1). */
  readonly intensity: number;
  /** The least priority fee any order of its bids (gwei). */
  readonly leastTip: number;
}

/**
 * A liquidator's promise about its looks: a look whose observation says that no account's row
 * is below maintenance (the header's `noneBelowMaintenance` is 1) submits nothing, draws no
 * random number, changes nothing in the agent and asks to wake `interval` seconds later. The
 * engine may take that answer when the observation's own screen finds no account below
 * maintenance (observe.ts `screenNoneBelow`), without writing the rest of the observation or
 * waking the agent.
 */
export interface QuietUnlessBelow {
  readonly kind: 'unlessBelow';
  readonly interval: number;
}

/**
 * A funding keeper's promise: while `market` is open, a look before its next funding time plus
 * `delay` submits nothing, draws no random number, changes nothing in the agent and asks to
 * wake at that time.
 */
export interface QuietUntilDue {
  readonly kind: 'untilDue';
  readonly market: string;
  readonly delay: number;
}

/**
 * When in a block an agent acts: `trade` before the block's transactions, `keeper` after them
 * (funding, liquidations), `searcher` once the block's transactions are known, to place bundles
 * around them.
 */
export type AgentPhase = 'trade' | 'keeper' | 'searcher';

export interface AgentContext {
  readonly id: string;
  /** Index of the agent's account in the observation. */
  readonly index: number;
  readonly rng: Rng;
  readonly markets: readonly string[];
  readonly blockTime: number;
}

export interface Agent {
  readonly id: string;
  readonly kind: string;
  readonly phase: AgentPhase;
  /** Seconds between deciding and the action landing on chain. */
  readonly latency: number;
  /**
   * Also wake when the state changed: a keeper in the block where it changed, a trader in the
   * block after a trade and in any block where the oracle or fast feed moved.
   */
  readonly wakesOnChange?: boolean;
  /**
   * Which other accounts' rows of the observation it reads: none (`false`), or only those whose
   * margin ratio is at most this far above maintenance (a liquidator: 0, it skips the rest).
   * Unset: any account's, so the engine values every account exactly before it wakes; otherwise
   * rows provably far from every reader's level may be left as valued at an earlier block.
   */
  readonly readsOthers?: false | number;
  /**
   * Shown the mempool (a searcher): of other accounts it reads only the targets of liquidations
   * pending there, so a block whose mempool holds none need value only its own rows for it.
   */
  readonly readsOthersOnlyForPendingLiquidations?: boolean;
  /** First wake-up at or after the start time. */
  start(startTime: number): number | null;
  /** `mempool`: for searchers, the public transactions due in this block. */
  wake(view: Observation, now: number, mempool?: readonly MempoolTx[]): Wake;
}

/** Exponential waiting time (Poisson arrivals) with the given mean, in whole seconds ≥ 1. */
export function exponentialWait(rng: Rng, meanSeconds: number): number {
  return Math.max(1, Math.round(-Math.log(1 - rng.next()) * meanSeconds));
}
