/**
 * The order of a block's transactions. The venue decides the base order: by priority fee (L1
 * and OP-stack sequencers: the highest bid first) or first come, first served (Arbitrum's
 * sequencer: the earliest arrival first), equal keys broken by a seeded per-block draw. Where
 * fees order the block, searchers' bundles are placed around their targets, as a block builder
 * does: the legs bid to go right before or right after a pending transaction, or at the top of
 * the block (just after its oracle updates), and a bundle whose target is not in the block is
 * dropped whole. A first-come sequencer has no builder: bundle legs are transactions like any
 * other, in order of arrival.
 */
import { splitmix32 } from '../../data/prng.ts';
import type { GasOrdering } from './gas-process.ts';

export interface Ordered {
  /** The pending transaction's id (unique in the run). */
  readonly id: number;
  readonly agent: number;
  readonly priorityFee: number;
  /** When it reached the sequencer (decision time + latency, fractional seconds). */
  readonly arrival: number;
  /** Submission order within the agent's wake. */
  readonly seq: number;
  readonly bundle?: { readonly target: number | 'top'; readonly place: 'before' | 'after' };
}

export function orderBlock<T extends Ordered>(due: readonly T[], ordering: GasOrdering, seed: number, block: number): T[] {
  const builder = ordering === 'priority-fee';
  // One transaction that is no bundle leg (most blocks that have any): nothing to order.
  if (due.length === 1 && (!builder || (due[0] as T).bundle === undefined)) return [due[0] as T];
  const order = builder ? due.filter((p) => p.bundle === undefined) : due.slice();
  const legs = builder ? due.filter((p) => p.bundle !== undefined) : [];
  sortBlock(
    order,
    order.map((p) => tieBreak(seed, block, p.agent)),
    builder,
  );
  if (legs.length === 0) return order;
  // Legs by bid: around the same target the highest bidder's go first.
  const byBid = [...legs].sort((a, b) => b.priorityFee - a.priorityFee || a.agent - b.agent || a.seq - b.seq);
  const top = byBid.filter((l) => l.bundle?.target === 'top');
  const out: T[] = [...top];
  for (const p of order) {
    out.push(...byBid.filter((l) => l.bundle?.target === p.id && l.bundle.place === 'before'));
    out.push(p);
    out.push(...byBid.filter((l) => l.bundle?.target === p.id && l.bundle.place === 'after'));
  }
  return out;
}

/**
 * Sorts a block's transactions in place by the venue's key (the highest bid first, or the
 * earliest arrival), then the tie-break draw (`ties`, moved alongside), agent and submission
 * order: an insertion sort, stable as `Array.prototype.sort` (a block holds a few transactions,
 * and the built-in's calls to a comparator cost more than the sort).
 */
function sortBlock<T extends Ordered>(order: T[], ties: number[], byFee: boolean): void {
  for (let i = 1; i < order.length; i++) {
    const p = order[i] as T;
    const tie = ties[i] as number;
    let j = i - 1;
    for (; j >= 0 && after(order[j] as T, ties[j] as number, p, tie, byFee); j--) {
      order[j + 1] = order[j] as T;
      ties[j + 1] = ties[j] as number;
    }
    order[j + 1] = p;
    ties[j + 1] = tie;
  }
}

/** Whether `a` (with its tie-break draw) goes after `b` in the block. */
function after(a: Ordered, aTie: number, b: Ordered, bTie: number, byFee: boolean): boolean {
  return ((byFee ? b.priorityFee - a.priorityFee : a.arrival - b.arrival) || aTie - bTie || a.agent - b.agent || a.seq - b.seq) > 0;
}

/** A deterministic per-block, per-agent order for equal keys. */
export function tieBreak(seed: number, block: number, agent: number): number {
  return splitmix32((seed ^ Math.imul(block, 0x9e3779b1) ^ Math.imul(agent + 1, 0x85ebca6b)) >>> 0)();
}
