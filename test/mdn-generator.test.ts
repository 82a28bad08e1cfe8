/**
 * The learned price generator (mdn): training on a tiny budget learns something (beats a normal
 * fit on its training returns), saves in the tfjs format that tfjs itself loads back with the
 * same outputs as the float64 twin that draws paths, trains to the same weights bit for bit
 * from a seed on one backend, and the shipped model loads through the generator registry.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MDN_DIR, loadMdnGenerator, readMdnMeta } from '../data/generators/mdn.ts';
import { fitGenerator } from '../data/generators/registry.ts';
import { HOURLY_HISTORY, loadHistory } from '../data/history.ts';
import { DEFAULT_MDN_SETTINGS, type MdnTrainingResult, type MdnTrainingSettings, trainMdn } from '../data/mdn-training.ts';
import { Mlp } from '../data/mlp.ts';
import { Rng, forPath } from '../data/prng.ts';
import { findDataDir } from '../data/shared-dir.ts';
import { loadTf } from '../data/tf-backend.ts';
import { loadModel, readModelWeights } from '../data/tf-model-files.ts';

const TINY: MdnTrainingSettings = { ...DEFAULT_MDN_SETTINGS, epochs: 3, batchSize: 128, hidden: [8], components: 2, burnIn: 100, features: { halfLives: [1, 24], lastReturnClip: 8 } };

let returns: Float64Array;
const input = () => ({ returns, resolution: 3600, source: { file: 'test', from: '2022-01-01', to: '2022-07-01' }, reproduces: ['volatility' as const] });

beforeAll(async () => {
  const h = await loadHistory(join(findDataDir(), HOURLY_HISTORY), { from: Date.UTC(2022, 0, 1) / 1000, to: Date.UTC(2022, 6, 1) / 1000 });
  returns = h.returns;
});

describe('mdn training on a tiny budget', () => {
  let dir: string;
  let a: MdnTrainingResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mdn-'));
    a = await trainMdn(input(), TINY, { out: dir });
  });

  it('learns: its likelihood beats a normal distribution fitted to the same returns', () => {
    // A normal with the returns' own σ has NLL ½·ln(2πe) ≈ 1.419 per standardised return.
    const normalNll = 0.5 * Math.log(2 * Math.PI * Math.E);
    expect(a.losses).toHaveLength(3);
    for (const l of a.losses) expect(Number.isFinite(l)).toBe(true);
    expect(a.meta.training.trainNll as number).toBeLessThan(normalNll - 0.05);
  });

  it('records its settings, the backend that ran and the calibration in the saved model', async () => {
    const meta = readMdnMeta(dir);
    const { tf } = await loadTf();
    expect(meta.training.backend).toBe(tf.getBackend());
    expect(['tensorflow', 'wasm', 'cpu']).toContain(meta.training.backend);
    expect((meta.training.settings as MdnTrainingSettings).epochs).toBe(3);
    expect(meta.training.seed).toBe(TINY.seed);
    expect(meta.varianceScale).toBeGreaterThan(0.25);
    expect(meta.varianceScale).toBeLessThan(2);
  });

  it('saves in the tfjs format: tfjs loads it and predicts what the float64 twin computes', async () => {
    const { tf } = await loadTf();
    const model = await loadModel(tf, dir);
    const meta = readMdnMeta(dir);
    const twin = Mlp.fromWeights(meta.spec, readModelWeights(dir));
    const rng = new Rng(5);
    const rows = Array.from({ length: 16 }, () => Array.from({ length: meta.spec.inputs }, () => rng.normal()));
    const predicted = (model.predict(tf.tensor2d(rows)) as import('@tensorflow/tfjs').Tensor).arraySync() as number[][];
    rows.forEach((row, i) => {
      const out = twin.forward(row);
      (predicted[i] as number[]).forEach((v, j) => expect(Math.abs(v - (out[j] as number))).toBeLessThan(1e-5));
    });
    model.dispose();
  });

  it('the same seed trains to the same weights bit for bit and draws the same paths; another seed differs', async () => {
    const b = await trainMdn(input(), TINY);
    expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
    expect(b.meta.varianceScale).toBe(a.meta.varianceScale);
    const c = await trainMdn(input(), { ...TINY, seed: 2 });
    expect(Array.from(c.weights)).not.toEqual(Array.from(a.weights));
    const gen = loadMdnGenerator(dir);
    expect(Array.from(gen.generate(forPath(9, 0), 200))).toEqual(Array.from(gen.generate(forPath(9, 0), 200)));
    expect(Array.from(gen.generate(forPath(9, 1), 200))).not.toEqual(Array.from(gen.generate(forPath(9, 0), 200)));
  });
});

describe('the shipped mdn model', () => {
  it('loads through the registry at its resolution and refuses another', () => {
    const gen = fitGenerator('mdn', new Float64Array(10), 3600);
    expect(gen.name).toBe('mdn');
    expect(gen.reproduces).toContain('volatility');
    expect(readMdnMeta(DEFAULT_MDN_DIR).training.from).toBe('2020-01-01T00:00:00Z');
    const path = gen.generate(forPath(1, 0), 500);
    for (const r of path) expect(Number.isFinite(r) && Math.abs(r) < 0.5).toBe(true);
    expect(() => fitGenerator('mdn', new Float64Array(10), 300)).toThrow(/trained on 3600s returns/);
  });
});
