/**
 * The opening state built once and copied per run (sim/engine/opened-state.ts) is a fresh build:
 * over random markets, capital, insurance funds and opening books, a copy of the kept template
 * has the same object graph as a build from scratch (every field, prototype, Map order and
 * shared reference), shares nothing with the template, and under the same random operations
 * (trades, liquidations, funding, oracle moves, k changes) gives the same results, events and
 * final state, while the template stays as built. Broken copies (an account map, a position map
 * or the insurance fund's event emitter left shared with the template) fail the same property,
 * and inputs that differ anywhere get different keys.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClearingHouse } from '../sim/clearing-house.ts';
import { type OpeningInputs, type OpenedState, copyOf, openState, openedState, openingKey } from '../sim/engine/opened-state.ts';
import type { BookEntry } from '../sim/engine/opening-book.ts';
import { preBookReserves, bookSkew } from '../sim/engine/opening-book.ts';
import { copyInto } from '../sim/engine/state-copy.ts';
import { toWei } from '../sim/math/units.ts';
import { type ProfileName, profileByName } from '../sim/params.ts';
import { LIQUIDATOR, MARKETS, TRADERS, applyRandomAction, randomActions } from './helpers/random-actions.ts';

const HOLDERS = ['h0', 'h1', 'h2', 'h3', 'h4', 'h5'];

const world = fc.record({
  // Mostly `default`: only the cross-margin design opens a book.
  profile: fc.constantFrom<ProfileName>('default', 'default', 'default', 'perp-v1'),
  prices: fc.tuple(fc.integer({ min: 500, max: 5000 }), fc.integer({ min: 10_000, max: 60_000 })),
  depths: fc.tuple(fc.integer({ min: 500, max: 3000 }), fc.integer({ min: 500, max: 3000 })),
  fund: fc.integer({ min: 0, max: 50_000 }),
  capital: fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.integer({ min: 1000, max: 200_000 }) }), { minLength: TRADERS.length, maxLength: TRADERS.length }),
  backstop: fc.boolean(),
  book: fc.array(fc.record({ holder: fc.integer({ min: 0, max: HOLDERS.length - 1 }), market: fc.integer({ min: 0, max: 1 }), long: fc.boolean(), notional: fc.integer({ min: 1, max: 20 }), leverage: fc.integer({ min: 1, max: 10 }) }), { maxLength: 10 }),
});
type World = typeof world extends fc.Arbitrary<infer W> ? W : never;

/** The opening inputs of a drawn world, assembled as the engine assembles them (simulation.ts). */
function inputsOf(w: World): OpeningInputs {
  const seen = new Set<string>();
  // One position per account and market, one leverage per account (openBook's rules).
  const book: BookEntry[] = [];
  if (w.profile === 'default') {
    for (const e of w.book) {
      const account = HOLDERS[e.holder] as string;
      if (seen.has(`${account}@${e.market}`)) continue;
      seen.add(`${account}@${e.market}`);
      const leverage = book.find((b) => b.account === account)?.leverage ?? toWei(String(e.leverage));
      book.push({ account, market: MARKETS[e.market] as string, side: e.long ? 'long' : 'short', notional: toWei(String(e.notional * 1000)), leverage });
    }
  }
  const markets = MARKETS.map((id, i) => {
    const price = toWei(String(w.prices[i]));
    const depth = toWei(String((w.depths[i] as number) * 1000));
    const reserves = book.some((e) => e.market === id) ? preBookReserves(depth, price, bookSkew(book, id), id) : { quoteReserve: depth, baseReserve: (depth * 10n ** 18n) / price };
    return { id, ...reserves, ...(i === 0 ? { params: { fluctuationLimitRatio: 0n } } : {}), oracle: { answer: price / 10n ** 10n, updatedAt: 1_700_000_000, roundId: BigInt(i + 1) } };
  });
  const accounts = [...TRADERS, LIQUIDATOR, ...HOLDERS].map((id, i) => {
    const capital = toWei(String(w.capital[i] ?? 0));
    return { id, capital, deposited: capital > 0n && w.profile === 'default', backstop: id === LIQUIDATOR && w.backstop };
  });
  return { profile: profileByName(w.profile), start: 1_700_000_000, startBlock: 1000, markets, insuranceFund: toWei(String(w.fund)), accounts, book };
}

