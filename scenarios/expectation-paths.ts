/**
 * Expectation paths: the dot paths a script step's `expect` addresses. A path is checked before
 * anything runs against the shape of the state view, the script's markets and names, and the
 * event types; what only a run can tell (an event's or a result's fields, the amounts a
 * revert carries) is checked when the step runs. A misspelt path is bad input (exit 2), never
 * a failed expectation. Two reads exist only as paths: `markets.<id>.markTwap.<seconds>` and
 * `markets.<id>.indexTwap.<seconds>`, the TWAPs over a chosen interval.
 */
import { ClearingHouse } from '../sim/clearing-house.ts';
import { createClock } from '../sim/clock.ts';
import { isModelError } from '../sim/errors.ts';
import { EVENT_TYPES } from '../sim/events.ts';
import { FEE_POOL, INSURANCE_FUND, VAULT } from '../sim/ledger.ts';
import { toWei } from '../sim/math/units.ts';
import { type ProfileName, profileByName } from '../sim/params.ts';
import { emptyPosition } from '../sim/position.ts';
import { type Json, stateView } from '../sim/state-view.ts';
import type { Script } from './script-schema.ts';

/** Reads computed on request rather than kept in the state view. */
const TWAP_READS = ['markTwap', 'indexTwap'] as const;
/** Parts of a step's output beside the state. */
const STEP_OUTPUTS = ['result', 'events', 'revert'] as const;

interface Shape {
  readonly topLevel: ReadonlySet<string>;
  readonly market: ReadonlySet<string>;
  readonly account: ReadonlySet<string>;
  readonly position: ReadonlySet<string>;
  readonly insuranceFund: ReadonlySet<string>;
  readonly yieldSource: ReadonlySet<string>;
}

const shapes = new Map<ProfileName, Shape>();

const keysOf = (node: Json | undefined): Set<string> =>
  new Set(node !== null && typeof node === 'object' && !Array.isArray(node) ? Object.keys(node) : []);

/** The state view's field names, read off a probe with one market and one open position. */
function shapeOf(profile: ProfileName): Shape {
  let shape = shapes.get(profile);
  if (shape) return shape;
  const ch = new ClearingHouse(createClock(1_700_000_000, 100), profileByName(profile));
  ch.addMarket({ id: 'M', quoteReserve: toWei('1000'), baseReserve: toWei('1'), indexPrice: toWei('1000') });
  ch.account('probe').positions.set('M', { ...emptyPosition(), size: toWei('1'), openNotional: toWei('1000'), margin: toWei('100'), isolated: true });
  const view = stateView(ch, { views: true });
  const account = (view.accounts as Record<string, Json>).probe as Record<string, Json>;
  shape = {
    topLevel: keysOf(view),
    market: keysOf((view.markets as Record<string, Json>).M),
    account: keysOf(account),
    // A position's size while a lazy remap is pending shows beside the stored one.
    position: new Set([...keysOf((account.positions as Record<string, Json>).M), 'storedSize']),
    insuranceFund: keysOf(view.insuranceFund),
    yieldSource: keysOf(view.yieldSource),
  };
  shapes.set(profile, shape);
  return shape;
}

/** Names a script can refer to: wallets, backstop LPs and every trader, liquidator or recipient in its steps. */
export function scriptNames(script: Script): Set<string> {
  const names = new Set<string>([...Object.keys(script.wallets ?? {}), ...(script.backstopLiquidityProviders ?? [])]);
  for (const step of script.steps) {
    const args = step.action.args as Record<string, unknown>;
    for (const key of ['trader', 'liquidator', 'to', 'account']) if (typeof args[key] === 'string') names.add(args[key] as string);
  }
  return names;
}

const listOf = (set: Iterable<string>) => [...set].join(', ');

