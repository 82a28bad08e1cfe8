/**
 * Observations prove a row under maintenance at spot above it on the TWAP without computing its
 * exact liquidation ratio (sim/engine/twap-ratio-proof.ts): a short pushed under maintenance at
 * spot by a long a few blocks before stays above it on the 15-minute TWAP until the window
 * catches up. Over random books near maintenance (pushes, time, oracle moves, funding, socialised
 * loss), the liquidators' flag and every row's ratio are as the exact ratios say (below
 * maintenance: the exact ratio; else at or above it) every time, and the proof took rows under
 * maintenance at spot whose exact ratio then was not computed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { FloatTwap } from '../sim/engine/float-twap.ts';
import { Observation, observationLength } from '../sim/engine/observation.ts';
import { screenNoneBelow, writeObservation } from '../sim/engine/observe.ts';
import { weiToNumber } from '../sim/math/units.ts';
import { LIQUIDATOR, MARKETS, type RandomAction, TRADERS, applyRandomAction, randomWorld } from './helpers/random-actions.ts';

const layout = { markets: [...MARKETS], accounts: [...TRADERS, LIQUIDATOR] };
const CAROL = TRADERS.indexOf('carol');
const DAVE = TRADERS.indexOf('dave');
const WHALE = TRADERS.indexOf('whale');

/** Steps after carol's and dave's 10× positions: the whale's pushes either way, blocks passing, oracle moves, funding, liquidations. */
const step: fc.Arbitrary<RandomAction> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('open' as const), trader: fc.constant(WHALE), market: fc.constant(0), long: fc.boolean(), margin: fc.integer({ min: 5, max: 150 }), leverage: fc.constant(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), trader: fc.constant(WHALE), market: fc.constant(0) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 12, max: 600 }), blocks: fc.integer({ min: 1, max: 50 }), heartbeat: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('oracle' as const), market: fc.constant(0), movePermille: fc.integer({ min: -60, max: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('funding' as const), market: fc.constant(0) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('liquidate' as const), trader: fc.constantFrom(CAROL, DAVE), market: fc.constant(0) }) },
);

interface Counts {
  /** Per profile: steps where carol's or dave's row was under maintenance at spot and at least maintenance exactly. */
  twapAbove: Record<'default' | 'perp-v1', number>;
  /** Of those, steps where neither the screen nor the two observations computed their exact ratio (the proof took them). */
  proved: Record<'default' | 'perp-v1', number>;
  /** Steps where a row was under maintenance. */
  refused: number;
}

/** The exact liquidation ratio as a float, or null where it reverts. */
function exactRatio(ch: ClearingHouse, trader: string): number | null {
  try {
    return weiToNumber(ch.liquidationMarginRatio(trader, 'ETH'));
  } catch {
    return null;
  }
}

/** Whether a row's liquidation ratio is below maintenance: its exact ratio's, or (where that reverts) its spot ratio's, as the observation falls back. */
function truthBelow(ch: ClearingHouse, view: Observation, i: number, market: string, mmr: number): boolean {
  const spot = view.position(i, market, 'marginRatio');
  if (Number.isNaN(spot) || !(spot < 1.5 * mmr)) return false;
  try {
    return weiToNumber(ch.liquidationMarginRatio(layout.accounts[i] as string, market)) < mmr;
  } catch {
    return spot < mmr;
  }
}

function run(profile: 'default' | 'perp-v1', socialising: boolean, carolMargin: number, daveMargin: number, steps: readonly RandomAction[], n: Counts): void {
  const ch = randomWorld(profile, socialising, { fundingCapRatio: 0n, convergencePeriod: 3600 });
  applyRandomAction(ch, { kind: 'open', trader: CAROL, market: 0, long: false, margin: carolMargin, leverage: 10 });
  applyRandomAction(ch, { kind: 'open', trader: DAVE, market: 0, long: true, margin: daveMargin, leverage: 10 });
  applyRandomAction(ch, { kind: 'advance', seconds: 900, blocks: 75, heartbeat: true });
  const twaps = new Map(MARKETS.map((m) => [m as string, new FloatTwap(900)]));
  const flagView = new Observation(layout, new Float64Array(observationLength(layout)));
  const liquidatorView = new Observation(layout, new Float64Array(observationLength(layout)));
  const exactView = new Observation(layout, new Float64Array(observationLength(layout)));
  let asked = new Set<string>();
  const exact = ch.liquidationMarginRatio.bind(ch);
  ch.liquidationMarginRatio = (trader, market) => {
    asked.add(trader);
    return exact(trader, market);
  };
  const mmr = weiToNumber(ch.params.maintenanceMarginRatio);
  let last = { version: -1, time: -1 };
  for (const s of steps) {
    applyRandomAction(ch, s);
    // A step that wrote nothing and took no time (a revert) finds its exact ratios kept (exact-ratios.ts): not counted.
    const fresh = ch.j.version !== last.version || ch.clock.timestamp !== last.time;
    last = { version: ch.j.version, time: ch.clock.timestamp };
    asked = new Set();
    const none = screenNoneBelow(ch, flagView, 0);
    writeObservation(ch, liquidatorView, twaps, undefined, { waking: [layout.accounts.indexOf(LIQUIDATOR)], othersBelow: 0 });
    writeObservation(ch, exactView, twaps);
    const observed = asked;
    asked = new Set();
    let anyBelow = false;
    for (let i = 0; i < layout.accounts.length; i++) {
      for (const market of MARKETS) {
        const below = truthBelow(ch, exactView, i, market, mmr);
        anyBelow ||= below;
        // Below maintenance a row holds its exact ratio; else any ratio at or above it.
        for (const view of [liquidatorView, exactView]) {
          const seen = view.position(i, market, 'liquidationRatio');
          if (below) expect(seen).toBe(weiToNumber(exact(layout.accounts[i] as string, market)));
          else expect(Number.isNaN(seen) || seen >= mmr, `${layout.accounts[i]}@${market} after ${JSON.stringify(s)}`).toBe(true);
        }
      }
    }
    expect(none, `after ${JSON.stringify(s)}`).toBe(!anyBelow);
    for (const view of [liquidatorView, exactView]) expect(view.header('noneBelowMaintenance')).toBe(anyBelow ? 0 : 1);
    if (anyBelow) n.refused++;
    for (const i of [CAROL, DAVE]) {
      const trader = TRADERS[i] as string;
      if (!fresh || !(exactView.position(i, 'ETH', 'marginRatio') < mmr) || truthBelow(ch, exactView, i, 'ETH', mmr)) continue;
      n.twapAbove[profile]++;
      if (!observed.has(trader)) n.proved[profile]++;
    }
  }
}

