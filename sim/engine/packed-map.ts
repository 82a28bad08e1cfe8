/**
 * `xs.map(f)` into an array that stays packed whichever tier runs it. `Array.prototype.map`
 * gives a packed array in the interpreter and a holey one once the caller is optimised (its
 * inlined form allocates the whole length first), so arrays built once per run by a
 * constructor change hidden class in the run where that constructor is first optimised, and
 * every optimised reader of them is thrown back to the interpreter (docs/PERFORMANCE.md: the
 * batch's late deoptimisations, twelfth session). Pushing onto an empty literal keeps the kind.
 */
export function packedMap<T, U>(xs: readonly T[], f: (x: T, i: number) => U): U[] {
  const out: U[] = [];
  for (let i = 0; i < xs.length; i++) out.push(f(xs[i] as T, i));
  return out;
}
