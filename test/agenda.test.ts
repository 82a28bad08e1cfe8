/**
 * The engine's agenda of pending actions (a heap of (time, item), ties in insertion order) pops
 * what a plain list says is due, earliest first, over random pushes and pops; a pop with
 * nothing due (most blocks) gives an empty list.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Agenda } from '../sim/engine/scheduler.ts';

type Op = { kind: 'push'; time: number } | { kind: 'pop'; time: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('push' as const), time: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pop' as const), time: fc.integer({ min: 0, max: 30 }) }) },
);

describe('agenda', () => {
  it('pops exactly the due items in (time, insertion order), like a list', () => {
    let empty = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
        const agenda = new Agenda<number>();
        const pending: Array<{ time: number; item: number }> = [];
        let next = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            agenda.push(o.time, next);
            pending.push({ time: o.time, item: next++ });
            continue;
          }
          const want = pending.filter((p) => p.time <= o.time).sort((a, b) => a.time - b.time || a.item - b.item);
          for (const p of want) pending.splice(pending.indexOf(p), 1);
          const got = agenda.popDue(o.time);
          expect(got).toEqual(want.map((p) => p.item));
          if (got.length === 0) empty++;
          expect(agenda.size).toBe(pending.length);
        }
      }),
      { numRuns: 500 },
    );
    // Not vacuous: pops with nothing due, and (ties at the head's time) pops that found some.
    expect(empty).toBeGreaterThan(100);
  });
});
