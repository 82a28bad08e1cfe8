/**
 * The at-risk screen over a box of reserves (issue 15): an account's rows valued exactly at one
 * state, proved above a level for every reserves within a relative width of that state's
 * (`provablyAboveOnBox`), are above it exactly at any later state whose reserves fall in the box
 * while the account's own inputs and the premium indices stand (other traders' trades moved the
 * reserves). Levels are drawn a hair either side of the account's ratio, and boxes wide and narrow.
 * After a premium index moves, a box the screen proves again with the new funding owed (instead
 * of valuing the rows) leaves only rows that are exact but for what the reserves move, above the level.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { provablyAboveOnBox } from '../sim/engine/at-risk-screen.ts';
import { FloatTwap } from '../sim/engine/float-twap.ts';
import { H, Observation, P, POSITION_FIELDS, observationLength } from '../sim/engine/observation.ts';
import { writeObservation } from '../sim/engine/observe.ts';
import { weiToNumber } from '../sim/math/units.ts';
import { LIQUIDATOR, MARKETS, type RandomAction, TRADERS, applyRandomAction, randomActions, randomWorld } from './helpers/random-actions.ts';
import { standingLevel } from './helpers/standing-level.ts';

const layout = { markets: [...MARKETS], accounts: [...TRADERS, LIQUIDATOR] };

function observe(ch: ReturnType<typeof randomWorld>): Observation {
  const o = new Observation(layout, new Float64Array(observationLength(layout)));
  writeObservation(ch, o, new Map(MARKETS.map((m) => [m as string, new FloatTwap(900)])));
  return o;
}

const reservesOf = (ch: ReturnType<typeof randomWorld>) => MARKETS.map((id) => ({ quote: weiToNumber(ch.market(id).vamm.quoteReserve), base: weiToNumber(ch.market(id).vamm.baseReserve) }));

/** Trades only: they move reserves (and the trader's own inputs), never a premium index. */
const trade = randomActions('mixed').filter((a): a is Extract<RandomAction, { kind: 'open' | 'close' }> => a.kind === 'open' || a.kind === 'close');

