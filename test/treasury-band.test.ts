/**
 * A treasury desk whose margin ratio is provably inside its band decides nothing without
 * valuing its standing exactly (`inBand`, issue 15: desks look every minute). Over random
 * operation sequences on both profiles, a desk that keeps its standing, band and memo decides
 * exactly as a fresh desk that values everything, after every step, for every trader and
 * market, with the band's edges drawn at, just beside and far from the exact ratio, and the
 * venue low or not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { DEFAULT_TRANSFER, type Desk, type TransferParams, chainStanding, decide, inBand, newDesk } from '../sim/engine/collateral-transfer.ts';
import type { VenueStanding } from '../sim/engine/hedge-venue.ts';
import { isModelError } from '../sim/errors.ts';
import { weiToNumber } from '../sim/math/units.ts';
import { MARKETS, type RandomAction, TRADERS, applyRandomAction, randomActions, randomWorld } from './helpers/random-actions.ts';

/** A venue's standing as the stubs give it: flush, and low (its requirement over its equity) or not. */
function fill(out: VenueStanding, low: boolean): true {
  out.equity = 1e9;
  out.requirement = low ? 2e9 : 1e8;
  return true;
}

/** The ratio as `decide` reads it, or null where there is none. */
function exactRatio(ch: ClearingHouse, agent: string, market: string): number | null {
  try {
    const s = ch.marginStanding(agent, market, 'spot');
    return weiToNumber(s.value) / weiToNumber(s.notional);
  } catch (e) {
    if (isModelError(e)) return null;
    throw e;
  }
}

/** An edge of the band relative to the exact ratio: on it, an ulp or a hair beside it, or far. */
/**
 * Desks kept across the steps of `actions` on a random world: each looks (`inBand`) after every
 * step, `onLook` sees it with what it held before the look, and a desk whose band did not clear
 * values its standing afresh, as `decide` would.
 */
function walkDesks(ch: ClearingHouse, actions: readonly RandomAction[], onLook: (d: Desk, before: { inputs: Desk['inputs']; band: Desk['band'] }, action: RandomAction) => void): void {
  const p: TransferParams = { ...DEFAULT_TRANSFER, chainLow: -1e9, chainHigh: 1e9 };
  const desks = TRADERS.flatMap((agent) => MARKETS.map((market) => newDesk(agent, market, p, 0)));
  for (const action of actions) {
    applyRandomAction(ch, action);
    for (const d of desks) {
      const before = { inputs: d.inputs, band: d.band };
      inBand(d, ch, false);
      onLook(d, before, action);
      if (d.band == null || !inBand(d, ch, false)) chainStanding(d, ch);
    }
  }
}

/** The band a fresh desk values for `d`'s account and market, to compare with `d`'s. */
function freshBand(d: Desk, ch: ClearingHouse): Desk['band'] {
  const fresh = newDesk(d.agent, d.market, d.p, 0);
  chainStanding(fresh, ch);
  return fresh.band;
}

const edge = fc.constantFrom(0, 1e-15, -1e-15, 1e-13, -1e-13, 1e-11, -1e-11, 1e-9, -1e-9, 1e-6, -1e-6, 1e-2, -1e-2, 0.5, -0.5);

const step = fc.record({ action: randomActions('mixed'), low: edge, high: edge, venueLow: fc.boolean(), targetHigh: fc.boolean() });