/** The first difference between two object graphs (same shape, same values, same sharing), or null. */
function graphDifference(a: unknown, b: unknown, path: string, pairs: Map<object, object>, taken: Set<object>): string | null {
  if (typeof a !== typeof b) return `${path}: ${typeof a} against ${typeof b}`;
  if (typeof a === 'function') return String(a) === String(b) ? null : `${path}: another function`;
  if (a === null || typeof a !== 'object') return Object.is(a, b) ? null : `${path}: ${String(a)} against ${String(b)}`;
  const x = a as object;
  const y = b as object;
  if (pairs.has(x)) return pairs.get(x) === y ? null : `${path}: shared on one side only`;
  if (taken.has(y)) return `${path}: shared on one side only`;
  pairs.set(x, y);
  taken.add(y);
  if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return `${path}: another class`;
  if (Object.isFrozen(x) !== Object.isFrozen(y)) return `${path}: frozen on one side only`;
  if (x instanceof Map || x instanceof Set) {
    const xs = [...(x as Map<unknown, unknown>).entries()];
    const ys = [...(y as Map<unknown, unknown>).entries()];
    if (xs.length !== ys.length) return `${path}: ${xs.length} entries against ${ys.length}`;
    for (let i = 0; i < xs.length; i++) {
      const d = graphDifference(xs[i], ys[i], `${path}.<${String((xs[i] as unknown[])[0])}>`, pairs, taken);
      if (d) return d;
    }
    return null;
  }
  const kx = Reflect.ownKeys(x);
  const ky = Reflect.ownKeys(y);
  if (kx.join() !== ky.join()) return `${path}: keys ${kx.map(String).join(',')} against ${ky.map(String).join(',')}`;
  for (const k of kx) {
    const d = graphDifference((x as Record<PropertyKey, unknown>)[k], (y as Record<PropertyKey, unknown>)[k], `${path}.${String(k)}`, pairs, taken);
    if (d) return d;
  }
  return null;
}

const differs = (a: unknown, b: unknown) => graphDifference(a, b, 'ch', new Map(), new Set());

/** Every object and function reachable from `root`. */
function reachable(root: unknown, into = new Set<unknown>()): Set<unknown> {
  if (root === null || (typeof root !== 'object' && typeof root !== 'function') || into.has(root)) return into;
  into.add(root);
  if (typeof root === 'function') return into;
  if (root instanceof Map) for (const [k, v] of root) reachable(v, reachable(k, into));
  else if (root instanceof Set) for (const v of root) reachable(v, into);
  else for (const k of Reflect.ownKeys(root)) reachable((root as Record<PropertyKey, unknown>)[k], into);
  return into;
}

type Copy = (template: OpenedState, inputs: OpeningInputs) => ClearingHouse;
const honest: Copy = (t, inputs) => copyOf(t.ch, inputs);

/** How much the property exercised: books opened (accounts in them), operations the model accepted. */
const exercised = { books: 0, accounts: 0, accepted: 0 };

/** The property: the copy equals a fresh build and behaves as one; the template keeps its state. */
function copyIsFresh(copy: Copy) {
  return fc.property(world, fc.array(randomActions('liquidations'), { minLength: 10, maxLength: 40 }), (w, actions) => {
    const inputs = inputsOf(w);
    let template: OpenedState;
    try {
      template = openState(inputs);
    } catch (e) {
      // A book this depth cannot hold is refused alike, built or copied.
      expect(() => openedState(inputs)).toThrow((e as Error).message);
      return;
    }
    const pristine = openState(inputs).ch;
    const fresh = openState(inputs).ch;
    const copied = copy(template, inputs);
    expect(differs(fresh, copied)).toBeNull();
    const shared = reachable(template.ch);
    expect([...reachable(copied)].filter((o) => shared.has(o))).toEqual([]);
    if (inputs.book.length > 0) exercised.books++;
    exercised.accounts += template.booked.length;
    for (const a of actions) {
      const want = applyRandomAction(fresh, a);
      const got = applyRandomAction(copied, a);
      expect(got?.message ?? null, JSON.stringify(a)).toBe(want?.message ?? null);
      if (want === null) exercised.accepted++;
    }
    expect(copied.events).toEqual(fresh.events);
    expect(differs(fresh, copied)).toBeNull();
    expect(differs(pristine, template.ch)).toBeNull();
  });
}

