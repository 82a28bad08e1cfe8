/**
 * The agents' wake-ups: each agent's one pending wake-up in a flat list by index, and the
 * earliest of them kept (found again only after its agent moved later). A run has a hundred
 * agents or so and reschedules several of them every block; a heap paid a sift per reschedule
 * and per pop, where a block that pops scans the list once. The engine marks the agents a block
 * pops in index order whatever order they fell due in, so they are returned in index order.
 * Only the agents that ever had a wake-up are scanned (kept in index order): an insurance path's
 * hundred-odd holders never wake, and scanning them was most of the scan. A pop writes the agents
 * into one buffer kept for the run (`popped`) instead of a new list: nearly every block pops.
 */

export class WakeAgenda {
  /** Each agent's pending wake-up (Infinity: none). */
  private readonly time: Float64Array;
  /** The earliest pending wake-up; NaN when the agent that held it moved later and it must be found again. */
  private earliest = Number.POSITIVE_INFINITY;
  /** The agents that ever had a wake-up, in index order (every other one's is Infinity); `seen` marks them. */
  private readonly waking: number[] = [];
  private readonly seen: Uint8Array;
  /** The agents the last `popDue` popped, at its front (what lies past its count is stale). */
  readonly popped: Int32Array;

  constructor(agents: number) {
    this.time = new Float64Array(agents).fill(Number.POSITIVE_INFINITY);
    this.seen = new Uint8Array(agents);
    this.popped = new Int32Array(agents);
  }

  /** Sets the agent's wake-up (replacing any it had). */
  set(agent: number, time: number): void {
    if (this.seen[agent] === 0 && time !== Number.POSITIVE_INFINITY) this.see(agent);
    const was = this.time[agent] as number;
    this.time[agent] = time;
    // (Comparisons with an unknown earliest, NaN, are false: it stays unknown.)
    if (time <= this.earliest) this.earliest = time;
    else if (was === this.earliest) this.earliest = Number.NaN;
  }

  /** Adds the agent to those scanned, in index order. */
  private see(agent: number): void {
    this.seen[agent] = 1;
    const w = this.waking;
    let k = w.length;
    w.push(agent);
    while (k > 0 && (w[k - 1] as number) > agent) {
      w[k] = w[k - 1] as number;
      k--;
    }
    w[k] = agent;
  }

  /** Drops the agent's wake-up, if it has one. */
  remove(agent: number): void {
    this.set(agent, Number.POSITIVE_INFINITY);
  }

  /** Time of the earliest wake-up (Infinity when none). */
  peekTime(): number {
    if (Number.isNaN(this.earliest)) {
      let earliest = Number.POSITIVE_INFINITY;
      for (const agent of this.waking) {
        const t = this.time[agent] as number;
        if (t < earliest) earliest = t;
      }
      this.earliest = earliest;
    }
    return this.earliest;
  }

  /** Removes every agent due at or before `time` and writes them to the front of `popped`, in index order; returns how many. */
  popDue(time: number): number {
    if (this.peekTime() > time) return 0;
    const out = this.popped;
    let n = 0;
    const times = this.time;
    const waking = this.waking;
    let rest = Number.POSITIVE_INFINITY;
    for (let k = 0; k < waking.length; k++) {
      const agent = waking[k] as number;
      const t = times[agent] as number;
      if (t <= time) {
        out[n++] = agent;
        times[agent] = Number.POSITIVE_INFINITY;
      } else if (t < rest) rest = t;
    }
    this.earliest = rest;
    return n;
  }
}
