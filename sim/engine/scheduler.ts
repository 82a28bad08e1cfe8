/**
 * A binary min-heap of (time, key): the engine's agenda of agent wake-ups and pending actions.
 * Ties pop in insertion order, so the agenda is deterministic.
 */
const NONE_DUE: readonly never[] = [];

export class Agenda<T> {
  private readonly heap: Array<{ time: number; seq: number; item: T }> = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, item: T): void {
    const node = { time, seq: this.seq++, item };
    const h = this.heap;
    h.push(node);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(node, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = node;
  }

  /** Time of the earliest entry (Infinity when empty). */
  peekTime(): number {
    return this.heap.length ? this.heap[0]!.time : Number.POSITIVE_INFINITY;
  }

  /** The earliest entry's item, without removing it. */
  peekItem(): T | undefined {
    return this.heap[0]?.item;
  }

  pop(): { time: number; item: T } | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      // Sift `last` down from the root (no closure per step: this runs for every agenda entry).
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let best = last;
        if (l < h.length && before(h[l]!, best)) {
          m = l;
          best = h[l]!;
        }
        if (r < h.length && before(h[r]!, best)) m = r;
        if (m === i) break;
        h[i] = h[m]!;
        i = m;
      }
      h[i] = last;
    }
    return { time: top.time, item: top.item };
  }

  /** Pops every entry due at or before `time`, in order (one shared empty list when none is: most blocks). */
  popDue(time: number): readonly T[] {
    if (this.peekTime() > time) return NONE_DUE;
    const out: T[] = [];
    while (this.heap.length && this.heap[0]!.time <= time) out.push(this.pop()!.item);
    return out;
  }
}

function before(a: { time: number; seq: number }, b: { time: number; seq: number }): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
