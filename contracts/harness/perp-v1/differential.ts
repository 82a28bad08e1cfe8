/**
 * The seeded random differential on the perp-v1 twin: random perp-v1 scripts (random-script.ts)
 * replayed through the model under Perp v1 2.2.0's rules and on 2.2.0's own bytecode, compared
 * to the wei after every step, until a number of compared steps is reached. The model's
 * invariants are checked after every step too. The first failure is shrunk (the sequence cut
 * after the failing step, then chunks of actions removed while it still fails) and returned as
 * a script that `vamm crosscheck --twin perp-v1` and `vamm script` run.
 */
import type { World } from '../../../scenarios/script-runner.ts';
import type { Divergence } from '../replay.ts';
import { type GeneratedScript, type V1Action, type V1Variant, generateScript, sampleSequence } from './random-script.ts';
import { replayPerpV1 } from './replay.ts';

export interface DifferentialOptions {
  readonly seed: number;
  /** Sequences are added until at least this many steps were compared on the chain. */
  readonly minCompared: number;
  /** Random actions per sequence (a shutdown variant adds its closing steps). */
  readonly length?: number;
  /** Compare each open position's views too (margin ratio, notional and PnL); default true. */
  readonly views?: boolean;
  /** Most replays spent on shrinking a failure (default 150). */
  readonly shrinkReplays?: number;
  readonly onProgress?: (compared: number, target: number) => void;
  /** Changes each replay's model after set-up: for testing that failures are found and shrunk. */
  readonly afterSetup?: (world: World) => void;
}

/** What failed: the model against the bytecode, or one of the model's own invariants. */
export type DifferentialFailure =
  | { readonly kind: 'divergence'; readonly step: number; readonly divergence: Divergence }
  | { readonly kind: 'invariant'; readonly step: number; readonly invariant: string; readonly message: string };

export interface DifferentialReproduction {
  readonly sequence: number;
  readonly seed: number;
  readonly variant: V1Variant;
  /** The failure as the shrunk script shows it. */
  readonly failure: DifferentialFailure;
  /** As first found, in the whole sequence. */
  readonly firstFailure: DifferentialFailure;
  readonly actionsBefore: number;
  readonly actionsAfter: number;
  readonly shrinkReplays: number;
  /** The minimal script: `vamm crosscheck --twin perp-v1 <file>` replays it. */
  readonly script: Record<string, unknown>;
}

export interface DifferentialReport {
  readonly seed: number;
  readonly sequences: number;
  /** Script steps run through the model, and those compared on the chain (a transaction or a read). */
  readonly steps: number;
  readonly compared: number;
  readonly transactions: number;
  readonly reverted: number;
  readonly seconds: number;
  /** Compared steps per second of wall time (generation, deployment and replay). */
  readonly stepsPerSecond: number;
  /** Model events and reverts over every sequence: what the run exercised. */
  readonly coverage: Readonly<Record<string, number>>;
  readonly failure: DifferentialReproduction | null;
}

const DEFAULT_LENGTH = 150;

/** Replays one generated script; the first failure, or null. */
async function firstFailure(generated: GeneratedScript, options: DifferentialOptions): Promise<{ failure: DifferentialFailure | null; compared: number; transactions: number; reverted: number }> {
  const broken = generated.invariantViolations[0];
  if (broken) return { failure: { kind: 'invariant', step: broken.step, invariant: broken.invariant, message: broken.message }, compared: 0, transactions: 0, reverted: 0 };
  const report = await replayPerpV1(generated.input, {
    maxDivergences: 1,
    views: options.views ?? true,
    ...(options.afterSetup ? { afterSetup: options.afterSetup } : {}),
  });
  const d = report.divergences[0];
  return { failure: d ? { kind: 'divergence', step: d.step, divergence: d } : null, compared: report.compared, transactions: report.transactions, reverted: report.reverted };
}

/**
 * Shrinks a failing sequence: cut after the action that made the failing step, then remove
 * chunks of actions (halves, quarters, … single actions) while the rest still fails.
 */
async function shrink(
  variant: V1Variant,
  actions: readonly V1Action[],
  generated: GeneratedScript,
  failure: DifferentialFailure,
  options: DifferentialOptions,
): Promise<{ actions: V1Action[]; generated: GeneratedScript; failure: DifferentialFailure; replays: number }> {
  const budget = options.shrinkReplays ?? 150;
  let replays = 0;
  let best = { actions: [...actions], generated, failure };
  const attempt = async (candidate: V1Action[]): Promise<boolean> => {
    if (replays >= budget) return false;
    replays++;
    const g = generateScript(variant, candidate);
    const { failure: f } = await firstFailure(g, options);
    if (f) best = { actions: candidate, generated: g, failure: f };
    return f !== null;
  };
  const origin = generated.origins[failure.step] ?? actions.length - 1;
  if (origin + 1 < actions.length) await attempt(actions.slice(0, origin + 1));
  for (let chunk = Math.ceil(best.actions.length / 2); chunk >= 1; chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2)) {
    for (let start = 0; start < best.actions.length && replays < budget; ) {
      const candidate = [...best.actions.slice(0, start), ...best.actions.slice(start + chunk)];
      if (candidate.length === 0 || !(await attempt(candidate))) start += chunk;
    }
    if (replays >= budget) break;
  }
  return { ...best, replays };
}

