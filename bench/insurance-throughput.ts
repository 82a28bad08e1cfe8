/**
 * The insurance study's throughput: seven-day paths at the study's resolution (its bundled
 * population, generator and plain paths) on the worker pool, as the study runs them (rows
 * written, metrics extracted). Printed with the start-up apart (workers loading, each worker's
 * first path: the intrabar library, the generator's fit, JIT warm-up) and the steady state,
 * which is what a study of thousands of paths runs at. Only the study's first plain paths are
 * run: they do not depend on the stratification, so the sweep is built with the plain paths'
 * generator alone and few candidates (under a second instead of the bundled config's ~130 CPU s
 * of candidate draws; the plain paths' scenarios are the same).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchOutcome } from '../scenarios/batch.ts';
import { STUDIES, loadStudyConfig } from '../scenarios/studies/registry.ts';
import { runSweep } from '../scenarios/sweep.ts';
import { type BatchTiming, timeBatch } from './batch-timing.ts';

export async function insuranceThroughput(count = 32, threads = 2): Promise<BatchTiming> {
  const study = STUDIES.insurance;
  const bundled = loadStudyConfig(study, study.defaultConfig);
  const paths = { ...bundled.paths, generators: [bundled.paths.plain.generator], candidates: 5000, perStratum: bundled.paths.perStratum.map(() => 1) };
  const config = { ...bundled, paths, crashes: [], stresses: [], convergence: undefined, grid: undefined, adaptiveCheck: undefined };
  const spec = await study.sweep(config);
  const plain = spec.points.filter((p) => p['label.set'] === 'plain').slice(0, count);
  if (plain.length < count) throw new Error(`insurance bench: the bundled config has ${plain.length} plain paths, ${count} asked`);
  const dir = mkdtempSync(join(tmpdir(), 'vamm-bench-insurance-'));
  try {
    return await timeBatch(async () => {
      const outcomes: BatchOutcome[] = [];
      await runSweep({ ...spec, points: plain }, { threads, out: join(dir, 'rows.jsonl'), metrics: (s, p) => study.metrics(config, s, p), onOutcome: (o) => outcomes.push(o) });
      return outcomes;
      // No settled window: 16 paths a worker leave too few after the 12th to time (the warm window is the figure).
    }, Number.POSITIVE_INFINITY);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
