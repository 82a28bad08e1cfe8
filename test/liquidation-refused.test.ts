/**
 * The engine knows a liquidation bid reverts MarginRatioNotMet without calling the clearing
 * house (issue 15: liquidators racing for one position meet it hundreds of times an insurance
 * path, once the first bid has taken the position back above maintenance). Over random
 * sequences (both profiles, trades, oracle moves, funding, liquidations, k migrations left
 * pending by a small page size, lazy ones, shut-down markets), `liquidationRefused` holds exactly when
 * `liquidate` reverts with MarginRatioNotMet, which writes nothing, except where a lazy remap is
 * pending (the call writes it first: the engine makes the call); and the engine's outcome for a
 * liquidator's bid is then the one the call gave, without the call.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { executeAction } from '../sim/engine/action-executor.ts';
import { jsonOf } from '../sim/engine/event-log.ts';
import { isModelError } from '../sim/errors.ts';
import { toWei } from '../sim/math/units.ts';
import { LIQUIDATOR, MARKETS, type MarketStep, type RandomAction, TRADERS, applyMarketStep, applyRandomAction, randomActions, randomWorld, revertReasonUndone } from './helpers/random-actions.ts';

type Step = { kind: 'action'; action: RandomAction } | MarketStep;

const steps = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: randomActions('mixed').map((action): Step => ({ kind: 'action', action })) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('shutdown' as const), market: fc.integer({ min: 0, max: 1 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('page' as const), market: fc.integer({ min: 0, max: 1 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('lazy' as const, 'paged' as const), market: fc.integer({ min: 0, max: 1 }), multiplierPercent: fc.integer({ min: 50, max: 300 }) }) },
  ),
  { minLength: 5, maxLength: 40 },
);

function apply(ch: ClearingHouse, s: Step): void {
  if (s.kind === 'action') applyRandomAction(ch, s.action);
  else applyMarketStep(ch, s);
}

/** Whether `trader`'s position in `market` waits for a lazy remap (which `liquidate` writes before its check). */
function remapPending(ch: ClearingHouse, trader: string, market: string): boolean {
  const m = ch.market(market);
  const pos = ch.accounts.get(trader)?.positions.get(market);
  return m.lastRemap === 'lazy' && pos !== undefined && pos.liquidityHistoryIndex !== m.vamm.liquidityHistoryIndex;
}

/** The position's liquidation ratio and a wei above it (none where it cannot be valued). */
function ownRatio(ch: ClearingHouse, trader: string, market: string): bigint[] {
  try {
    const r = ch.liquidationMarginRatio(trader, market);
    return [r, r + 1n];
  } catch (e) {
    if (isModelError(e)) return [];
    throw e;
  }
}

type Seen = { refused: number; liquidates: number; other: number; remap: number };

/** `liquidationRefused` against the call's outcome (undone), and the engine's outcome where it is refused. */
function check(ch: ClearingHouse, trader: string, market: string, seen: Seen): void {
  const version = ch.j.version;
  const reason = revertReasonUndone(ch, () => ch.liquidate(LIQUIDATOR, trader, market));
  const known = ch.liquidationRefused(trader, market);
  expect(ch.j.version).toBe(version);
  if (remapPending(ch, trader, market)) {
    expect(known).toBe(false);
    seen.remap++;
    return;
  }
  expect(known, `${trader} in ${market}: the call gave ${reason}`).toBe(reason === 'MarginRatioNotMet');
  if (known) {
    seen.refused++;
    const operations = ch.j.operations;
    const events = ch.events.length;
    const outcome = executeAction(ch, LIQUIDATOR, { kind: 'liquidate', trader, market });
    expect({ ...outcome, args: jsonOf(outcome.args) }).toEqual({ ok: false, reason: 'MarginRatioNotMet', args: { liquidator: LIQUIDATOR, trader, market } });
    expect([ch.j.version, ch.j.operations, ch.events.length]).toEqual([version, operations, events]);
  } else if (reason === null) seen.liquidates++;
  else seen.other++;
}

describe('a liquidation bid above maintenance', () => {
  for (const profile of ['default', 'perp-v1'] as const) {
    it(`is known without the call exactly when the call reverts with MarginRatioNotMet (${profile})`, () => {
      const seen: Seen = { refused: 0, liquidates: 0, other: 0, remap: 0 };
      fc.assert(
        fc.property(steps, (ss) => {
          const ch = randomWorld(profile);
          const params = ch.params as { remapPageSize: number; maintenanceMarginRatio: bigint };
          params.remapPageSize = 1;
          const maintenance = params.maintenanceMarginRatio;
          for (const s of ss) {
            apply(ch, s);
            for (const trader of TRADERS) {
              for (const market of MARKETS) {
                // At the world's maintenance ratio, and with it moved onto the position's own ratio and a wei above: each side of the check.
                try {
                  for (const level of [maintenance, ...ownRatio(ch, trader, market)]) {
                    params.maintenanceMarginRatio = level;
                    check(ch, trader, market, seen);
                  }
                } finally {
                  params.maintenanceMarginRatio = maintenance;
                }
              }
            }
          }
        }),
        { numRuns: 60 },
      );
      // Each side drawn: refused, liquidated, other reverts (no position, closed, migrating), a lazy remap pending.
      expect(seen.refused).toBeGreaterThan(300);
      expect(seen.liquidates).toBeGreaterThan(100);
      expect(seen.other).toBeGreaterThan(1000);
      expect(seen.remap).toBeGreaterThan(100);
    });
  }

  it('is refused at a ratio equal to maintenance and taken just below it, without the call when refused', () => {
    const ch = randomWorld('default');
    ch.openPosition({ trader: 'alice', market: 'ETH', side: 'long', margin: toWei('1000'), leverage: toWei('8') });
    const ratio = ch.liquidationMarginRatio('alice', 'ETH');
    const params = ch.params as { maintenanceMarginRatio: bigint };
    const call = vi.spyOn(ch, 'liquidate');
    params.maintenanceMarginRatio = ratio;
    expect(revertReasonUndone(ch, () => ch.liquidate(LIQUIDATOR, 'alice', 'ETH'))).toBe('MarginRatioNotMet');
    expect(ch.liquidationRefused('alice', 'ETH')).toBe(true);
    call.mockClear();
    expect(executeAction(ch, LIQUIDATOR, { kind: 'liquidate', trader: 'alice', market: 'ETH' }).reason).toBe('MarginRatioNotMet');
    expect(call).not.toHaveBeenCalled();
    params.maintenanceMarginRatio = ratio + 1n;
    expect(ch.liquidationRefused('alice', 'ETH')).toBe(false);
    expect(executeAction(ch, LIQUIDATOR, { kind: 'liquidate', trader: 'alice', market: 'ETH' }).ok).toBe(true);
    expect(call).toHaveBeenCalledTimes(1);
  });
});
