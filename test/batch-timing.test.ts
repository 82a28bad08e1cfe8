import { describe, expect, it } from 'vitest';
import type { BatchOutcome } from '../scenarios/batch.ts';
import type { RunSummary } from '../sim/engine/summary.ts';
import { WARM_UP_RUNS, batchTiming } from '../bench/batch-timing.ts';

/** A worker's runs back to back from `readyAt`, each lasting the given milliseconds. */
function worker(threadId: number, readyAt: number, durations: readonly number[]): BatchOutcome[] {
  let t = readyAt;
  return durations.map((d, i) => {
    const startedAt = t;
    t += d;
    return { ok: true, file: 'x.json', seed: threadId * 100 + i, summary: {} as RunSummary, seconds: d / 1000, worker: { threadId, readyAt, startedAt, finishedAt: t } };
  });
}

describe('batch timing: start-up, steady state and settled windows', () => {
  // Two workers: each a 1 s first run, 400 ms runs while V8 compiles (to the 4th), then 200 ms.
  const durations = [1000, 400, 400, 400, 200, 200, 200, 200, 200, 200];
  const outcomes = [...worker(1, 100, durations), ...worker(2, 150, durations)];

  it('counts the runs after each window opens while both workers are busy, and their rate', () => {
    const t = batchTiming(outcomes, 0, 4000, 8, 4);
    expect(t.threads).toBe(2);
    expect(t.firstRunSeconds).toBe(1);
    expect(t.workersReadyAfter).toBeCloseTo(0.15);
    // Steady: after each worker's 2nd run (worker 2's ends at 1550) until a worker's last (worker 1's, 3500).
    expect(WARM_UP_RUNS).toBe(2);
    expect(t.steadyRuns).toBe(15);
    expect(t.steadyRunsPerSecond).toBeCloseTo(15 / 1.95);
    // Settled: after each worker's 4th run (2350) until 3500: the 200 ms runs only, near 2 workers' 10/s.
    expect(t.settledRuns).toBe(11);
    expect(t.settledRunsPerSecond).toBeCloseTo(11 / 1.15);
    expect(t.settledRunsPerSecond).toBeGreaterThan(t.steadyRunsPerSecond);
  });

  it('has no settled rate when a worker never got past its warm-up', () => {
    const t = batchTiming([...worker(1, 0, durations), ...worker(2, 0, [1000, 400, 400])], 0, 4000, 8, 4);
    expect(t.settledRuns).toBe(0);
    expect(t.settledRunsPerSecond).toBeNaN();
    expect(t.steadyRuns).toBeGreaterThan(0);
  });
});