describe('observations prove rows above maintenance on the TWAP', () => {
  it('write the flag and the ratios the exact ones say over random books near maintenance, and take rows under maintenance at spot', () => {
    const n: Counts = { twapAbove: { default: 0, 'perp-v1': 0 }, proved: { default: 0, 'perp-v1': 0 }, refused: 0 };
    fc.assert(
      fc.property(fc.constantFrom('default' as const, 'perp-v1' as const), fc.boolean(), fc.integer({ min: 200, max: 600 }), fc.integer({ min: 200, max: 600 }), fc.array(step, { minLength: 5, maxLength: 40 }), (profile, socialising, carol, dave, steps) =>
        run(profile, socialising, carol, dave, steps, n),
      ),
      { numRuns: 300 },
    );
    // Not vacuous: rows under maintenance at spot stood above it on the TWAP, most taken by the proof, and rows were found under it.
    expect(n.twapAbove.default).toBeGreaterThan(50);
    expect(n.proved.default).toBeGreaterThan(n.twapAbove.default / 2);
    expect(n.refused).toBeGreaterThan(50);
    // Perp v1's walk values the TWAP as a mean of exits on the window's blocks, not one exit on its mean reserves: valued exactly.
    expect(n.twapAbove['perp-v1']).toBeGreaterThan(20);
    expect(n.proved['perp-v1']).toBe(0);
  });
});

describe('observations prove rows above maintenance on the TWAP only owing no loss', () => {
  it('finds a row under maintenance once a socialised loss reaches it, its rows and reserves unmoved', () => {
    const mmrOf = (ch: ClearingHouse) => weiToNumber(ch.params.maintenanceMarginRatio);
    // Carol's 10× short under maintenance at spot and above it on the TWAP: the whale's push a block before.
    let ch: ClearingHouse | null = null;
    for (let push = 5; push <= 300 && ch === null; push += 5) {
      const c = randomWorld('default', false, { fundingCapRatio: 0n, convergencePeriod: 3600 });
      applyRandomAction(c, { kind: 'open', trader: CAROL, market: 0, long: false, margin: 400, leverage: 10 });
      applyRandomAction(c, { kind: 'advance', seconds: 900, blocks: 75, heartbeat: true });
      applyRandomAction(c, { kind: 'open', trader: WHALE, market: 0, long: true, margin: push, leverage: 2 });
      applyRandomAction(c, { kind: 'advance', seconds: 12, blocks: 1, heartbeat: false });
      const spot = weiToNumber(c.marginRatio('carol', 'ETH', 'spot'));
      const ratio = exactRatio(c, 'carol');
      if (spot < mmrOf(c) && ratio !== null && ratio >= mmrOf(c)) ch = c;
    }
    if (ch === null) throw new Error('no push leaves carol above maintenance on the TWAP alone');
    const view = new Observation(layout, new Float64Array(observationLength(layout)));
    expect(screenNoneBelow(ch, view, 0)).toBe(true);
    // A socialised loss of 5 % of the shorts' open notional, through the journal as the model writes it: carol now owes it.
    const eth = ch.market('ETH');
    ch.j.set(eth, 'lossIndexShort', eth.lossIndexShort + 5n * 10n ** 16n);
    expect(exactRatio(ch, 'carol') as number).toBeLessThan(mmrOf(ch));
    expect(screenNoneBelow(ch, view, 0)).toBe(false);
  });
});
