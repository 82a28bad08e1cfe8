/**
 * The journal's write log (dirty tracking for the engine's per-block passes): over random
 * operation sequences on both profiles (trades, margin, liquidations, funding, k changes,
 * reverts), every account whose wallet balance, collateral or position records changed
 * between two reads of the log is named in it, by the ledger's map and holder, the accounts
 * map and owner, or the account object or its position map. A reader that skips accounts the
 * log does not name then skips only accounts that did not change.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { WriteLog } from '../sim/journal.ts';
import { LIQUIDATOR, MARKETS, TRADERS, applyRandomAction, randomActions, randomWorld } from './helpers/random-actions.ts';

const OWNERS = [...TRADERS, LIQUIDATOR];

/** Each owner's inputs, by identity: wallet balance, collateral, and each market's position record. */
function inputsOf(ch: ClearingHouse, owner: string): unknown[] {
  const account = ch.accounts.get(owner);
  return [ch.ledger.balanceOf(owner), account?.collateral ?? 0n, ...MARKETS.map((m) => account?.positions.get(m))];
}

/** The owners the log names. */
function named(ch: ClearingHouse, log: WriteLog): Set<string> {
  const out = new Set<string>();
  for (let k = 0; k < log.length; k += 2) {
    const target = log.entries[k];
    const key = log.entries[k + 1];
    if (target === ch.ledger.balances || target === ch.accounts) out.add(key as string);
    for (const owner of OWNERS) {
      const account = ch.accounts.get(owner);
      if (account && (target === account || target === account.positions)) out.add(owner);
    }
  }
  return out;
}

describe('journal write log', () => {
  for (const profile of ['default', 'perp-v1'] as const) {
    it(`names every account whose inputs changed (${profile})`, () => {
      let changes = 0;
      let unchanged = 0;
      fc.assert(
        fc.property(fc.array(randomActions('liquidations'), { minLength: 5, maxLength: 40 }), (actions) => {
          const ch = randomWorld(profile);
          const log = ch.j.writeLog();
          for (const action of actions) {
            const before = OWNERS.map((o) => inputsOf(ch, o));
            applyRandomAction(ch, action);
            expect(log.overflowed).toBe(false);
            const names = named(ch, log);
            OWNERS.forEach((owner, k) => {
              const after = inputsOf(ch, owner);
              const changed = after.some((x, f) => x !== (before[k] as unknown[])[f]);
              if (changed) {
                changes++;
                expect(names.has(owner), `${owner} changed after ${JSON.stringify(action)} but the log does not name it`).toBe(true);
              } else if (!names.has(owner)) unchanged++;
            });
            log.clear();
          }
        }),
        { numRuns: 150 },
      );
      // Not vacuous: accounts changed, and others were left unnamed (the log is selective).
      expect(changes).toBeGreaterThan(100);
      expect(unchanged).toBeGreaterThan(100);
    });
  }

  it('stops recording past its limit and says so', () => {
    const log = new WriteLog();
    for (let k = 0; k < WriteLog.LIMIT; k++) log.add(log, k);
    expect(log.overflowed).toBe(true);
    expect(log.length).toBe(WriteLog.LIMIT);
    log.clear();
    expect(log.overflowed).toBe(false);
    expect(log.length).toBe(0);
    // Written over from the start after a clear: only what was written since is in the log.
    log.add(log, 'again');
    expect(log.length).toBe(2);
    expect(log.entries.slice(0, log.length)).toEqual([log, 'again']);
  });
});
