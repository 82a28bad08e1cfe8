/**
 * An observation written again converts only the fields whose inputs moved since its rows were
 * valued (issue 15): a wallet, a collateral, a position record or a premium index that stands
 * leaves its fields as they are, and so does a header or market amount (reserves, spot, index,
 * fast price, funding rate, fund, parameters) equal to the one its float was converted from. Over random sequences (two markets, cross and isolated, trades,
 * funding, liquidations, k changes, deposits), an observation written after every step holds,
 * field for field (Object.is), what a fresh observation written from nothing holds, for every
 * reader mode: every row exact, only the waking agents' own rows, and own rows deferred until an
 * agent reads them (some read all, some only their record fields, some nothing: a row deferred
 * and never valued leaves every later observation as exact as if its agent had not woken).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FloatTwap } from '../sim/engine/float-twap.ts';
import { Observation, RECORD_POSITION_FIELDS, observationLength } from '../sim/engine/observation.ts';
import { writeObservation } from '../sim/engine/observe.ts';
import { toWei } from '../sim/math/units.ts';
import { LIQUIDATOR, MARKETS, TRADERS, applyRandomAction, randomActions, randomWorld } from './helpers/random-actions.ts';

const layout = { markets: [...MARKETS], accounts: [...TRADERS, LIQUIDATOR] };

describe('observation: fields whose inputs stand are not converted again', () => {
  for (const profile of ['default', 'perp-v1'] as const) {
    it(`a reused observation equals a fresh one after every step (${profile})`, () => {
      let rows = 0;
      let records = 0;
      const modes = fc.constantFrom('all', 'own', 'deferred');
      const step = fc.record({ action: randomActions('mixed'), waking: fc.subarray([...layout.accounts.keys()], { minLength: 1 }), mode: modes, reads: fc.array(fc.constantFrom('none', 'records', 'all'), { minLength: layout.accounts.length, maxLength: layout.accounts.length }) });
      fc.assert(
        fc.property(fc.array(step, { minLength: 5, maxLength: 50 }), (steps) => {
          const ch = randomWorld(profile);
          const twaps = new Map(MARKETS.map((m) => [m as string, new FloatTwap(900)]));
          const kept = new Observation(layout, new Float64Array(observationLength(layout)));
          for (const { action, waking, mode, reads } of steps) {
            applyRandomAction(ch, action);
            const fresh = new Observation(layout, new Float64Array(observationLength(layout)));
            // Own rows only (no waking agent reads others), deferred until read, or every row exact.
            const own = mode !== 'all';
            const readers = own ? { waking, othersBelow: false as const, deferOwn: mode === 'deferred' } : undefined;
            writeObservation(ch, kept, twaps, undefined, readers);
            writeObservation(ch, fresh, twaps, undefined, own ? { waking, othersBelow: false as const } : undefined);
            // Deferred: the agents that read all (ask for their offset) get their rows valued; those that read only
            // record fields (size, open notional, margin, isolated, wallet, collateral) get those; the others' stay unread.
            const accounts = mode === 'deferred' ? waking.filter((i) => reads[i] === 'all') : own ? waking : [...layout.accounts.keys()];
            for (const i of mode === 'deferred' ? waking.filter((i) => reads[i] === 'records') : []) {
              for (const market of MARKETS) {
                for (const field of RECORD_POSITION_FIELDS) {
                  const got = kept.position(i, market, field);
                  expect(Object.is(got, fresh.position(i, market, field)), `${layout.accounts[i]} ${market} ${field} read alone: ${got} against ${fresh.position(i, market, field)}`).toBe(true);
                }
              }
              for (const field of ['wallet', 'collateral'] as const) expect(Object.is(kept.account(i, field), fresh.account(i, field)), `${layout.accounts[i]} ${field} read alone`).toBe(true);
              records++;
            }
            for (const i of accounts) kept.accountOffset(i);
            kept.dropDeferred();
            for (let k = 0; k < fresh.accountOffset(0); k++) expect(Object.is(kept.data[k], fresh.data[k]), `header/market field ${k}`).toBe(true);
            for (const i of accounts) {
              const from = fresh.accountOffset(i);
              for (let k = from; k < from + kept.accountStride; k++) {
                expect(Object.is(kept.data[k], fresh.data[k]), `${layout.accounts[i]} field ${k - from} after ${JSON.stringify(action)}: ${kept.data[k]} against ${fresh.data[k]}`).toBe(true);
              }
              rows++;
            }
          }
        }),
        { numRuns: 150 },
      );
      expect(rows).toBeGreaterThan(5000);
      expect(records).toBeGreaterThan(500);
    });
  }
  it('puts records read ahead back after the wake: a collateral that moves away and back is not left at the middle value', () => {
    const ch = randomWorld('default');
    const twaps = new Map(MARKETS.map((m) => [m as string, new FloatTwap(900)]));
    const kept = new Observation(layout, new Float64Array(observationLength(layout)));
    const alice = 0;
    writeObservation(ch, kept, twaps);
    const before = kept.account(alice, 'collateral');
    ch.deposit('alice', toWei('500'));
    // Alice wakes and reads only her collateral: her records are written ahead, not valued.
    writeObservation(ch, kept, twaps, undefined, { waking: [alice], othersBelow: false, deferOwn: true });
    expect(kept.account(alice, 'collateral')).toBe(before + 500);
    kept.dropDeferred();
    ch.withdraw('alice', toWei('500'));
    // Back where her rows were valued: the kept rows must read as a fresh observation's.
    writeObservation(ch, kept, twaps);
    const fresh = new Observation(layout, new Float64Array(observationLength(layout)));
    writeObservation(ch, fresh, twaps);
    expect(kept.account(alice, 'collateral')).toBe(fresh.account(alice, 'collateral'));
    expect([...kept.data]).toEqual([...fresh.data]);
  });
  it('puts back the records read ahead of every account, however often one account was read ahead, valued and deferred again before', () => {
    const obs = new Observation(layout, new Float64Array(observationLength(layout)));
    const offsets = layout.accounts.map((_, i) => obs.accountOffset(i));
    const fill = (i: number) => (obs.data[offsets[i] as number] = 1);
    const fillRecords = (i: number) => (obs.data[offsets[i] as number] = 2);
    // Account 0, more times than there are accounts: its records read ahead, then its rows valued.
    for (let k = 0; k <= layout.accounts.length; k++) {
      obs.deferRows([0], fill, fillRecords);
      expect(obs.account(0, 'wallet')).toBe(2);
      obs.accountOffset(0);
      expect(obs.account(0, 'wallet')).toBe(1);
    }
    obs.data[offsets[0] as number] = 0;
    obs.deferRows([1], fill, fillRecords);
    expect(obs.account(1, 'wallet')).toBe(2);
    obs.dropDeferred();
    // Account 1's records were never valued: its row is back as it was; account 0's valued row stands.
    expect(obs.data[offsets[1] as number]).toBe(0);
    expect(obs.data[offsets[0] as number]).toBe(0);
  });
});
