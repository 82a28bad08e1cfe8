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
import { forPath } from '../data/prng.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { parseTimeArg } from '../data/time-arg.ts';
import type { BatchOutcome } from '../scenarios/batch.ts';
import { fittedGenerator } from '../scenarios/price-source.ts';
import { intrabarLibrary } from '../data/intrabar.ts';
import { screenScore } from '../scenarios/studies/cascade-screen.ts';
import { studyScreen } from '../scenarios/studies/screen-market.ts';
import { pathScore } from '../scenarios/studies/strata.ts';
import { STUDIES, loadStudyConfig } from '../scenarios/studies/registry.ts';
import { runSweep } from '../scenarios/sweep.ts';
import { type BatchTiming, timeBatch } from './batch-timing.ts';

/**
 * The bundled insurance config cut to its plain paths: their generator alone, few candidates, no
 * crashes, stresses or checks (the plain paths' scenarios are the same). Written against the
 * config's shape only, so bench/side-by-side.ts applies it to another checkout's config too.
 */
export function plainPathsConfig<C extends { paths: { plain: { generator: unknown }; strata: readonly unknown[] } }>(bundled: C): C {
  const paths = { ...bundled.paths, generators: [bundled.paths.plain.generator], candidates: 5000, perStratum: [1, ...bundled.paths.strata.map(() => 1)] };
  return { ...bundled, paths, crashes: [], stresses: [], convergence: undefined, grid: undefined, adaptiveCheck: undefined };
}

export async function insuranceThroughput(count = 32, threads = 2): Promise<BatchTiming> {
  const study = STUDIES.insurance;
  const config = plainPathsConfig(loadStudyConfig(study, study.defaultConfig));
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

export interface ScreenTiming {
  readonly candidates: number;
  /** Per candidate, on one core: drawing its hourly returns, the largest-move score, the cascade screen (its walk through the drawn 5-minute shapes included). */
  readonly drawMicroseconds: number;
  readonly largestMoveMicroseconds: number;
  readonly screenMicroseconds: number;
}

/**
 * Phase 1's cost per candidate on the bundled config's plain-path generator (bootstrap): its
 * returns drawn, scored by the largest move and by the cascade screen, each timed apart (after
 * `warmUp` candidates), as the study's phase 1 runs them on one core.
 */
export async function screenThroughput(candidates = 20_000, warmUp = 2_000): Promise<ScreenTiming> {
  const study = STUDIES.insurance;
  const config = loadStudyConfig(study, study.defaultConfig);
  const history = { ...config.paths.history, from: parseTimeArg(config.paths.history.from) as number, to: parseTimeArg(config.paths.history.to) as number };
  const gen = await fittedGenerator({ generator: config.paths.plain.generator, history } as never, () => findDataDir());
  const steps = Math.ceil(config.paths.horizon / gen.resolution);
  const window = Math.max(1, Math.round(86400 / gen.resolution));
  const screen = studyScreen(config, await intrabarLibrary(findDataDir()));
  let [draw, move, cascade, sink] = [0, 0, 0, 0];
  for (let i = 0; i < warmUp + candidates; i++) {
    const t0 = performance.now();
    const returns = gen.generate(forPath(config.seed, i), steps);
    const t1 = performance.now();
    sink += pathScore(returns, window);
    const t2 = performance.now();
    sink += screenScore(screen(returns, i));
    const t3 = performance.now();
    if (i < warmUp) continue;
    draw += t1 - t0;
    move += t2 - t1;
    cascade += t3 - t2;
  }
  if (Number.isNaN(sink)) throw new Error('insurance bench: a phase-1 score was NaN');
  const us = (ms: number) => (1000 * ms) / candidates;
  return { candidates, drawMicroseconds: us(draw), largestMoveMicroseconds: us(move), screenMicroseconds: us(cascade) };
}
