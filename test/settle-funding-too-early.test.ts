/**
 * The engine knows a settlement before its time reverts without calling the clearing house
 * (issue 15: keepers racing to settle meet it once per period, and the revert's stack trace was
 * nearly all its cost). Over random sequences (both profiles, trades, funding, k migrations left
 * pending by a small page size, shut-down markets, the clock a second either side of the next
 * funding time), `settleFundingTooEarly` holds exactly when `settleFunding` reverts with
 * SettleFundingTooEarly, which writes nothing; and the engine's outcome for a keeper's
 * settlement is then the one the call gave.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { executeAction, settleFundingTooEarly } from '../sim/engine/action-executor.ts';
import { jsonOf } from '../sim/engine/event-log.ts';
import { MARKETS, type RandomAction, applyMarketStep, applyRandomAction, randomActions, randomWorld, revertReasonUndone } from './helpers/random-actions.ts';

type Step = { kind: 'action'; action: RandomAction } | { kind: 'toFunding'; market: number; offset: number } | { kind: 'shutdown'; market: number } | { kind: 'page'; market: number };

const steps = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: randomActions('mixed').map((action): Step => ({ kind: 'action', action })) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('toFunding' as const), market: fc.integer({ min: 0, max: 1 }), offset: fc.integer({ min: -1, max: 1 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('shutdown' as const), market: fc.integer({ min: 0, max: 1 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('page' as const), market: fc.integer({ min: 0, max: 1 }) }) },
  ),
  { minLength: 5, maxLength: 40 },
);

function apply(ch: ClearingHouse, s: Step): void {
  if (s.kind === 'action') applyRandomAction(ch, s.action);
  else if (s.kind !== 'toFunding') applyMarketStep(ch, s);
  else {
    const next = ch.market(MARKETS[s.market] as string).nextFundingTime + s.offset;
    if (next > ch.clock.timestamp) {
      ch.clock.blockNumber += 1;
      ch.clock.timestamp = next;
    }
  }
}

describe('a settlement before its time', () => {
  for (const profile of ['default', 'perp-v1'] as const) {
    it(`is known without the call exactly when the call reverts with SettleFundingTooEarly (${profile})`, () => {
      const seen = { tooEarly: 0, settles: 0, other: 0 };
      fc.assert(
        fc.property(steps, (ss) => {
          const ch = randomWorld(profile);
          // Migrations remap one position per page: they stay pending across steps.
          (ch.params as { remapPageSize: number }).remapPageSize = 1;
          for (const s of ss) {
            apply(ch, s);
            for (const market of MARKETS) {
              const version = ch.j.version;
              const reason = revertReasonUndone(ch, () => ch.settleFunding(market));
              const known = settleFundingTooEarly(ch, market);
              expect(known, `${market} at ${ch.clock.timestamp}, next ${ch.market(market).nextFundingTime}: the call gave ${reason}`).toBe(reason === 'SettleFundingTooEarly');
              expect(ch.j.version).toBe(version);
              if (known) {
                seen.tooEarly++;
                const operations = ch.j.operations;
                const outcome = executeAction(ch, 'keeper', { kind: 'settleFunding', market });
                expect({ ...outcome, args: jsonOf(outcome.args) }).toEqual({ ok: false, reason: 'SettleFundingTooEarly', args: { market } });
                expect([ch.j.version, ch.j.operations]).toEqual([version, operations]);
              } else if (reason === null) seen.settles++;
              else seen.other++;
            }
          }
        }),
        { numRuns: 120 },
      );
      // Each side drawn: too early, due, and other reverts (closed, migrating, a stale index).
      expect(seen.tooEarly).toBeGreaterThan(200);
      expect(seen.settles).toBeGreaterThan(50);
      expect(seen.other).toBeGreaterThan(50);
    });
  }
});
