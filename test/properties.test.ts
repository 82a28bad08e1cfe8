/**
 * Property tests: random sequences of every operation (opens, closes, margin changes,
 * deposits, liquidations, clock and oracle moves, funding, k migrations, repegs) on both
 * profiles. After every step all invariants hold, and a reverted operation leaves the state
 * exactly as it was. fast-check shrinks a failure to a minimal sequence.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantChecker } from '../sim/invariants.ts';
import type { ProfileName } from '../sim/params.ts';
import { stateView } from '../sim/state-view.ts';
import { type ActionMix, applyRandomAction, describeAction, randomActions, randomWorld } from './helpers/random-actions.ts';

const RUNS = Number(process.env.VAMM_PROPERTY_RUNS ?? 1000);
const SEED = Number(process.env.VAMM_PROPERTY_SEED ?? 20261121);

function fingerprint(ch: ReturnType<typeof randomWorld>): string {
  return JSON.stringify(stateView(ch, { views: false })) + ch.events.length;
}

const MIXES: ReadonlyArray<readonly [ActionMix, number]> = [
  ['mixed', RUNS],
  ['liquidations', Math.ceil(RUNS / 2)],
];

for (const profile of ['default', 'perp-v1'] as ProfileName[]) {
  describe(`properties (${profile})`, () => {
    for (const [mix, runs] of MIXES) {
    it(`every invariant holds after every step of ${runs} random ${mix} sequences`, () => {
      let steps = 0;
      let reverts = 0;
      let liquidations = 0;
      fc.assert(
        fc.property(fc.array(randomActions(mix), { minLength: 1, maxLength: 60, size: 'medium' }), (actions) => {
          const ch = randomWorld(profile);
          const checker = new InvariantChecker(ch);
          expect(checker.check()).toEqual([]);
          for (const [i, action] of actions.entries()) {
            const before = fingerprint(ch);
            const eventsBefore = ch.events.length;
            const revert = applyRandomAction(ch, action);
            steps++;
            if (revert) {
              reverts++;
              expect(fingerprint(ch), `revert ${revert.reason} changed the state at step ${i}: ${describeAction(action)}`).toBe(before);
            }
            const events = ch.events.slice(eventsBefore);
            liquidations += events.filter((e) => e.type === 'PositionLiquidated').length;
            const violations = checker.check(events);
            expect(violations, `step ${i}: ${describeAction(action)}`).toEqual([]);
          }
        }),
        { numRuns: runs, seed: SEED },
      );
      // The sequences must exercise the model, not only bounce off reverts.
      expect(steps).toBeGreaterThan(runs * 10);
      expect(reverts).toBeLessThan(steps * 0.8);
      if (mix === 'liquidations') expect(liquidations).toBeGreaterThan(runs / 10);
    });
    }
  });
}
