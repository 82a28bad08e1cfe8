/**
 * A parser that keeps its last text's parse and hands each caller its own copy. A pool worker
 * is sent the same scenario text for every seed of a batch: parsing it again cost ~1.5 ms a
 * run (the located JSON parser and the schema), and V8 compiled that parser late in each
 * worker's life (~60 ms of TurboFan in a worker's 20th–32nd runs, on the cores the workers
 * share). A copy (structured clone: scenarios are plain data) keeps one run's changes from
 * reaching the next, and gives every run the same kind of objects.
 */
export function lastParse<T>(parse: (text: string, file: string) => T): (text: string, file: string) => T {
  let last: { readonly text: string; readonly file: string; readonly value: T } | null = null;
  return (text, file) => {
    if (last === null || last.text !== text || last.file !== file) last = { text, file, value: parse(text, file) };
    return structuredClone(last.value);
  };
}