describe('the opening state copied from a template', () => {
  it('equals a fresh build, before and after the same random operations, and leaves the template as built', () => {
    fc.assert(copyIsFresh(honest), { numRuns: 120 });
    // Not vacuous: most worlds open a book, and most operations are accepted.
    expect(exercised.books).toBeGreaterThan(40);
    expect(exercised.accounts).toBeGreaterThan(150);
    expect(exercised.accepted).toBeGreaterThan(1000);
  }, 120_000);

  it('the property fails on copies that leave state shared with the template', () => {
    const breakages: Record<string, Copy> = {
      'the accounts map': (t, i) => Object.defineProperty(honest(t, i), 'accounts', { value: t.ch.accounts }),
      "each account's positions": (t, i) => {
        const ch = honest(t, i);
        for (const [owner, a] of ch.accounts) Object.defineProperty(a, 'positions', { value: t.ch.accounts.get(owner)?.positions });
        return ch;
      },
      "the insurance fund's emitter": (t, i) => {
        const ch = honest(t, i);
        (ch.insuranceFund as unknown as { emit: unknown }).emit = (t.ch.insuranceFund as unknown as { emit: unknown }).emit;
        return ch;
      },
    };
    for (const [what, copy] of Object.entries(breakages)) {
      const r = fc.check(copyIsFresh(copy), { numRuns: 60, seed: 7 });
      expect(r.failed, what).toBe(true);
    }
  }, 120_000);

  it('copies a template kept across calls, and builds afresh for other inputs', () => {
    fc.assert(
      fc.property(world, world, (a, b) => {
        for (const w of [a, b, a, b]) {
          const inputs = inputsOf(w);
          let fresh: OpenedState;
          try {
            fresh = openState(inputs);
          } catch {
            continue;
          }
          const kept = openedState(inputs);
          expect(differs(fresh.ch, kept.ch)).toBeNull();
          expect(kept.booked).toEqual(fresh.booked);
          // Mutating the copy changes no later copy.
          applyRandomAction(kept.ch, { kind: 'open', trader: 4, market: 0, long: true, margin: 2000, leverage: 5 });
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('gives inputs that differ in any field different keys, and equal inputs the same key', () => {
    const leaves = (o: unknown, path: string[] = []): string[][] =>
      o !== null && typeof o === 'object' ? Object.entries(o).flatMap(([k, v]) => leaves(v, [...path, k])) : [path];
    fc.assert(
      fc.property(world, fc.nat(), (w, pick) => {
        const inputs = inputsOf(w);
        expect(openingKey(structuredClone(inputs))).toBe(openingKey(inputs));
        const all = leaves(inputs);
        const path = all[pick % all.length] as string[];
        const other = structuredClone(inputs) as unknown as Record<string, unknown>;
        let at = other;
        for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
        const last = path.at(-1) as string;
        const v = at[last];
        at[last] = typeof v === 'bigint' ? v + 1n : typeof v === 'number' ? v + 1 : typeof v === 'boolean' ? !v : typeof v === 'string' ? `${v}x` : v === undefined ? 0 : null;
        expect(openingKey(other as unknown as OpeningInputs)).not.toBe(openingKey(inputs));
      }),
      { numRuns: 200 },
    );
    expect(openingKey({ a: undefined } as never)).not.toBe(openingKey({} as never));
    expect(openingKey({ a: '1n' } as never)).not.toBe(openingKey({ a: 1n } as never));
    expect(() => openingKey({ a: new Map() } as never)).toThrow(/not plain data/);
  });

  it('refuses a closure the skeleton does not rebuild', () => {
    const source = { f: () => 1, data: { g: () => 2 } };
    expect(() => copyInto({ f: () => 1, data: {} } as typeof source, source)).toThrow(/state\.data\.g is a closure/);
    expect(() => copyInto({ f: source.f, data: { g: () => 3 } }, source)).toThrow(/state\.f is a closure/);
  });
});
