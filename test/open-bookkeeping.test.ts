/**
 * An open's bookkeeping without repeated work (docs/PERFORMANCE.md: the month's opens, fifteenth
 * session): the cross check after a trade builds the margin group from the account it holds in
 * one pass, and a position record replaced on its side moves that side's open-notional book in
 * one write. Over random books, each against the rule it replaced.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { toWei } from '../sim/math/units.ts';
import type { Account } from '../sim/position.ts';
import { MARKETS, TRADERS, applyRandomAction, randomActions, randomWorld, withCarryOwed } from './helpers/random-actions.ts';
import { outcome } from './helpers/twap-history.ts';

interface Internals {
  requireCrossHealthy(account: Account, exposureGrew: boolean): void;
}

/** The check as it was: the margin ratio, looked up by name, of the market of the account's first open cross position. */
function checkByName(ch: ClearingHouse, account: Account, grew: boolean): string {
  const first = [...account.positions].find(([, p]) => !p.isolated && p.size !== 0n)?.[0];
  if (first === undefined) return account.collateral >= 0n ? 'ok' : 'BadDebt';
  const ratio = outcome(() => ch.marginRatio(account.owner, first, grew ? 'min' : 'max'));
  if (typeof ratio === 'string') return ratio;
  return ratio >= (grew ? ch.params.initMarginRatio : ch.params.maintenanceMarginRatio) ? 'ok' : 'MarginRatioNotMet';
}

function checkHeld(ch: ClearingHouse, account: Account, grew: boolean): string {
  const r = outcome(() => (ch as unknown as Internals).requireCrossHealthy(account, grew));
  return typeof r === 'string' ? r : 'ok';
}

/** Each market's open-notional books against its positions' open notional, by side. */
function booksMatch(ch: ClearingHouse): boolean {
  for (const m of ch.markets.values()) {
    let long = 0n;
    let short = 0n;
    for (const a of ch.accounts.values()) {
      const p = a.positions.get(m.id);
      if (p === undefined) continue;
      if (p.size > 0n) long += p.openNotional;
      else if (p.size < 0n) short += p.openNotional;
    }
    if (long !== m.openNotionalLong || short !== m.openNotionalShort) return false;
  }
  return true;
}

describe('the cross check after a trade, from the account held', () => {
  it('decides as the margin ratio by name, both ways, reverts included', () => {
    const tally = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.array(randomActions('mixed'), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 20, max: 300 }),
        fc.integer({ min: -400, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 4000 }),
        fc.boolean(),
        (actions, maintenancePermille, fundingUsd, lossPermille, debtUsd, pending) => {
          const ch = randomWorld('default');
          // Ratios that put books on both sides of each threshold.
          (ch.params as { maintenanceMarginRatio: bigint }).maintenanceMarginRatio = BigInt(maintenancePermille) * 10n ** 15n;
          (ch.params as { initMarginRatio: bigint }).initMarginRatio = BigInt(maintenancePermille + 50) * 10n ** 15n;
          for (const action of actions) {
            applyRandomAction(ch, action);
            // Funding and socialised loss owed on every position, collateral taken away (flat accounts in
            // debt) and, now and then, BTC's positions not yet remapped by a pending migration, while comparing.
            const btc = ch.market('BTC') as { migration: unknown; vamm: { liquidityHistoryIndex: number } };
            const migration = btc.migration;
            if (pending && migration === null) btc.migration = { newIndex: btc.vamm.liquidityHistoryIndex + 1 };
            withCarryOwed(ch, fundingUsd, lossPermille, () => {
              for (const account of ch.accounts.values()) {
                for (const debt of [0n, toWei(debtUsd)]) {
                  account.collateral -= debt;
                  for (const grew of [true, false]) {
                    const held = checkHeld(ch, account, grew);
                    expect(held, `${account.owner} grew=${grew}`).toBe(checkByName(ch, account, grew));
                    tally.set(held, (tally.get(held) ?? 0) + 1);
                  }
                  account.collateral += debt;
                }
              }
            });
            btc.migration = migration;
          }
        },
      ),
      { numRuns: 80 },
    );
    // Each answer met often enough to mean something.
    for (const answer of ['ok', 'MarginRatioNotMet', 'BadDebt', 'MigrationPending']) expect(tally.get(answer) ?? 0, answer).toBeGreaterThan(20);
  });
});

describe('the open-notional books, one write per record replaced on its side', () => {
  it('sum the positions by side after every operation, under both profiles', () => {
    fc.assert(
      fc.property(fc.array(randomActions('mixed'), { minLength: 1, maxLength: 40 }), fc.constantFrom('default' as const, 'perp-v1' as const), (actions, profile) => {
        const ch = randomWorld(profile);
        for (const action of actions) {
          applyRandomAction(ch, action);
          expect(booksMatch(ch)).toBe(true);
        }
      }),
      { numRuns: 120 },
    );
  });

  it('writes a side once when a position grows or shrinks on it, and both sides when it flips', () => {
    const ch = randomWorld('default');
    const m = ch.market(MARKETS[0]);
    const trader = TRADERS[0];
    const log = ch.j.writeLog();
    const writes = (): Map<string, number> => {
      const n = new Map<string, number>();
      for (let i = 0; i < log.length; i += 2) if (log.entries[i] === m) n.set(log.entries[i + 1] as string, (n.get(log.entries[i + 1] as string) ?? 0) + 1);
      log.clear();
      return n;
    };
    const open = (side: 'long' | 'short', margin: string) => ch.openPosition({ trader, market: m.id, side, margin: toWei(margin), leverage: toWei('2') });
    open('long', '100');
    expect(writes().get('openNotionalLong')).toBe(1);
    open('long', '100');
    expect(writes().get('openNotionalLong')).toBe(1);
    open('short', '50');
    const reduced = writes();
    expect([reduced.get('openNotionalLong'), reduced.get('openNotionalShort')]).toEqual([1, undefined]);
    open('short', '500');
    const flipped = writes();
    expect([flipped.get('openNotionalLong'), flipped.get('openNotionalShort')]).toEqual([1, 1]);
    expect(booksMatch(ch)).toBe(true);
  });
});
