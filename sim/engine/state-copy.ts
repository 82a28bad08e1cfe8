/**
 * A deep copy of a model's object graph (a clearing house and everything it reaches) into a
 * freshly constructed skeleton of the same classes. The skeleton supplies the closures its
 * constructors bind (the insurance fund's and the vault's event emitters and parameter reads,
 * bound to their own clearing house); the copy supplies every data field. An object reached
 * twice is copied once, so shared references stay shared; prototypes, property order, Map and
 * Set order and frozenness are kept.
 *
 * A closure anywhere else (one the skeleton does not rebuild) would still point into the source
 * after the copy, so it is refused rather than shared, as are accessors.
 */

type Memo = Map<object, object>;

/** Copies `source`'s state into `skeleton` (built by the same constructors) and returns `skeleton`. */
export function copyInto<T extends object>(skeleton: T, source: T): T {
  const memo: Memo = new Map();
  const pairs: Array<[object, object, string]> = [];
  pairUp(source, skeleton, 'state', memo, new Set(), pairs);
  for (const [from, to, path] of pairs) fillPaired(from, to, path, memo);
  return skeleton;
}

/** Objects of the same class at the same place in both graphs: the skeleton's is the copy (it holds the rebuilt closures). */
function pairUp(from: object, to: object, path: string, memo: Memo, used: Set<object>, pairs: Array<[object, object, string]>): void {
  memo.set(from, to);
  used.add(to);
  pairs.push([from, to, path]);
  for (const key of Reflect.ownKeys(from)) {
    const v = (from as Record<PropertyKey, unknown>)[key];
    const w = (to as Record<PropertyKey, unknown>)[key];
    // Each side's object pairs once: a skeleton object two source objects reached would take both's fields.
    // One object on both sides (both built from the same inputs, e.g. a profile's parameters) is copied, not shared.
    if (v === w || !isPlainOrInstance(v) || !isPlainOrInstance(w) || memo.has(v) || used.has(w) || Object.getPrototypeOf(v) !== Object.getPrototypeOf(w)) continue;
    pairUp(v, w, `${path}.${String(key)}`, memo, used, pairs);
  }
}

function fillPaired(from: object, to: object, path: string, memo: Memo): void {
  const target = to as Record<PropertyKey, unknown>;
  const keys = Reflect.ownKeys(from);
  for (const key of Reflect.ownKeys(to)) if (!keys.includes(key)) delete target[key];
  for (const key of keys) {
    const d = Object.getOwnPropertyDescriptor(from, key) as PropertyDescriptor;
    const at = `${path}.${String(key)}`;
    if (d.get || d.set) throw new Error(`state copy: ${at} is an accessor`);
    if (typeof d.value === 'function') {
      const rebuilt = target[key];
      if (typeof rebuilt !== 'function' || rebuilt === d.value) throw new Error(`state copy: ${at} is a closure the skeleton does not rebuild`);
      continue;
    }
    Object.defineProperty(to, key, { ...d, value: copyValue(d.value, at, memo) });
  }
}

function copyValue(v: unknown, path: string, memo: Memo): unknown {
  if (typeof v === 'function') throw new Error(`state copy: ${path} is a closure the skeleton does not rebuild`);
  if (v === null || typeof v !== 'object') return v;
  const seen = memo.get(v);
  if (seen) return seen;
  let out: object;
  if (Array.isArray(v)) {
    const a: unknown[] = new Array(v.length);
    memo.set(v, a);
    for (let i = 0; i < v.length; i++) a[i] = copyValue(v[i], `${path}[${i}]`, memo);
    out = a;
  } else if (v instanceof Map) {
    const m = new Map();
    memo.set(v, m);
    for (const [k, x] of v) m.set(copyValue(k, `${path}.<key>`, memo), copyValue(x, `${path}.<${String(k)}>`, memo));
    out = m;
  } else if (v instanceof Set) {
    const s = new Set();
    memo.set(v, s);
    for (const x of v) s.add(copyValue(x, `${path}.<member>`, memo));
    out = s;
  } else if (ArrayBuffer.isView(v)) {
    out = (v as unknown as { slice(): object }).slice();
    memo.set(v, out);
  } else if (v instanceof Date) {
    out = new Date(v.getTime());
    memo.set(v, out);
  } else if (isPlainOrInstance(v)) {
    out = Object.create(Object.getPrototypeOf(v) as object | null) as object;
    memo.set(v, out);
    fillPaired(v, out, path, memo);
  } else {
    throw new Error(`state copy: ${path} is a ${Object.prototype.toString.call(v)}, which this copy does not know`);
  }
  if (Object.isFrozen(v)) Object.freeze(out);
  return out;
}

/** A plain object or a class instance (not an array, collection, buffer or other built-in). */
function isPlainOrInstance(v: unknown): v is object {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Map || v instanceof Set || ArrayBuffer.isView(v) || v instanceof Date) return false;
  const tag = Object.prototype.toString.call(v);
  return tag === '[object Object]';
}
