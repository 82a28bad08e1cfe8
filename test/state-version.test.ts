/**
 * The clearing house's `stateVersion`: the journal's version less the writes of oracle updates
 * kept as operations of their own (issue 15: the treasury desks keep their in-band verdict on it,
 * and an insurance path's oracle rounds and fast-price ticks moved the journal's version under
 * thousands of their looks). Over random operation sequences on both profiles, with Chainlink
 * rounds, fast-price ticks and oracle updates inside operations that revert: it never decreases,
 * every kept oracle update leaves it where it was, and wherever it takes a value it took before,
 * the state but for the oracles' prices is the one it named then.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { toWei } from '../sim/math/units.ts';
import { stateView } from '../sim/state-view.ts';
import { MARKETS, type RandomAction, applyRandomAction, randomActions, randomWorld } from './helpers/random-actions.ts';

type Step =
  | { kind: 'action'; action: RandomAction }
  /** A fast-price tick, alone or (`nested`) with a Chainlink round inside an operation that then reverts. */
  | { kind: 'fast' | 'nested'; market: number; price: number };

const steps = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: randomActions('mixed').map((action): Step => ({ kind: 'action', action })) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('fast' as const, 'nested' as const), market: fc.integer({ min: 0, max: 1 }), price: fc.integer({ min: 1000, max: 40000 }) }) },
  ),
  { minLength: 5, maxLength: 40 },
);

const UNDO = new Error('undo');

function apply(ch: ClearingHouse, s: Step): void {
  if (s.kind === 'action') {
    applyRandomAction(ch, s.action);
    return;
  }
  const id = MARKETS[s.market] as string;
  const tick = () => ch.setFastPrice(id, toWei(String(s.price)), toWei('1'));
  if (s.kind === 'fast') {
    tick();
    return;
  }
  try {
    ch.j.atomic(() => {
      tick();
      ch.pushOracleRound(id, toWei(String(s.price)));
      throw UNDO;
    });
  } catch (e) {
    if (e !== UNDO) throw e;
  }
}

/** The state but for what oracle updates write (the feeds' latest prices and rounds, the event list) and the clock. */
function nonOracleState(ch: ClearingHouse): string {
  const view = stateView(ch, { views: false }) as { block?: unknown; timestamp?: unknown; markets: Record<string, Record<string, unknown>> };
  delete view.block;
  delete view.timestamp;
  for (const m of Object.values(view.markets)) {
    delete m.indexPrice;
    delete m.indexRoundId;
    delete m.fastPrice;
  }
  return JSON.stringify(view);
}

describe('the state version', () => {
  for (const profile of ['default', 'perp-v1'] as const) {
    it(`names the state but for the oracles, and oracle updates do not move it (${profile})`, () => {
      const seen = { oracleKept: 0, repeated: 0, moved: 0 };
      fc.assert(
        fc.property(steps, (ss) => {
          const ch = randomWorld(profile);
          const named = new Map<number, string>([[ch.stateVersion, nonOracleState(ch)]]);
          for (const s of ss) {
            const before = ch.stateVersion;
            const journal = ch.j.version;
            apply(ch, s);
            const after = ch.stateVersion;
            expect(after).toBeGreaterThanOrEqual(before);
            const oracleOnly = s.kind === 'fast' || (s.kind === 'action' && s.action.kind === 'oracle');
            if (oracleOnly && ch.j.version !== journal) {
              seen.oracleKept++;
              expect(after).toBe(before);
            }
            const state = nonOracleState(ch);
            const then = named.get(after);
            if (then === undefined) {
              named.set(after, state);
              seen.moved++;
            } else {
              seen.repeated++;
              expect(state).toBe(then);
            }
          }
        }),
        { numRuns: 150 },
      );
      // Not vacuous: oracle updates kept, states named again, and states that moved it.
      expect(seen.oracleKept).toBeGreaterThan(300);
      expect(seen.repeated).toBeGreaterThan(600);
      expect(seen.moved).toBeGreaterThan(300);
    });
  }
});
