/**
 * The agents' wake-ups: each agent's one pending wake-up in a flat list by index, and the
 * earliest of them kept (found again only after its agent moved later). A run has a hundred
 * agents or so and reschedules several of them every block; a heap paid a sift per reschedule
 * and per pop, where a block that pops scans the list once. The engine marks the agents a block
 * pops in index order whatever order they fell due in, so they are returned in index order.
 */
const NONE_DUE: readonly number[] = [];

export class WakeAgenda {
  /** Each agent's pending wake-up (Infinity: none). */
  private readonly time: Float64Array;
  /** The earliest pending wake-up; NaN when the agent that held it moved later and it must be found again. */
  private earliest = Number.POSITIVE_INFINITY;

  constructor(agents: number) {
    this.time = new Float64Array(agents).fill(Number.POSITIVE_INFINITY);
  }

  /** Sets the agent's wake-up (replacing any it had). */
  set(agent: number, time: number): void {
    const was = this.time[agent] as number;
    this.time[agent] = time;
    // (Comparisons with an unknown earliest, NaN, are false: it stays unknown.)
    if (time <= this.earliest) this.earliest = time;
    else if (was === this.earliest) this.earliest = Number.NaN;
  }

  /** Drops the agent's wake-up, if it has one. */
  remove(agent: number): void {
    this.set(agent, Number.POSITIVE_INFINITY);
  }

  /** Time of the earliest wake-up (Infinity when none). */
  peekTime(): number {
    if (Number.isNaN(this.earliest)) {
      let earliest = Number.POSITIVE_INFINITY;
      for (const t of this.time) if (t < earliest) earliest = t;
      this.earliest = earliest;
    }
    return this.earliest;
  }

  /** Removes and returns every agent due at or before `time`, in index order (one shared empty list when none is). */
  popDue(time: number): readonly number[] {
    if (this.peekTime() > time) return NONE_DUE;
    const out: number[] = [];
    const times = this.time;
    let rest = Number.POSITIVE_INFINITY;
    for (let agent = 0; agent < times.length; agent++) {
      const t = times[agent] as number;
      if (t <= time) {
        out.push(agent);
        times[agent] = Number.POSITIVE_INFINITY;
      } else if (t < rest) rest = t;
    }
    this.earliest = rest;
    return out;
  }
}