/** Why `path` cannot name anything in this script, or null when it is well formed. */
export function misspeltPath(path: string, script: Script, names: ReadonlySet<string>): string | null {
  const shape = shapeOf(script.profile as ProfileName);
  const parts = path.split('.');
  const [head, ...rest] = parts as [string, ...string[]];
  const unknown = (what: string, value: string, options: Iterable<string>) => `unknown ${what} "${value}" (${listOf(options)})`;
  const leaf = (consumed: number) => (parts.length > consumed ? `"${parts.slice(0, consumed).join('.')}" has no field "${parts[consumed]}"` : null);
  if ((STEP_OUTPUTS as readonly string[]).includes(head)) {
    if (head === 'events') {
      if (!rest[0]) return 'name an event type: events.<Type>.<field>';
      if (!(EVENT_TYPES as string[]).includes(rest[0])) return unknown('event type', rest[0], EVENT_TYPES);
      if (rest.length !== 2) return 'an event path is events.<Type>.<field>';
    }
    return null; // fields of results, events and reverts are checked when the step runs
  }
  if (!shape.topLevel.has(head)) return unknown('field', head, [...shape.topLevel, ...STEP_OUTPUTS]);
  const marketIds = script.markets.map((m) => m.id);
  switch (head) {
    case 'markets': {
      const [id, field, interval] = rest;
      if (id === undefined || !marketIds.includes(id)) return unknown('market', id ?? '', marketIds);
      if (field === undefined) return 'name a market field';
      if ((TWAP_READS as readonly string[]).includes(field)) {
        if (interval === undefined || !/^\d+$/.test(interval)) return `${field} needs the interval in seconds: markets.${id}.${field}.<seconds>`;
        return leaf(4);
      }
      if (!shape.market.has(field)) return unknown('market field', field, [...shape.market, ...TWAP_READS.map((t) => `${t}.<seconds>`)]);
      return leaf(3);
    }
    case 'accounts': {
      const [name, field, market, positionField] = rest;
      if (name === undefined || !names.has(name)) return unknown('account', name ?? '', names);
      if (field === undefined) return 'name an account field';
      if (!shape.account.has(field)) return unknown('account field', field, shape.account);
      if (field !== 'positions') return leaf(3);
      if (market === undefined || !marketIds.includes(market)) return unknown('market', market ?? '', marketIds);
      if (positionField === undefined) return 'name a position field';
      if (!shape.position.has(positionField)) return unknown('position field', positionField, shape.position);
      return leaf(5);
    }
    case 'tokens': {
      const holders = [...names, VAULT, INSURANCE_FUND, FEE_POOL];
      if (rest[0] === undefined || !holders.includes(rest[0])) return unknown('token holder', rest[0] ?? '', holders);
      return leaf(2);
    }
    case 'insuranceFund':
      if (rest[0] === undefined || !shape.insuranceFund.has(rest[0])) return unknown('insurance-fund field', rest[0] ?? '', shape.insuranceFund);
      return leaf(2);
    case 'yieldSource':
      if (rest[0] === undefined || !shape.yieldSource.has(rest[0])) return unknown('yield-source field', rest[0] ?? '', shape.yieldSource);
      return leaf(2);
    default:
      return leaf(1);
  }
}

/** What a path read in a step: a value, or why there is none (an absent event, a revert…). */
export type PathRead = { readonly value: Json } | { readonly absent: string };

/**
 * Reads a path from a step's output. `twap` answers the TWAP reads; a field that the
 * output's own shape lacks (an event's, a result's, a revert's) is reported as misspelt
 * through `misspelt`, which throws.
 */
export function readPath(
  context: { [key: string]: Json },
  path: string,
  twap: (market: string, read: (typeof TWAP_READS)[number], seconds: number) => bigint,
  misspelt: (reason: string) => never,
): PathRead {
  const parts = path.split('.');
  if (parts[0] === 'markets' && (TWAP_READS as readonly string[]).includes(parts[2] ?? '')) {
    try {
      return { value: twap(parts[1] as string, parts[2] as (typeof TWAP_READS)[number], Number(parts[3])).toString() };
    } catch (e) {
      if (isModelError(e)) return { absent: `the TWAP reverts (${e.reason})` };
      throw e;
    }
  }
  let node: Json | undefined = context;
  for (const [i, part] of parts.entries()) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      const where = parts.slice(0, i).join('.');
      if (parts[0] === 'revert' && i === 1) return { absent: 'the step did not revert' };
      if (parts[0] === 'result' && i === 1) return { absent: 'the step has no result (it reverted or returns nothing)' };
      return node === null ? { absent: `"${where}" is null` } : misspelt(`"${where}" is a value, not an object`);
    }
    const next: Json | undefined = (node as { [k: string]: Json })[part];
    if (next === undefined) {
      const where = parts.slice(0, i).join('.');
      if (parts[0] === 'events' && i === 1) return { absent: `no ${part} event in this step` };
      if (parts[0] === 'accounts' && i <= 3) return { absent: `no ${i === 1 ? 'account' : 'position'} "${part}" yet` };
      if (parts[0] === 'tokens' && i === 1) return { absent: `"${part}" has never held tokens` };
      if (['result', 'events', 'revert'].includes(parts[0] as string)) {
        return misspelt(`"${where}" has no field "${part}" (fields: ${Object.keys(node).join(', ')})`);
      }
      return { absent: `no "${part}" under "${where}"` };
    }
    node = next;
  }
  return { value: node as Json };
}
