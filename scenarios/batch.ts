/**
 * Independent runs (sweep points, Monte Carlo paths, seeds) on a pool of worker threads
 * (piscina). A run that throws or exceeds its time limit is reported with the scenario and seed
 * that caused it; the rest of the batch completes. Results come back in job order.
 */
import { Piscina } from 'piscina';
import type { RunSummary } from '../sim/engine/summary.ts';
import type { BatchTask, TaskResult } from './batch-worker.ts';
import { workerModule } from './worker-bundle.ts';

export interface BatchJob extends BatchTask {
  /** Wall-clock limit for this run (ms); a run past it is stopped and reported as hung. */
  readonly timeoutMs?: number;
}

export type BatchOutcome =
  | { readonly ok: true; readonly file: string; readonly seed: number; readonly summary: RunSummary; readonly seconds: number; readonly worker: WorkerTiming }
  | { readonly ok: false; readonly file: string; readonly seed: number; readonly error: string; readonly timedOut: boolean };

/** Which worker ran a run and when (epoch ms, comparable across threads): how the bench splits start-up from steady state. */
export interface WorkerTiming {
  readonly threadId: number;
  /** When the worker had loaded its code (before its first run). */
  readonly readyAt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
}

export interface BatchOptions<J extends BatchJob> {
  readonly threads: number;
  readonly onDone?: (outcome: BatchOutcome, done: number, total: number, job: J) => void;
}

export async function runBatch<J extends BatchJob>(jobs: readonly J[], o: BatchOptions<J>): Promise<BatchOutcome[]> {
  // Every worker starts at once and stays for the whole batch: each pays its start-up (tsx
  // loading the engine) and JIT warm-up once, and runs stream to whichever is free.
  const threads = Math.max(1, Math.min(o.threads, jobs.length));
  const pool = new Piscina({
    filename: await workerModule(new URL('./batch-worker.ts', import.meta.url), new URL('./batch-worker.mjs', import.meta.url)),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  let done = 0;
  try {
    return await Promise.all(
      jobs.map(async (job): Promise<BatchOutcome> => {
        const { timeoutMs } = job;
        const task: BatchTask = { scenarioText: job.scenarioText, file: job.file, seed: job.seed, ...(job.dataDir ? { dataDir: job.dataDir } : {}) };
        const controller = new AbortController();
        const timer = timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(), timeoutMs);
        let outcome: BatchOutcome;
        try {
          const r = (await pool.run(task, { signal: controller.signal })) as TaskResult;
          outcome = { ok: true, file: job.file, seed: job.seed, summary: r.summary, seconds: r.seconds, worker: r.worker };
        } catch (e) {
          const timedOut = controller.signal.aborted;
          const reason = timedOut ? `no result within ${timeoutMs} ms (stopped)` : e instanceof Error ? e.message : String(e);
          outcome = { ok: false, file: job.file, seed: job.seed, error: `${job.file} seed ${job.seed}: ${reason}`, timedOut };
        } finally {
          if (timer) clearTimeout(timer);
        }
        o.onDone?.(outcome, ++done, jobs.length, job);
        return outcome;
      }),
    );
  } finally {
    await pool.destroy();
  }
}
