/**
 * The treasury's desks look when their next look falls due, each then scheduling the next one
 * an interval later; the treasury skips a block before the earliest desk's next look without
 * visiting the desks (issue 15: desks look every minute, most blocks fall between two looks).
 * Over random desks (intervals, starts) and increasing block times, the desks that look at each
 * time are those a plain walk over every desk finds due.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { CollateralTreasury, DEFAULT_TRANSFER } from '../sim/engine/collateral-transfer.ts';
import type { HedgeVenue } from '../sim/engine/hedge-venue.ts';

const desk = fc.record({ interval: fc.integer({ min: 0, max: 40 }), start: fc.integer({ min: 0, max: 60 }) });

describe('treasury desks: when they look', () => {
  it('looks with exactly the desks due, as a walk over every desk', () => {
    fc.assert(
      fc.property(fc.array(desk, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 60 }), (desks, steps) => {
        const treasury = new CollateralTreasury();
        const agents = desks.map((_, k) => `arb${k}`);
        // Every desk's account holds a position (so a look reaches the venue); the venue records who asked, and has no standing (no decision).
        const ch = { j: { version: 0 }, accounts: new Map(agents.map((a) => [a, { positions: new Map([['ETH', { size: 1n }]]) }])) } as unknown as ClearingHouse;
        let asked: string[] = [];
        const venue = {
          standingInto: (agent: string) => {
            asked.push(agent);
            return false;
          },
        } as unknown as HedgeVenue;
        // The reference: each desk's next look.
        const next = new Map<string, number>();
        desks.forEach((d, k) => {
          treasury.add(agents[k] as string, 'ETH', { ...DEFAULT_TRANSFER, interval: d.interval }, d.start);
          if (d.interval > 0) next.set(agents[k] as string, d.start + d.interval);
        });
        let now = 0;
        for (const step of steps) {
          now += step;
          asked = [];
          expect(treasury.look(now, ch, venue)).toEqual([]);
          const due = [...next].filter(([, at]) => now >= at).map(([agent]) => agent);
          for (const agent of due) next.set(agent, now + (desks[agents.indexOf(agent)] as { interval: number }).interval);
          expect(asked).toEqual(due);
        }
      }),
      { numRuns: 300 },
    );
  });
});
