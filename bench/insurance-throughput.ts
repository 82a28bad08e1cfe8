/**
 * The insurance study's throughput: seven-day paths at the study's resolution (its bundled
 * population, generator and plain paths) on the worker pool, paths per second including worker
 * start-up. The study's sweep is built first (fitting and stratifying are not timed) and only its
 * first plain paths are run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STUDIES, loadStudyConfig } from '../scenarios/studies/registry.ts';
import { runSweep } from '../scenarios/sweep.ts';

export async function insuranceThroughput(paths = 16, threads = 2): Promise<{ paths: number; threads: number; seconds: number; pathsPerSecond: number }> {
  const study = STUDIES.insurance;
  const bundled = loadStudyConfig(study, study.defaultConfig);
  const config = { ...bundled, crashes: [], stresses: [], convergence: undefined, grid: undefined, adaptiveCheck: undefined };
  const spec = await study.sweep(config);
  const plain = spec.points.filter((p) => p['label.set'] === 'plain').slice(0, paths);
  if (plain.length < paths) throw new Error(`insurance bench: the bundled config has ${plain.length} plain paths, ${paths} asked`);
  const dir = mkdtempSync(join(tmpdir(), 'vamm-bench-insurance-'));
  try {
    const started = process.hrtime.bigint();
    const rows = await runSweep({ ...spec, points: plain }, { threads, out: join(dir, 'rows.jsonl'), metrics: (s, p) => study.metrics(config, s, p) });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const failed = rows.filter((r) => !r.ok);
    if (failed.length > 0) throw new Error(`insurance bench: ${failed.length} paths failed: ${failed[0]?.error}`);
    return { paths, threads, seconds, pathsPerSecond: paths / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
