/**
 * Whether two slots hold the same position record (or both none), compared without TurboFan's
 * guess that both sides are objects. A bare `a === b` whose feedback has met only records is
 * compiled to check for objects, and the first slot with no record (an account with nothing in
 * a market, met late in a run) throws its optimised callers back to the interpreter (`sameOwn`,
 * `screenAccount`, `ownStands`, `refresh`, `sums`: ~70 ms of compiling again in each worker
 * of a batch; docs/PERFORMANCE.md: the batch's background threads, fourteenth session). Both
 * sides are made objects first, so the comparison only ever meets objects.
 */
export function sameRecord(a: object | undefined, b: object | undefined): boolean {
  return (a ?? NONE) === (b ?? NONE);
}

const NONE = {};
