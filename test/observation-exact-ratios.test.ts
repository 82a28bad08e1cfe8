/**
 * The exact liquidation ratios an observation writes near maintenance are kept with the state
 * (the journal's version) and the time they were valued at (sim/engine/exact-ratios.ts): the
 * liquidators' flag screen and the observation a woken liquidator then reads value them once.
 * Every ratio written must still be the clearing house's own at that state and time: the TWAP
 * window moves it with the time alone, a trade with the state alone, and another clearing house
 * may stand at the same version and time.
 */
import { describe, expect, it } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { FloatTwap } from '../sim/engine/float-twap.ts';
import { Observation, observationLength } from '../sim/engine/observation.ts';
import { screenNoneBelow, writeObservation } from '../sim/engine/observe.ts';
import { weiToNumber } from '../sim/math/units.ts';
import { LIQUIDATOR, MARKETS, TRADERS, applyRandomAction, randomWorld } from './helpers/random-actions.ts';

const layout = { markets: [...MARKETS], accounts: [...TRADERS, LIQUIDATOR] };
const KEEPER = layout.accounts.indexOf(LIQUIDATOR);
const CAROL = TRADERS.indexOf('carol');
const WHALE = TRADERS.indexOf('whale');
const LIQUIDATOR_LOOK = { waking: [KEEPER], othersBelow: 0 } as const;

/**
 * Carol's isolated 10× short taken under maintenance by a funding settlement, then the whale's
 * long (`push`, margin) a block before now: her exact ratio takes the TWAP valuation, which the
 * window moves with the time. Her exact ratio calls are counted.
 */
function carolUnder(push: number): { ch: ClearingHouse; calls: () => number } {
  const ch = randomWorld('default', false, { fundingCapRatio: 0n, convergencePeriod: 3600 });
  applyRandomAction(ch, { kind: 'open', trader: CAROL, market: 0, long: false, margin: 400, leverage: 10 });
  applyRandomAction(ch, { kind: 'open', trader: TRADERS.indexOf('bob'), market: 0, long: true, margin: 60, leverage: 10 });
  applyRandomAction(ch, { kind: 'oracle', market: 0, movePermille: 40 });
  applyRandomAction(ch, { kind: 'funding', market: 0 });
  expect(applyRandomAction(ch, { kind: 'open', trader: WHALE, market: 0, long: true, margin: push, leverage: 2 })).toBeNull();
  applyRandomAction(ch, { kind: 'advance', seconds: 12, blocks: 1, heartbeat: false });
  let n = 0;
  const exact = ch.liquidationMarginRatio.bind(ch);
  ch.liquidationMarginRatio = (trader, market) => {
    if (trader === 'carol') n++;
    return exact(trader, market);
  };
  return { ch, calls: () => n };
}

const exactNow = (ch: ClearingHouse) => weiToNumber(ch.liquidationMarginRatio('carol', 'ETH'));
const twaps = () => new Map(MARKETS.map((m) => [m as string, new FloatTwap(900)]));
const newView = () => new Observation(layout, new Float64Array(observationLength(layout)));

describe('exact liquidation ratios kept per state and time', () => {
  it('are valued once for the flag and the liquidator it wakes, and again when the time or the state moves', () => {
    const { ch, calls } = carolUnder(50);
    const view = newView();
    const t = twaps();
    const mmr = weiToNumber(ch.params.maintenanceMarginRatio);
    // The flag's screen finds her under maintenance; the liquidator's observation in the same block reads the same ratio.
    expect(screenNoneBelow(ch, view, 0)).toBe(false);
    expect(calls()).toBe(1);
    writeObservation(ch, view, t, undefined, LIQUIDATOR_LOOK);
    expect(calls()).toBe(1);
    const first = view.position(CAROL, 'ETH', 'liquidationRatio');
    expect(first).toBe(exactNow(ch));
    expect(first).toBeLessThan(mmr);
    // A minute later, nothing written: the TWAP window moved her ratio.
    applyRandomAction(ch, { kind: 'advance', seconds: 60, blocks: 5, heartbeat: false });
    writeObservation(ch, view, t, undefined, LIQUIDATOR_LOOK);
    const later = view.position(CAROL, 'ETH', 'liquidationRatio');
    expect(later).toBe(exactNow(ch));
    expect(later).not.toBe(first);
    // She adds margin in the same block: the state moved her ratio.
    const version = ch.j.version;
    expect(applyRandomAction(ch, { kind: 'addMargin', trader: CAROL, market: 0, amount: 5 })).toBeNull();
    expect(ch.j.version).not.toBe(version);
    writeObservation(ch, view, t, undefined, LIQUIDATOR_LOOK);
    const traded = view.position(CAROL, 'ETH', 'liquidationRatio');
    expect(traded).toBe(exactNow(ch));
    expect(traded).not.toBe(later);
  });

  it('are not taken from another clearing house at the same version and time', () => {
    const a = carolUnder(50);
    const b = carolUnder(200);
    expect(b.ch.j.version).toBe(a.ch.j.version);
    expect(b.ch.clock.timestamp).toBe(a.ch.clock.timestamp);
    const view = newView();
    writeObservation(a.ch, view, twaps(), undefined, LIQUIDATOR_LOOK);
    expect(view.position(CAROL, 'ETH', 'liquidationRatio')).toBe(exactNow(a.ch));
    writeObservation(b.ch, view, twaps(), undefined, LIQUIDATOR_LOOK);
    expect(view.position(CAROL, 'ETH', 'liquidationRatio')).toBe(exactNow(b.ch));
    expect(exactNow(b.ch)).not.toBe(exactNow(a.ch));
  });
});
