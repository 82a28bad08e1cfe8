/**
 * The insurance study's throughput: seven-day paths at the study's resolution (its bundled
 * population and generator) on the worker pool, paths per second including worker start-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STUDIES, loadStudyConfig } from '../scenarios/studies/registry.ts';
import { runSweep } from '../scenarios/sweep.ts';

export async function insuranceThroughput(paths = 16, threads = 2): Promise<{ paths: number; threads: number; seconds: number; pathsPerSecond: number }> {
  const study = STUDIES.insurance;
  const bundled = loadStudyConfig(study, study.defaultConfig);
  const config = { ...bundled, paths: { ...bundled.paths, count: paths }, replays: [], sensitivity: { ...bundled.sensitivity, factors: [] } };
  const dir = mkdtempSync(join(tmpdir(), 'vamm-bench-insurance-'));
  try {
    const started = process.hrtime.bigint();
    const rows = await runSweep(study.sweep(config), { threads, out: join(dir, 'rows.jsonl'), metrics: (s, p) => study.metrics(config, s, p) });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const failed = rows.filter((r) => !r.ok);
    if (failed.length > 0) throw new Error(`insurance bench: ${failed.length} paths failed: ${failed[0]?.error}`);
    return { paths, threads, seconds, pathsPerSecond: paths / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
