/**
 * The agents' wake-ups: a binary min-heap holding each agent at most once, at its one pending
 * wake-up, so a reschedule moves the agent instead of leaving a stale entry behind (watchers are
 * rescheduled after nearly every trade). Ties pop in the order they were scheduled.
 */
const NONE_DUE: readonly number[] = [];

export class WakeAgenda {
  /** Agent indices in heap order. */
  private readonly heap: number[] = [];
  private readonly time: number[];
  private readonly seq: number[];
  /** Each agent's place in the heap, or −1. */
  private readonly place: number[];
  private nextSeq = 0;

  constructor(agents: number) {
    this.time = new Array<number>(agents).fill(0);
    this.seq = new Array<number>(agents).fill(0);
    this.place = new Array<number>(agents).fill(-1);
  }

  /** Sets the agent's wake-up (replacing any it had). */
  set(agent: number, time: number): void {
    this.time[agent] = time;
    this.seq[agent] = this.nextSeq++;
    let i = this.place[agent] as number;
    if (i < 0) {
      i = this.heap.length;
      this.heap.push(agent);
      this.place[agent] = i;
    }
    this.siftDown(this.siftUp(i));
  }

  /** Drops the agent's wake-up, if it has one. */
  remove(agent: number): void {
    const i = this.place[agent] as number;
    if (i < 0) return;
    this.place[agent] = -1;
    const last = this.heap.pop() as number;
    if (i === this.heap.length) return;
    this.heap[i] = last;
    this.place[last] = i;
    this.siftDown(this.siftUp(i));
  }

  /** Time of the earliest wake-up (Infinity when none). */
  peekTime(): number {
    return this.heap.length ? (this.time[this.heap[0] as number] as number) : Number.POSITIVE_INFINITY;
  }

  /** Removes and returns every agent due at or before `time`, earliest first (one shared empty list when none is: most blocks). */
  popDue(time: number): readonly number[] {
    if (this.peekTime() > time) return NONE_DUE;
    const out: number[] = [];
    while (this.heap.length && (this.time[this.heap[0] as number] as number) <= time) {
      const agent = this.heap[0] as number;
      out.push(agent);
      this.remove(agent);
    }
    return out;
  }

  private before(a: number, b: number): boolean {
    const ta = this.time[a] as number;
    const tb = this.time[b] as number;
    return ta < tb || (ta === tb && (this.seq[a] as number) < (this.seq[b] as number));
  }

  private siftUp(i: number): number {
    const h = this.heap;
    const agent = h[i] as number;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(agent, h[parent] as number)) break;
      h[i] = h[parent] as number;
      this.place[h[i] as number] = i;
      i = parent;
    }
    h[i] = agent;
    this.place[agent] = i;
    return i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const agent = h[i] as number;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let best = agent;
      if (l < h.length && this.before(h[l] as number, best)) {
        m = l;
        best = h[l] as number;
      }
      if (r < h.length && this.before(h[r] as number, best)) m = r;
      if (m === i) break;
      h[i] = h[m] as number;
      this.place[h[i] as number] = i;
      i = m;
    }
    h[i] = agent;
    this.place[agent] = i;
  }
}
