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
import { DEFAULT_TRANSFER, type Desk, type TransferParams, decide, inBand } from '../sim/engine/collateral-transfer.ts';
import { isModelError } from '../sim/errors.ts';
import { weiToNumber } from '../sim/math/units.ts';
import { MARKETS, TRADERS, applyRandomAction, randomActions, randomWorld } from './helpers/random-actions.ts';

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
                const venue = { standing: () => ({ equity: 1e9, requirement: s.venueLow ? 2e9 : 1e8 }) };
                const key = `${agent}@${market}`;
                const was = kept.get(key);
                const d: Desk = { agent, market, p, nextLook: 0, busy: false, inputs: was?.inputs ?? null, standing: was?.standing ?? null, band: was?.band ?? null };
                const fresh: Desk = { agent, market, p, nextLook: 0, busy: false, inputs: null, standing: null, band: null };
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
  }
});