describe('the at-risk screen over a box of reserves', () => {
  it('a proof over the box holds exactly wherever later reserves fall in it', () => {
    let proved = 0;
    let inside = 0;
    fc.assert(
      fc.property(
        fc.array(randomActions('liquidations'), { minLength: 3, maxLength: 25 }),
        fc.array(trade, { minLength: 1, maxLength: 6 }),
        fc.constantFrom(1e-3, 1e-2, 5e-2),
        (setup, later, width) => {
          const ch = randomWorld('default');
          for (const a of setup) applyRandomAction(ch, a);
          const before = observe(ch);
          const at = reservesOf(ch);
          const premium = MARKETS.map((id) => ch.market(id).cumulativePremiumFraction);
          // Each account with one open position, and levels a hair either side of its exact ratio.
          const claims: Array<{ i: number; market: number; level: number }> = [];
          for (let i = 0; i < layout.accounts.length; i++) {
            const offsets = MARKETS.map((m) => before.positionOffset(i, m));
            const open = offsets.flatMap((po, m) => ((before.data[po + P.size] as number) !== 0 ? [m] : []));
            if (open.length !== 1) continue;
            const ratio = before.data[(offsets[open[0] as number] as number) + P.marginRatio] as number;
            if (!(ratio > 0)) continue;
            for (const shift of [-0.2, -2e-2, -1e-3, -1e-6, -1e-9, 0, 1e-9]) {
              const level = ratio * (1 + shift);
              if (provablyAboveOnBox(before.data, before.accountOffset(i), offsets, at, open[0] as number, width, level)) claims.push({ i, market: open[0] as number, level });
            }
          }
          proved += claims.length;
          // Other traders move the reserves; a claim stands while its account's own rows stand.
          const own = (i: number) => JSON.stringify(MARKETS.map((m) => [ch.accounts.get(layout.accounts[i] as string)?.positions.get(m), ch.accounts.get(layout.accounts[i] as string)?.collateral]), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
          const owned = claims.map((c) => own(c.i));
          for (const a of later) applyRandomAction(ch, a);
          if (MARKETS.some((id, m) => ch.market(id).cumulativePremiumFraction !== premium[m])) return;
          const after = observe(ch);
          const now = reservesOf(ch);
          claims.forEach((c, k) => {
            if (own(c.i) !== owned[k]) return;
            const r = now[c.market] as { quote: number; base: number };
            const a0 = at[c.market] as { quote: number; base: number };
            if (!(r.quote >= a0.quote * (1 - width) && r.quote <= a0.quote * (1 + width) && r.base >= a0.base * (1 - width) && r.base <= a0.base * (1 + width))) return;
            inside++;
            const exact = after.data[after.positionOffset(c.i, MARKETS[c.market] as string) + P.marginRatio] as number;
            expect(exact, `${layout.accounts[c.i]}: proved above ${c.level} over a ${width} box, exact ${exact} at ${JSON.stringify(r)} (from ${JSON.stringify(a0)})`).toBeGreaterThan(c.level);
          });
        },
      ),
      { numRuns: 400 },
    );
    // Not vacuous: proofs were made, and later reserves fell inside their boxes.
    expect(proved).toBeGreaterThan(500);
    expect(inside).toBeGreaterThan(200);
  });

  it('after a premium move, a row left standing has its exact funding owed and stays above the level', () => {
    // Boxes made over trades, then premium indices moved (a funding settlement's effect, up to
    // ±200 USD per unit: enough to push accounts across the level either way) with trades and
    // deposits between: every row the screen leaves standing has its own fields and funding owed
    // exact and its exact ratio above the readers' level, and the flag is the exact one.
    const readers = { waking: [] as number[], othersBelow: 0 };
    let standing = 0;
    let crossed = 0;
    const move = fc.record({ market: fc.integer({ min: 0, max: 1 }), milliUsd: fc.oneof(fc.integer({ min: -200_000, max: 200_000 }), fc.integer({ min: -100, max: 100 })) });
    const later = fc.oneof({ weight: 3, arbitrary: move.map((m) => ({ move: m })) }, { weight: 1, arbitrary: randomActions('mixed').map((a) => ({ action: a })) });
    fc.assert(
      fc.property(fc.array(randomActions('liquidations'), { minLength: 3, maxLength: 25 }), fc.array(later, { minLength: 1, maxLength: 12 }), (setup, steps) => {
        const ch = randomWorld('default');
        const twaps = new Map(MARKETS.map((m) => [m as string, new FloatTwap(900)]));
        const lazy = new Observation(layout, new Float64Array(observationLength(layout)));
        for (const a of setup) {
          applyRandomAction(ch, a);
          writeObservation(ch, lazy, twaps, undefined, readers);
        }
        for (const step of steps) {
          if ('move' in step) {
            const m = ch.market(MARKETS[step.move.market] as string);
            ch.j.set(m, 'cumulativePremiumFraction', m.cumulativePremiumFraction + BigInt(step.move.milliUsd) * 10n ** 15n);
          } else applyRandomAction(ch, step.action);
          const wasBelow = layout.accounts.map((owner, i) => MARKETS.some((id) => (lazy.position(i, id, 'liquidationRatio') as number) < standingLevel(ch, owner, 0)));
          writeObservation(ch, lazy, twaps, undefined, readers);
          const exact = new Observation(layout, new Float64Array(observationLength(layout)));
          writeObservation(ch, exact, twaps);
          expect(lazy.header('noneBelowMaintenance'), JSON.stringify(step)).toBe(exact.header('noneBelowMaintenance'));
          for (let i = 0; i < layout.accounts.length; i++) {
            const level = standingLevel(ch, layout.accounts[i] as string, 0);
            for (const id of MARKETS) {
              const po = exact.positionOffset(i, id);
              if (POSITION_FIELDS.every((_, f) => Object.is(lazy.data[po + f], exact.data[po + f]))) continue;
              standing++;
              const who = `${layout.accounts[i]}@${id} after ${JSON.stringify(step)}`;
              for (const f of ['size', 'openNotional', 'margin', 'isolated', 'fundingOwed'] as const) expect(Object.is(lazy.data[po + P[f]], exact.data[po + P[f]]), `${who}: ${f}`).toBe(true);
              expect(exact.data[po + P.marginRatio] as number, who).toBeGreaterThan(level);
              expect(lazy.data[po + P.marginRatio] as number, who).toBeGreaterThan(level);
            }
            // Moves that took an account to or from below the level (the proof must have told).
            if (MARKETS.some((id) => (exact.position(i, id, 'marginRatio') as number) <= level) !== (wasBelow[i] as boolean)) crossed++;
          }
          expect(lazy.data[H.noneBelowMaintenance]).toBe(exact.data[H.noneBelowMaintenance]);
        }
      }),
      { numRuns: 300 },
    );
    // Not vacuous: rows stood across premium moves, and moves pushed accounts across the level.
    expect(standing).toBeGreaterThan(300);
    expect(crossed).toBeGreaterThan(30);
  });
});
