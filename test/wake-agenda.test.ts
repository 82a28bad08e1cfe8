/**
 * The agents' wake-ups (one per agent, replaced on reschedule, the earliest kept) pop what a
 * plain list of each agent's latest wake-up says is due, in index order, and say the earliest
 * pending one, over random schedules, reschedules (earlier and later), removals and pops. It
 * fails when the agents scanned (those that ever had a wake-up) are not kept in index order, or
 * one is left out, or a pop's count starts from the last pop's (each checked).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WakeAgenda } from '../sim/engine/wake-agenda.ts';

type Op = { kind: 'set'; agent: number; time: number } | { kind: 'remove'; agent: number } | { kind: 'pop'; time: number };

const AGENTS = 12;
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), agent: fc.integer({ min: 0, max: AGENTS - 1 }), time: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), agent: fc.integer({ min: 0, max: AGENTS - 1 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pop' as const), time: fc.integer({ min: 0, max: 40 }) }) },
);

describe('wake agenda', () => {
  it('pops exactly the due agents in index order, like a list of latest wake-ups', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const agenda = new WakeAgenda(AGENTS);
        // The reference: each agent's latest wake-up.
        const pending = new Map<number, { time: number }>();
        for (const o of ops) {
          if (o.kind === 'set') {
            agenda.set(o.agent, o.time);
            pending.set(o.agent, { time: o.time });
          } else if (o.kind === 'remove') {
            agenda.remove(o.agent);
            pending.delete(o.agent);
          } else {
            const want = [...pending]
              .filter(([, p]) => p.time <= o.time)
              .map(([agent]) => agent)
              .sort((a, b) => a - b);
            for (const agent of want) pending.delete(agent);
            // Each pop's own agents, whatever an earlier pop left in the buffer past its count.
            const n = agenda.popDue(o.time);
            expect([...agenda.popped.subarray(0, n)]).toEqual(want);
          }
          const earliest = Math.min(...[...pending.values()].map((p) => p.time));
          expect(agenda.peekTime()).toBe(earliest);
        }
      }),
      { numRuns: 500 },
    );
  });
});
