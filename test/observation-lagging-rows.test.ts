/**
 * Rows lagging their records (issue 15): a screen run for the liquidators' flag alone
 * (`screenNoneBelow`, no one reading a row) does not value an account the block wrote when its
 * records prove it above the level over a box around the reserves; its rows are valued when an
 * observation is next read. The random sequences of test/observation-at-risk.test.ts hold the
 * screen's flag and every later observation to the exact ones (they fail with the records'
 * proof at half the level, or with lagging rows not valued before a reader of others reads
 * them); here the mechanism itself: rows do lag, are valued before they are read, and a proof
 * is held only with the funding owed it was made with.
 */
import { describe, expect, it } from 'vitest';
import { FloatTwap } from '../sim/engine/float-twap.ts';
import { Observation, POSITION_FIELDS, observationLength } from '../sim/engine/observation.ts';
import { screenNoneBelow, writeObservation } from '../sim/engine/observe.ts';
import { weiToNumber } from '../sim/math/units.ts';
import { LIQUIDATOR, MARKETS, TRADERS, applyRandomAction, randomWorld } from './helpers/random-actions.ts';

const layout = { markets: [...MARKETS], accounts: [...TRADERS, LIQUIDATOR] };
const KEEPER = layout.accounts.indexOf(LIQUIDATOR);
const ALICE = TRADERS.indexOf('alice');
const CAROL = TRADERS.indexOf('carol');

function views() {
  const twaps = new Map(MARKETS.map((m) => [m as string, new FloatTwap(900)]));
  const lazy = new Observation(layout, new Float64Array(observationLength(layout)));
  const exact = new Observation(layout, new Float64Array(observationLength(layout)));
  return { lazy, exact, twaps };
}

/** Account `i`'s ETH row as stored in `o` (read from the data: no deferred row is valued by it). */
const row = (o: Observation, i: number) => {
  const po = o.positionOffset(i, 'ETH');
  return POSITION_FIELDS.map((_, f) => o.data[po + f] as number);
};

describe('rows lagging their records', () => {
  it('are left by a screen for the flag alone and valued before an observation is read', () => {
    const ch = randomWorld('default');
    const { lazy, exact, twaps } = views();
    applyRandomAction(ch, { kind: 'open', trader: ALICE, market: 0, long: true, margin: 500, leverage: 2 });
    writeObservation(ch, lazy, twaps, undefined, { waking: [KEEPER], othersBelow: 0 });
    const before = row(lazy, ALICE);
    // She trades again: the screen for the flag leaves her rows as they were.
    applyRandomAction(ch, { kind: 'open', trader: ALICE, market: 0, long: true, margin: 300, leverage: 2 });
    writeObservation(ch, exact, twaps);
    expect(screenNoneBelow(ch, lazy, 0)).toBe(true);
    expect(exact.header('noneBelowMaintenance')).toBe(1);
    expect(row(lazy, ALICE)).toEqual(before);
    expect(row(exact, ALICE)).not.toEqual(before);
    // Read by a liquidator: her rows are her records' at these reserves.
    writeObservation(ch, lazy, twaps, undefined, { waking: [KEEPER], othersBelow: 0 });
    expect(row(lazy, ALICE)).toEqual(row(exact, ALICE));
    // Again for her own look alone, after another trade and screen.
    applyRandomAction(ch, { kind: 'open', trader: ALICE, market: 0, long: false, margin: 100, leverage: 2 });
    writeObservation(ch, exact, twaps);
    expect(screenNoneBelow(ch, lazy, 0)).toBe(true);
    expect(row(lazy, ALICE)).not.toEqual(row(exact, ALICE));
    writeObservation(ch, lazy, twaps, undefined, { waking: [ALICE], othersBelow: false });
    expect(row(lazy, ALICE)).toEqual(row(exact, ALICE));
  });

  it('are proved only with the funding owed they were proved with', () => {
    // ETH's funding uncapped and converging in one period: one settlement moves a row by the whole premium.
    const ch = randomWorld('default', false, { fundingCapRatio: 0n, convergencePeriod: 3600 });
    const { lazy, exact, twaps } = views();
    // Carol shorts at 10× and bob's long takes her near maintenance: the screen proves her from her records.
    applyRandomAction(ch, { kind: 'open', trader: CAROL, market: 0, long: false, margin: 400, leverage: 10 });
    applyRandomAction(ch, { kind: 'open', trader: TRADERS.indexOf('bob'), market: 0, long: true, margin: 60, leverage: 10 });
    expect(screenNoneBelow(ch, lazy, 0)).toBe(true);
    writeObservation(ch, exact, twaps);
    expect(row(lazy, CAROL)).not.toEqual(row(exact, CAROL));
    // The index 4 % above the mark: the shorts pay, and she falls under maintenance with the reserves where she was proved.
    applyRandomAction(ch, { kind: 'oracle', market: 0, movePermille: 40 });
    applyRandomAction(ch, { kind: 'funding', market: 0 });
    writeObservation(ch, exact, twaps);
    expect(exact.position(CAROL, 'ETH', 'liquidationRatio')).toBeLessThan(weiToNumber(ch.params.maintenanceMarginRatio));
    expect(screenNoneBelow(ch, lazy, 0)).toBe(false);
  });
});
