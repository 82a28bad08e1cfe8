/**
 * The seeded random differential on the perp-v1 twin at bench scale: random perp-v1 sequences
 * replayed on Perp v1 2.2.0's bytecode until at least 10,000 steps were compared, with the
 * model's own speed on the same scripts beside it. A divergence fails the bench and prints the
 * shrunk reproduction.
 */
import { pathToFileURL } from 'node:url';
import { type DifferentialReport, formatDifferentialReport, runPerpV1Differential } from '../contracts/harness/perp-v1/differential.ts';
import { generateScript, sampleSequence } from '../contracts/harness/perp-v1/random-script.ts';
import { buildWorld, tryAction } from '../scenarios/script-runner.ts';

/** Seeds apart from CI's (test/crosscheck-perp-v1-differential.test.ts), so the bench covers other sequences. */
export const BENCH_SEED = 1_000_000;

export interface PerpV1DifferentialBench extends Omit<DifferentialReport, 'failure'> {
  readonly divergences: number;
  /** Script steps (compared or model-only, such as clock moves) per second of the differential. */
  readonly scriptStepsPerSecond: number;
  /** The same scripts through the model alone (steps/s), and how much faster that is. */
  readonly modelStepsPerSecond: number;
  readonly ratio: number;
  readonly failure: DifferentialReport['failure'];
}

/** Runs the sequences' scripts through a fresh model, timed: steps per second. */
function modelSpeed(seed: number, sequences: number): number {
  const scripts = Array.from({ length: sequences }, (_, i) => {
    const { variant, actions } = sampleSequence(seed + i, 150);
    return generateScript(variant, actions).input;
  });
  let steps = 0;
  const start = process.hrtime.bigint();
  for (const input of scripts) {
    const world = buildWorld(input.header);
    for (const { action } of input.actions) {
      tryAction(world, action);
      steps++;
    }
  }
  return steps / (Number(process.hrtime.bigint() - start) / 1e9);
}

export async function perpV1Differential(minCompared = 10_000, seed = BENCH_SEED, onProgress?: (done: number, total: number) => void): Promise<PerpV1DifferentialBench> {
  const report = await runPerpV1Differential({ seed, minCompared, ...(onProgress ? { onProgress } : {}) });
  const model = modelSpeed(seed, report.sequences);
  const scriptStepsPerSecond = report.steps / report.seconds;
  return { ...report, divergences: report.failure ? 1 : 0, scriptStepsPerSecond, modelStepsPerSecond: model, ratio: model / scriptStepsPerSecond };
}

/** The bench's lines: the differential's report (counts, speed, what it exercised, a failure's script) and the model's speed beside it. */
export function formatPerpV1Bench(b: PerpV1DifferentialBench): string {
  return `${formatDifferentialReport(b)}  the model alone runs the same scripts at ${Math.round(b.modelStepsPerSecond)} steps/s: ${b.ratio.toFixed(0)}× the differential's ${b.scriptStepsPerSecond.toFixed(1)} script steps/s\n`;
}

// `npx tsx bench/perp-v1-differential.ts [steps] [seed]`: this part of the bench alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const steps = Number(process.argv[2] ?? 10_000);
  const b = await perpV1Differential(steps, Number(process.argv[3] ?? BENCH_SEED));
  process.stdout.write(formatPerpV1Bench(b));
  if (b.failure) process.exitCode = 1;
}
