/**
 * An empty array whose elements kind already holds objects. An empty literal starts as small
 * integers and takes another hidden class at its first object; when that push comes on a rare
 * path (a run's first bad debt, in a worker's 33rd run), its optimised readers see a class they
 * never met and are thrown back to the interpreter, and the literal's allocation site then
 * makes every later array in the new kind, which throws them back once more (README,
 * Benchmarks: the batch's late deoptimisations, thirteenth session). Kinds never go back, so
 * emptying a one-object literal keeps it.
 */
export function objectList<T extends object>(): T[] {
  const list: T[] = [PLACEHOLDER as T];
  list.length = 0;
  return list;
}

const PLACEHOLDER = {};
