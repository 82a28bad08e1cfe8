/**
 * The at-risk screen over a box of reserves (issue 15): an account's rows valued exactly at one
 * state, proved above a level for every reserves within a relative width of that state's
 * (`provablyAboveOnBox`), are above it exactly at any later state whose reserves fall in the box
 * while the account's own inputs and the premium indices stand (other traders' trades moved the
 * reserves). Levels are drawn a hair either side of the account's ratio, and boxes wide and narrow.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { provablyAboveOnBox } from '../sim/engine/at-risk-screen.ts';
import { FloatTwap } from '../sim/engine/float-twap.ts';
import { Observation, P, observationLength } from '../sim/engine/observation.ts';
import { writeObservation } from '../sim/engine/observe.ts';
import { weiToNumber } from '../sim/math/units.ts';
import { LIQUIDATOR, MARKETS, type RandomAction, TRADERS, applyRandomAction, randomActions, randomWorld } from './helpers/random-actions.ts';

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
});