/** Runs seeded random sequences until `minCompared` steps were compared, or until the first failure (shrunk). */
export async function runPerpV1Differential(options: DifferentialOptions): Promise<DifferentialReport> {
  const length = options.length ?? DEFAULT_LENGTH;
  const started = Date.now();
  const coverage: Record<string, number> = {};
  let steps = 0;
  let compared = 0;
  let transactions = 0;
  let reverted = 0;
  let sequences = 0;
  let failure: DifferentialReproduction | null = null;
  while (compared < options.minCompared) {
    const seed = options.seed + sequences;
    const { variant, actions } = sampleSequence(seed, length);
    const generated = generateScript(variant, actions);
    sequences++;
    steps += generated.input.actions.length;
    for (const [key, n] of Object.entries(generated.coverage)) coverage[key] = (coverage[key] ?? 0) + n;
    const run = await firstFailure(generated, options);
    compared += run.compared;
    transactions += run.transactions;
    reverted += run.reverted;
    options.onProgress?.(Math.min(compared, options.minCompared), options.minCompared);
    if (run.failure) {
      const shrunk = await shrink(variant, actions, generated, run.failure, options);
      failure = {
        sequence: sequences - 1,
        seed,
        variant,
        failure: shrunk.failure,
        firstFailure: run.failure,
        actionsBefore: generated.input.actions.length,
        actionsAfter: shrunk.generated.input.actions.length,
        shrinkReplays: shrunk.replays,
        script: { ...shrunk.generated.json, name: `perp-v1-differential-seed-${seed}`, description: describeFailure(shrunk.failure) },
      };
      break;
    }
    if (run.compared === 0) throw new Error(`random sequence ${seed} compared no step on the chain`);
  }
  const seconds = (Date.now() - started) / 1000;
  return { seed: options.seed, sequences, steps, compared, transactions, reverted, seconds, stepsPerSecond: compared / seconds, coverage, failure };
}

export function describeFailure(f: DifferentialFailure): string {
  if (f.kind === 'invariant') return `the model's ${f.invariant} invariant broke at step ${f.step}: ${f.message}`;
  const d = f.divergence;
  return `the model and Perp v1 2.2.0 diverge at step ${d.step} (${d.action}), ${d.field}: model ${d.model}, chain ${d.chain}`;
}

/** The failure and its minimal script, as printed for a person to rerun. */
export function formatReproduction(r: DifferentialReproduction): string {
  return [
    `perp-v1 differential FAILED in sequence ${r.sequence} (seed ${r.seed}):`,
    `  first found: ${describeFailure(r.firstFailure)}`,
    `  minimal reproduction (${r.actionsAfter} of ${r.actionsBefore} steps, after ${r.shrinkReplays} shrinking replays): ${describeFailure(r.failure)}`,
    '  save this script and run `vamm crosscheck --twin perp-v1 <file>`:',
    JSON.stringify(r.script, null, 2),
  ].join('\n');
}

/** The run for a person: what was compared, how fast, what it exercised, and the failure if any. */
export function formatDifferentialReport(r: DifferentialReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const entries = Object.entries(r.coverage).sort(([a], [b]) => (a < b ? -1 : 1));
  const events = entries.filter(([k]) => !k.startsWith('revert ')).map(([k, v]) => `${k} ${n(v)}`);
  const reverts = entries.filter(([k]) => k.startsWith('revert ')).map(([k, v]) => `${k.slice(7)} ${n(v)}`);
  const lines = [
    `perp-v1 random differential (seed ${r.seed}): ${n(r.sequences)} sequence${r.sequences === 1 ? '' : 's'}, ${n(r.steps)} steps, ${n(r.compared)} compared on Perp v1 2.2.0's bytecode`,
    `  ${n(r.transactions)} transactions (${n(r.reverted)} reverted, as in the model) in ${r.seconds.toFixed(1)} s: ${r.stepsPerSecond.toFixed(1)} compared steps/s`,
    `  model events: ${events.join(', ')}`,
    `  model reverts: ${reverts.join(', ')}`,
    r.failure ? formatReproduction(r.failure) : 'divergences: none — the model and Perp v1 2.2.0 agree to the wei after every step, and the model\'s invariants held',
  ];
  return `${lines.join('\n')}\n`;
}
