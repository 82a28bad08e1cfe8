/**
 * In-block order: the venue's rule (highest priority fee first, or first come first served),
 * searchers' bundles placed right before or after their target or at the top of the block, and
 * a bundle whose target is not in the block dropped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Ordered, orderBlock, tieBreak } from '../sim/engine/block-order.ts';

const tx = (id: number, agent: number, priorityFee: number, arrival: number, bundle?: Ordered['bundle']): Ordered => ({ id, agent, priorityFee, arrival, seq: 0, ...(bundle ? { bundle } : {}) });

describe('block order', () => {
  it('puts the highest bid first under priority-fee ordering, the earliest arrival first under first-come', () => {
    const due = [tx(1, 0, 1, 105), tx(2, 1, 50, 110), tx(3, 2, 5, 101)];
    expect(orderBlock(due, 'priority-fee', 1, 100).map((p) => p.id)).toEqual([2, 3, 1]);
    expect(orderBlock(due, 'first-come', 1, 100).map((p) => p.id)).toEqual([3, 1, 2]);
  });

  it('breaks ties with a seeded per-block draw: the same for the same seed and block, different across blocks', () => {
    const due = Array.from({ length: 8 }, (_, i) => tx(i, i, 1, 100));
    const a = orderBlock(due, 'priority-fee', 7, 1000).map((p) => p.id);
    expect(orderBlock(due, 'priority-fee', 7, 1000).map((p) => p.id)).toEqual(a);
    const others = [1001, 1002, 1003].map((b) => orderBlock(due, 'priority-fee', 7, b).map((p) => p.id).join());
    expect(others.some((o) => o !== a.join())).toBe(true);
  });

  it('places bundle legs around their target, higher bids first, the top-of-block legs at the top; drops a bundle whose target is elsewhere', () => {
    const due = [
      tx(1, 0, 10, 100),
      tx(2, 1, 20, 100),
      tx(10, 5, 3, 100, { target: 1, place: 'before' }),
      tx(11, 5, 3, 100, { target: 1, place: 'after' }),
      tx(12, 6, 9, 100, { target: 1, place: 'before' }),
      tx(13, 7, 1, 100, { target: 'top', place: 'after' }),
      tx(14, 8, 99, 100, { target: 42, place: 'before' }),
    ];
    // 2 outbids 1; the searchers' legs sit beside 1 whatever they bid, 12 (9 gwei) before 10 (3 gwei).
    expect(orderBlock(due, 'priority-fee', 1, 100).map((p) => p.id)).toEqual([13, 2, 12, 10, 1, 11]);
  });

  it('has no builder under first-come: bundle legs are ordinary transactions, by arrival', () => {
    const due = [tx(1, 0, 10, 101), tx(10, 5, 99, 103, { target: 1, place: 'before' }), tx(11, 5, 99, 102, { target: 'top', place: 'after' })];
    expect(orderBlock(due, 'first-come', 1, 100).map((p) => p.id)).toEqual([1, 11, 10]);
  });

  it('orders plain transactions as the built-in stable sort on the venue key, the tie-break, agent and submission order does', () => {
    // The order before the in-place insertion sort: `Array.prototype.sort` on keyed copies.
    const reference = (due: readonly Ordered[], byFee: boolean, seed: number, block: number) =>
      due
        .map((p) => ({ p, tie: tieBreak(seed, block, p.agent) }))
        .sort((a, b) => (byFee ? b.p.priorityFee - a.p.priorityFee : a.p.arrival - b.p.arrival) || a.tie - b.tie || a.p.agent - b.p.agent || a.p.seq - b.p.seq)
        .map((k) => k.p.id);
    // Few distinct fees, arrivals, agents and seqs: ties at every level, and equal keys whose input order only a stable sort keeps.
    const block = fc.array(fc.record({ agent: fc.nat({ max: 4 }), priorityFee: fc.constantFrom(0, 1, 2.5), arrival: fc.constantFrom(100, 100.5, 101), seq: fc.nat({ max: 1 }) }), { maxLength: 12 });
    fc.assert(
      fc.property(block, fc.nat(), fc.nat({ max: 1_000_000 }), (txs, seed, number) => {
        const due = txs.map((t, id) => ({ id, ...t }));
        expect(orderBlock(due, 'priority-fee', seed, number).map((p) => p.id)).toEqual(reference(due, true, seed, number));
        expect(orderBlock(due, 'first-come', seed, number).map((p) => p.id)).toEqual(reference(due, false, seed, number));
      }),
      { numRuns: 2000 },
    );
  });
});
