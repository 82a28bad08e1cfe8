/**
 * A float time-weighted average of a step function, for agents' view of the mark TWAP: O(1)
 * to record, O(log n) to query, keeping only the window it needs. The exact TWAP stays in
 * the model; this is the cheap estimate agents decide on.
 */
export class FloatTwap {
  private readonly times: number[] = [];
  private readonly values: number[] = [];
  /** integral[i] = ∫ value dt from times[0] to times[i]. */
  private readonly integral: number[] = [];
  private start = 0;
  /** The point `pointAt` found by its last search (where the next query's window starts, near it). */
  private hint = 0;

  constructor(private readonly window: number) {}

  record(time: number, value: number): void {
    const n = this.times.length;
    if (n > this.start && this.times[n - 1] === time) {
      this.values[n - 1] = value;
      return;
    }
    const prev = n > this.start ? (this.integral[n - 1] as number) + (this.values[n - 1] as number) * (time - (this.times[n - 1] as number)) : 0;
    this.times.push(time);
    this.values.push(value);
    this.integral.push(prev);
    // Drop what the window can no longer reach (keep one point before it).
    while (this.start + 1 < this.times.length && (this.times[this.start + 1] as number) <= time - this.window) this.start++;
    if (this.start > 4096 && this.start > this.times.length / 2) {
      this.times.splice(0, this.start);
      this.values.splice(0, this.start);
      this.integral.splice(0, this.start);
      this.start = 0;
    }
  }

  /** The average over [now − window, now] (over the history there is, if shorter). */
  average(now: number): number {
    const n = this.times.length;
    if (n === this.start) return Number.NaN;
    const from = Math.max(this.times[this.start] as number, now - this.window);
    if (now <= from) return this.values[n - 1] as number;
    return (this.integralTo(now) - this.integralTo(from)) / (now - from);
  }

  /** ∫ from times[start] to t (a method, not a closure: tsx's keepNames names a closure on every call). */
  private integralTo(t: number): number {
    if (t <= (this.times[this.start] as number)) return this.integral[this.start] as number;
    const lo = this.pointAt(t);
    return (this.integral[lo] as number) + (this.values[lo] as number) * (t - (this.times[lo] as number));
  }

  /**
   * The last point at or before `t` (after times[start]), in `[start, n)`. The times only
   * increase, so it is the one point whose next is after `t`: a query at or after the last point
   * (the block's own time) or at the point found last time or its next (the window's start, a
   * block later) needs no search.
   */
  private pointAt(t: number): number {
    const times = this.times;
    const last = times.length - 1;
    if (t >= (times[last] as number)) return last;
    for (let k = Math.max(this.hint, this.start); k <= this.hint + 1 && k < last; k++) {
      if ((times[k] as number) <= t && (times[k + 1] as number) > t) return (this.hint = k);
    }
    let lo = this.start;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((times[mid] as number) <= t) lo = mid;
      else hi = mid - 1;
    }
    return (this.hint = lo);
  }
}
