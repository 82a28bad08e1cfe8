/**
 * The adaptive manipulator and its training: the cross-entropy method optimises and is
 * deterministic for a seed; a tiny CEM run against the simulator is reproducible to the dollar;
 * a saved policy loads (by tfjs, and by the agent from its folder) and runs exactly as the
 * weights that were scored; the parametric grid search ranks its points; the new agent kind is
 * validated like every other in scenario files.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_DIR, POLICY_SPEC, loadPolicy } from '../agents/adaptive-manipulator.ts';
import { crossEntropyMethod } from '../agents/cem.ts';
import { parametricSearch } from '../agents/manipulator-grid.ts';
import { DEFAULT_POPULATION, ManipulatorEnv, drawWindows } from '../agents/manipulator-env.ts';
import { DEFAULT_AGENT_SETTINGS, type ManipulatorTrainingResult, policySpec, savePolicy, trainManipulatorPolicy } from '../agents/manipulator-training.ts';
import { Mlp, parameterCount } from '../data/mlp.ts';
import { Rng } from '../data/prng.ts';
import { loadTf } from '../data/tf-backend.ts';
import { loadModel, readModelMetadata } from '../data/tf-model-files.ts';
import { parseRunScenario } from '../scenarios/run-loader.ts';

describe('cross-entropy method', () => {
  const target = Float64Array.from([1.5, -2, 0.5]);
  const score = async (cs: readonly Float64Array[]) => cs.map((c) => -c.reduce((s, v, i) => s + (v - (target[i] as number)) ** 2, 0));
  const settings = { iterations: 25, population: 30, eliteFraction: 0.2, initialStd: 1, extraStd: 0.1, seed: 3 };

  it('finds the maximum of a concave function', async () => {
    const r = await crossEntropyMethod(new Float64Array(3), score, settings);
    r.mean.forEach((v, i) => expect(Math.abs(v - (target[i] as number))).toBeLessThan(0.05));
    expect(r.history.at(-1)!.eliteMean).toBeGreaterThan(r.history[0]!.eliteMean);
  });

  it('is deterministic for a seed, and another seed samples differently', async () => {
    const a = await crossEntropyMethod(new Float64Array(3), score, settings);
    const b = await crossEntropyMethod(new Float64Array(3), score, settings);
    expect(Array.from(b.mean)).toEqual(Array.from(a.mean));
    const c = await crossEntropyMethod(new Float64Array(3), score, { ...settings, seed: 4 });
    expect(Array.from(c.mean)).not.toEqual(Array.from(a.mean));
  });
});

describe('adaptive manipulator against the simulator (tiny budget)', () => {
  let env: ManipulatorEnv;
  let trained: ManipulatorTrainingResult;
  const cem = { iterations: 2, population: 3, eliteFraction: 0.34, initialStd: 0.5, extraStd: 0.1, seed: 11 };
  const agent = { ...DEFAULT_AGENT_SETTINGS, interval: 600 };

  beforeAll(async () => {
    env = await ManipulatorEnv.create({
      file: 'w1_black_thursday',
      windows: [
        { from: '2020-03-10T00:00:00Z', to: '2020-03-10T12:00:00Z' },
        { from: '2020-03-11T00:00:00Z', to: '2020-03-11T12:00:00Z' },
      ],
      depth: 5_000_000,
      fundingCap: 0.001,
      capital: 200_000,
      population: DEFAULT_POPULATION,
      seed: 5,
      invariants: 'block',
    });
    trained = await trainManipulatorPolicy(env, { trainEpisodes: [0], testEpisodes: [1], cem, agent });
  });

  it('trains reproducibly: the same seed gives the same policy and the same profits to the cent', async () => {
    expect(trained.history).toHaveLength(2);
    expect(trained.episodesRun).toBe(2 * 3 + (trained.chosen === 'mean' ? 2 : 3));
    const again = await trainManipulatorPolicy(env, { trainEpisodes: [0], testEpisodes: [1], cem, agent });
    expect(Array.from(again.weights)).toEqual(Array.from(trained.weights));
    expect(again.trainScore).toBe(trained.trainScore);
    expect(again.testScore).toBe(trained.testScore);
  });

  it('keeps every invariant while it trades, and its profit adds up', () => {
    for (const r of [...trained.trainResults, ...trained.testResults]) {
      expect(r.invariantViolations).toBe(0);
      expect(r.net).toBeCloseTo(r.equityChange + r.hedgePnl - r.gas, 6);
    }
  });

  it('the zero policy does nothing and makes exactly nothing', async () => {
    const r = await env.run(0, policySpec(new Float64Array(parameterCount(POLICY_SPEC)), agent));
    expect(r.actions).toBe(0);
    expect(r.net).toBe(0);
  });

  it('saves as a tfjs model that tfjs loads, and the agent loaded from the folder runs exactly as the scored weights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const check = await savePolicy(trained.weights, dir, { note: 'test' }, 1);
    expect(check.maxAbsDiff).toBeLessThan(1e-5);
    const meta = readModelMetadata(dir);
    expect(meta.kind).toBe('manipulator-policy');
    expect((meta.tfjsCheck as { backend: string }).backend).toBe(check.backend);
    const { tf } = await loadTf();
    const model = await loadModel(tf, dir);
    const twin = loadPolicy({ policy: dir });
    const rng = new Rng(2);
    const row = Array.from({ length: POLICY_SPEC.inputs }, () => rng.normal());
    const p = (model.predict(tf.tensor2d([row])) as import('@tensorflow/tfjs').Tensor).dataSync()[0] as number;
    expect(Math.abs(p - (twin.forward(row)[0] as number))).toBeLessThan(1e-5);
    model.dispose();
    // Float32 weights were scored, so the loaded policy is the scored one, bit for bit.
    expect(Array.from(twin.flat())).toEqual(Array.from(trained.weights));
    const fromDisk = await env.run(1, { kind: 'adaptive-manipulator', params: { ...agent, policy: dir } });
    expect(fromDisk.net).toBe(trained.testResults[0]!.net);
  });

  it('the parametric grid search ranks its points by mean profit on the chosen episodes', async () => {
    const grid = { holdSide: ['short', 'long'] as const, holdNotional: [20_000], pushMultiple: [1], pushLead: [1800], pushSteps: [2] };
    const results = await parametricSearch(env, { ...grid, holdSide: [...grid.holdSide] }, [0]);
    expect(results).toHaveLength(2);
    expect(results[0]!.mean).toBeGreaterThanOrEqual(results[1]!.mean);
    expect(new Set(results.map((r) => r.params.holdSide))).toEqual(new Set(['short', 'long']));
    for (const r of results) expect(r.results[0]!.actions).toBeGreaterThan(0);
  });
});

describe('the adaptive-manipulator agent kind', () => {
  const scenario = (params: object) =>
    JSON.stringify({
      name: 'adaptive',
      profile: 'default',
      market: { id: 'ETH', depth: '5000000' },
      prices: { file: 'w1_black_thursday', gapPolicy: 'carry-forward' },
      agents: [{ kind: 'adaptive-manipulator', capital: '100000', params }],
    });

  it('is accepted in scenario files with its parameters, and unknown ones are refused', () => {
    expect(parseRunScenario(scenario({ maxNotional: 50000, interval: 600 })).agents[0]!.kind).toBe('adaptive-manipulator');
    expect(() => parseRunScenario(scenario({ pushHarder: true }), 'bad.json')).toThrow();
    expect(() => parseRunScenario(scenario({ deadband: 2 }), 'bad.json')).toThrow();
  });

  it('ships a trained policy of the expected shape', () => {
    const policy = loadPolicy({ policy: DEFAULT_POLICY_DIR });
    expect(policy.flat()).toHaveLength(parameterCount(POLICY_SPEC));
    expect(Mlp.fromFlat(POLICY_SPEC, policy.flat()).forward([0.5, 0, 0, 0, 0])[0]).toBeGreaterThanOrEqual(-1);
    expect(readModelMetadata(DEFAULT_POLICY_DIR).seed).toBe('1');
  });

  it('draws seeded windows inside the period, starting on the hour', () => {
    const from = Date.UTC(2022, 0, 1) / 1000;
    const to = Date.UTC(2023, 0, 1) / 1000;
    const w = drawWindows(from, to, 2, 4, 9);
    expect(drawWindows(from, to, 2, 4, 9)).toEqual(w);
    for (const x of w) {
      const a = Date.parse(x.from) / 1000;
      expect(a % 3600).toBe(0);
      expect(a).toBeGreaterThanOrEqual(from);
      expect(Date.parse(x.to) / 1000).toBeLessThanOrEqual(to);
    }
  });
});
