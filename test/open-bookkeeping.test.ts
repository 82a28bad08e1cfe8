/**
 * An open's bookkeeping without repeated work (docs/PERFORMANCE.md: the month's opens, fifteenth
 * session): the cross check after a trade builds the margin group from the account it holds in
 * one pass. Over random books, against the rule it replaced.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { toWei } from '../sim/math/units.ts';
import type { Account } from '../sim/position.ts';
import { applyRandomAction, randomActions, randomWorld } from './helpers/random-actions.ts';
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
            const funding = toWei(fundingUsd);
            const loss = BigInt(lossPermille) * 10n ** 15n;
            for (const m of ch.markets.values()) {
              m.cumulativePremiumFraction += funding;
              m.lossIndexLong += loss;
              m.lossIndexShort += loss;
            }
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
            for (const m of ch.markets.values()) {
              m.cumulativePremiumFraction -= funding;
              m.lossIndexLong -= loss;
              m.lossIndexShort -= loss;
            }
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
