/**
 * Trains the adaptive manipulator's policy against the simulator with the cross-entropy method:
 * each candidate network runs the training windows of a ManipulatorEnv (same windows and seeds
 * for every candidate) and scores its mean hedged net profit. Starts from the zero network
 * (target position 0: do nothing, profit 0), so whatever it learns had to pay. The result is
 * scored on held-out windows, saved as a tfjs model with its settings, and can be compared with
 * the parametric grid search on the same windows (manipulator-grid.ts).
 */
import { type MlpSpec, Mlp, buildTfMlp, parameterCount, setTfWeights } from '../data/mlp.ts';
import { Rng, seedFrom } from '../data/prng.ts';
import { loadTf } from '../data/tf-backend.ts';
import { saveModel } from '../data/tf-model-files.ts';
import { type AdaptiveManipulatorParams, POLICY_FEATURES, POLICY_SPEC } from './adaptive-manipulator.ts';
import { type CemIteration, type CemSettings, crossEntropyMethod } from './cem.ts';
import type { EpisodeResult, ManipulatorEnv } from './manipulator-env.ts';

export type PolicyAgentSettings = Pick<AdaptiveManipulatorParams, 'maxNotional' | 'leverage' | 'interval' | 'deadband'>;

export const DEFAULT_AGENT_SETTINGS: PolicyAgentSettings = { maxNotional: 100_000, leverage: 5, interval: 300, deadband: 0.05 };

export const DEFAULT_CEM: Omit<CemSettings, 'seed'> = { iterations: 12, population: 16, eliteFraction: 0.25, initialStd: 0.5, extraStd: 0.2 };

export interface ManipulatorTrainingResult {
  /** Which policy was kept: the CEM mean, or the best candidate scored. */
  readonly chosen: 'mean' | 'best candidate';
  readonly weights: Float64Array;
  readonly trainScore: number;
  readonly testScore: number | null;
  readonly trainResults: readonly EpisodeResult[];
  readonly testResults: readonly EpisodeResult[];
  readonly history: readonly CemIteration[];
  readonly bestCandidateScore: number;
  readonly episodesRun: number;
  readonly seconds: number;
}

/**
 * The agent spec of a policy given by flat weights, rounded to float32 as the saved tfjs model
 * holds them: the policy that is scored is exactly the one that is saved and loaded.
 */
export function policySpec(weights: ArrayLike<number>, agent: PolicyAgentSettings): { kind: string; params: Record<string, unknown> } {
  return { kind: 'adaptive-manipulator', params: { ...agent, network: { weights: Array.from(weights, (w) => Math.fround(w)) } } };
}

export async function trainManipulatorPolicy(
  env: ManipulatorEnv,
  o: { trainEpisodes: readonly number[]; testEpisodes: readonly number[]; cem: CemSettings; agent: PolicyAgentSettings; onIteration?: (it: CemIteration) => void },
): Promise<ManipulatorTrainingResult> {
  const started = performance.now();
  let episodesRun = 0;
  const score = async (candidates: readonly Float64Array[]) => {
    const scores: number[] = [];
    for (const c of candidates) {
      scores.push((await env.evaluate(policySpec(c, o.agent), o.trainEpisodes)).mean);
      episodesRun += o.trainEpisodes.length;
    }
    return scores;
  };
  const cem = await crossEntropyMethod(new Float64Array(parameterCount(POLICY_SPEC)), score, o.cem, o.onIteration);
  // The final policy: the search's mean, or the best candidate it scored if that did better on
  // the training windows (both chosen on training windows only; ties keep the mean).
  let chosen = cem.mean;
  let train = await env.evaluate(policySpec(cem.mean, o.agent), o.trainEpisodes);
  episodesRun += o.trainEpisodes.length;
  if (cem.bestScore > train.mean) {
    chosen = cem.best;
    train = await env.evaluate(policySpec(cem.best, o.agent), o.trainEpisodes);
    episodesRun += o.trainEpisodes.length;
  }
  const test = o.testEpisodes.length > 0 ? await env.evaluate(policySpec(chosen, o.agent), o.testEpisodes) : null;
  episodesRun += o.testEpisodes.length;
  return {
    chosen: chosen === cem.mean ? 'mean' : 'best candidate',
    weights: Float64Array.from(chosen, (w) => Math.fround(w)),
    trainScore: train.mean,
    testScore: test?.mean ?? null,
    trainResults: train.results,
    testResults: test?.results ?? [],
    history: cem.history,
    bestCandidateScore: cem.bestScore,
    episodesRun,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Saves a policy as a tfjs model with its metadata, after checking that tfjs computes what the
 * float64 twin computes on random feature rows (the largest difference is recorded).
 */
export async function savePolicy(weights: Float64Array, dir: string, metadata: Record<string, unknown>, seed: number): Promise<{ backend: string; maxAbsDiff: number }> {
  const { tf } = await loadTf();
  const spec: MlpSpec = POLICY_SPEC;
  const model = buildTfMlp(tf, spec, seed);
  const twin = Mlp.fromFlat(spec, weights);
  setTfWeights(tf, model, twin);
  const rng = new Rng(seedFrom(`${seed}/policy-check`));
  const rows = Array.from({ length: 64 }, () => Array.from({ length: spec.inputs }, () => 2 * rng.normal()));
  const predicted = tf.tidy(() => (model.predict(tf.tensor2d(rows)) as import('@tensorflow/tfjs').Tensor).arraySync() as number[][]);
  let maxAbsDiff = 0;
  rows.forEach((row, i) => {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs((predicted[i]?.[0] as number) - (twin.forward(row)[0] as number)));
  });
  const backend = tf.getBackend();
  await saveModel(tf, model, dir, { kind: 'manipulator-policy', spec, features: POLICY_FEATURES, ...metadata, tfjsCheck: { backend, rows: rows.length, maxAbsDiff } });
  model.dispose();
  return { backend, maxAbsDiff };
}