describe('treasury desk: the band screen', () => {
  for (const profile of ['default', 'perp-v1'] as const) {
    it(`decides as a fresh desk after every step (${profile})`, () => {
      let screened = 0;
      let near = 0;
      let decided = 0;
      fc.assert(
        fc.property(fc.array(step, { minLength: 5, maxLength: 40 }), (steps) => {
          const ch = randomWorld(profile);
          const kept = new Map<string, Desk>();
          for (const s of steps) {
            applyRandomAction(ch, s.action);
            for (const agent of TRADERS)
              for (const market of MARKETS) {
                const ratio = exactRatio(ch, agent, market) ?? 0.2;
                const scale = Math.abs(ratio) > 1e-6 ? Math.abs(ratio) : 1;
                // Sizing as loose as possible, so that any decision the band would hide shows.
                const p: TransferParams = {
                  ...DEFAULT_TRANSFER,
                  chainLow: ratio + s.low * scale,
                  chainHigh: Math.max(ratio + s.low * scale, ratio + s.high * scale),
                  chainTarget: s.targetHigh ? 1e6 : 0,
                  venueKeep: 0,
                  venueLow: 1,
                  venueTarget: 1e6,
                  withdrawalFee: 0,
                  minTransfer: 0,
                };
                const venue = { standingInto: (_agent: string, _t: number, out: VenueStanding) => fill(out, s.venueLow) };
                const key = `${agent}@${market}`;
                const was = kept.get(key);
                // The params move with the ratio every step: the desk's in-band memo (fixed params) is not
                // carried. Its venue standing is (the object a look refills), as the venue's moves from step to step.
                const d: Desk = { ...newDesk(agent, market, p, 0), inputs: was?.inputs ?? null, standing: was?.standing ?? null, valued: was?.valued ?? false, band: was?.band ?? null, venue: was?.venue ?? { equity: Number.NaN, requirement: Number.NaN } };
                const fresh = newDesk(agent, market, p, 0);
                const banded = inBand(d, ch, s.venueLow);
                const got = decide(d, 0, ch, venue);
                const want = decide(fresh, 0, ch, venue);
                expect(got, `${key} after ${JSON.stringify(s)}`).toEqual(want);
                if (banded) {
                  screened++;
                  if (Math.abs(s.low) <= 1e-9 || (s.venueLow && Math.abs(s.high) <= 1e-9)) near++;
                }
                if (want !== null) decided++;
                kept.set(key, d);
              }
          }
        }),
        { numRuns: 150 },
      );
      // Not vacuous: the band cleared looks (some within 10⁻⁹ of an edge), and desks decided.
      expect(screened).toBeGreaterThan(150);
      expect(near).toBeGreaterThan(10);
      expect(decided).toBeGreaterThan(300);
    });

    it(`brings its band to a new premium index exactly, without valuing the standing (${profile})`, () => {
      // Desks kept across steps (funding settlements among them): wherever a look found only the
      // premium index moved since the band was valued, the band it brought up to date is the one
      // a fresh valuation gives, to the wei (fails when the funding owed is not moved, or moved the wrong way).
      let funded = 0;
      fc.assert(
        fc.property(fc.array(fc.oneof({ weight: 3, arbitrary: randomActions('mixed') }, { weight: 1, arbitrary: fc.constantFrom(0, 1).map((market) => ({ kind: 'funding' as const, market })) }), { minLength: 5, maxLength: 40 }), (actions) => {
          const ch = randomWorld(profile);
          walkDesks(ch, actions, (d, before, action) => {
            if (before.inputs !== null && d.inputs === before.inputs && before.band != null && d.band !== before.band) {
              funded++;
              expect(d.band, `${d.agent}@${d.market} after ${JSON.stringify(action)}`).toEqual(freshBand(d, ch));
            }
          });
        }),
        { numRuns: 150 },
      );
      // Not vacuous: bands were brought to a new index.
      expect(funded).toBeGreaterThan(100);
    });

    it(`builds its band from the records after its own inputs changed, as a valued standing gives it (${profile})`, () => {
      // Desks kept across steps: wherever a look found the account's own inputs changed and
      // built its band from the records (its standing left unvalued), the band is the one a
      // fresh valuation gives, to the wei (fails with the open notional's sign, the base, the
      // funding or the loss owed wrong, each checked).
      let built = 0;
      fc.assert(
        fc.property(fc.array(fc.oneof({ weight: 2, arbitrary: randomActions('mixed') }, { weight: 2, arbitrary: randomActions('liquidations') }, { weight: 1, arbitrary: fc.constantFrom(0, 1).map((market) => ({ kind: 'funding' as const, market })) }), { minLength: 5, maxLength: 40 }), (actions) => {
          // Socialising: bad debt moves the loss indices, which the band's constant owes.
          const ch = randomWorld(profile, true);
          walkDesks(ch, actions, (d, before, action) => {
            if (before.inputs !== null && d.inputs !== before.inputs && !d.valued) {
              built++;
              expect(d.band, `${d.agent}@${d.market} after ${JSON.stringify(action)}`).toEqual(freshBand(d, ch));
            }
          });
        }),
        { numRuns: 150 },
      );
      // Not vacuous: bands were built from the records.
      expect(built).toBeGreaterThan(30);
    });

    it(`remembers a look in its band only for the same state and venue (${profile})`, () => {
      // Desks with fixed params kept across steps (many change nothing: a reverted operation or
      // none), the venue low or not at each look: each decides as a fresh desk.
      let remembered = 0;
      let acrossOracles = 0;
      let flipped = 0;
      fc.assert(
        fc.property(
          fc.array(fc.record({ action: fc.option(randomActions('mixed'), { freq: 2 }), venueLow: fc.boolean() }), { minLength: 5, maxLength: 40 }),
          fc.double({ min: 0.05, max: 1.5, noNaN: true }),
          (steps, chainHigh) => {
            const ch = randomWorld(profile);
            const p: TransferParams = { ...DEFAULT_TRANSFER, chainLow: -1e9, chainHigh, chainTarget: 0, venueKeep: 0, venueLow: 1, venueTarget: 1e6, withdrawalFee: 0, minTransfer: 0 };
            const desks = TRADERS.flatMap((agent) => MARKETS.map((market) => newDesk(agent, market, p, 0)));
            // The journal's version where each desk's remembered look was taken: oracle rounds move it, not the state version.
            const journalAt = new Map<Desk, number>();
            for (const s of steps) {
              if (s.action !== null) applyRandomAction(ch, s.action);
              const venue = { standingInto: (_agent: string, _t: number, out: VenueStanding) => fill(out, s.venueLow) };
              for (const d of desks) {
                const memo = d.inBandAt === ch.stateVersion;
                const want = decide(newDesk(d.agent, d.market, p, 0), 0, ch, venue);
                expect(decide(d, 0, ch, venue), `${d.agent}@${d.market} after ${JSON.stringify(s)}`).toEqual(want);
                if (memo && d.inBandLow === s.venueLow) remembered++;
                // Kept across oracle rounds: the journal moved since the look that set it, the desk's memo did not.
                if (memo && journalAt.get(d) !== ch.j.version && d.inBandAt === ch.stateVersion) acrossOracles++;
                if (!memo && d.inBandAt === ch.stateVersion) journalAt.set(d, ch.j.version);
                if (memo && want !== null) flipped++;
                // A decision would mark the desk busy in the engine until the chain changed: start afresh.
                if (want !== null) Object.assign(d, newDesk(d.agent, d.market, p, 0));
              }
            }
          },
        ),
        { numRuns: 300 },
      );
      // Not vacuous: remembered looks (some across oracle rounds), and looks at a remembered state whose venue turned low and that decided.
      expect(remembered).toBeGreaterThan(250);
      expect(acrossOracles).toBeGreaterThan(50);
      expect(flipped).toBeGreaterThan(30);
    });
  }
});
