/**
 * Trains the mixture-density generator (data/generators/mdn.ts) with TensorFlow.js: maximum
 * likelihood of each hourly return given the volatility state before it, Adam on shuffled
 * minibatches. Reproducible from a seed: the initial weights are seeded (Glorot with the seed),
 * minibatch order comes from data/prng.ts, and nothing else is random. The same seed on the
 * same backend gives the same weights bit for bit; another backend rounds float32 differently,
 * so its weights differ in the last digits (tested and stated in docs/MODELS.md).
 */
import type { Scalar, Tensor } from '@tensorflow/tfjs';
import type { FactName } from './generators/types.ts';
import { type MdnModelMeta, MDN_LOG_SIGMA_RANGE, mdnGenerator, mixtureOf } from './generators/mdn.ts';
import { type FeatureSettings, featureCount, featureMatrix, fitScaling, scaleFeatures } from './generators/mdn-features.ts';
import { type Mlp, type MlpSpec, buildTfMlp, mlpOfTfModel } from './mlp.ts';
import { Rng, forPath, seedFrom } from './prng.ts';
import { loadTf } from './tf-backend.ts';
import { saveModel } from './tf-model-files.ts';

export interface MdnTrainingSettings {
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly components: number;
  readonly hidden: readonly number[];
  readonly features: FeatureSettings;
  readonly burnIn: number;
}

export const DEFAULT_MDN_SETTINGS: MdnTrainingSettings = {
  seed: 1,
  epochs: 40,
  batchSize: 256,
  learningRate: 0.002,
  components: 4,
  hidden: [32, 32],
  features: { halfLives: [1, 6, 24, 168], lastReturnClip: 8 },
  burnIn: 1000,
};

/**
 * The facts the shipped model is held to, from its measured facts (docs/MODELS.md): volatility
 * (by variance targeting), clustering, quantiles and the worst falls; not kurtosis, which comes
 * out at about 13 against the history's 30 (outside the factor-2 tolerance).
 */
export const MDN_CLAIMS: readonly FactName[] = ['volatility', 'acfAbs', 'quantiles', 'drawdowns'];

export interface MdnTrainingInput {
  /** Training log returns and their resolution (seconds). */
  readonly returns: Float64Array;
  readonly resolution: number;
  /** Where they came from, recorded in the model (file, from, to). */
  readonly source: { readonly file: string; readonly from: string; readonly to: string };
  /** Returns of a later, held-out period: its likelihood is reported, never used to choose anything. */
  readonly heldOut?: { readonly returns: Float64Array; readonly from: string; readonly to: string };
  /** The facts the saved model is held to (decided from its measured facts). */
  readonly reproduces: readonly FactName[];
}

export interface MdnTrainingResult {
  readonly meta: MdnModelMeta;
  /** Mean negative log-likelihood per training return after each epoch (of z; lower is better). */
  readonly losses: readonly number[];
  readonly heldOutNll: number | null;
  readonly seconds: number;
  readonly backend: string;
  /** The flat weights, for determinism checks. */
  readonly weights: Float64Array;
}

/** Mean NLL of standardised returns under the float64 twin (the same maths as the training loss). */
function nll(net: { forward(x: ArrayLike<number>): Float64Array }, x: readonly Float64Array[], y: Float64Array, k: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const m = mixtureOf(net.forward(x[i] as Float64Array), k);
    const z = y[i] as number;
    let p = 0;
    for (let c = 0; c < k; c++) p += ((m.pi[c] as number) / (m.sigma[c] as number)) * Math.exp(-0.5 * ((z - (m.mu[c] as number)) / (m.sigma[c] as number)) ** 2);
    s -= Math.log(p / Math.sqrt(2 * Math.PI));
  }
  return s / x.length;
}

export async function trainMdn(
  input: MdnTrainingInput,
  settings: MdnTrainingSettings,
  o: { out?: string; onEpoch?: (epoch: number, loss: number) => void } = {},
): Promise<MdnTrainingResult> {
  const started = performance.now();
  const { tf, version } = await loadTf();
  // The backend that actually runs (a caller may have switched it since loading).
  const backend = tf.getBackend();
  const k = settings.components;
  let sumSq = 0;
  for (const r of input.returns) sumSq += r * r;
  const mean = input.returns.reduce((a, b) => a + b, 0) / input.returns.length;
  const scale = Math.sqrt(sumSq / input.returns.length - mean * mean);
  const z = input.returns.map((r) => r / scale);
  const warmup = Math.min(Math.floor(z.length / 4), 2 * Math.max(...settings.features.halfLives));
  const raw = featureMatrix(z, settings.features, warmup);
  const scaling = fitScaling(raw.x);
  const x = raw.x.map((row) => scaleFeatures(row, scaling));
  const d = featureCount(settings.features);
  const spec: MlpSpec = { inputs: d, hidden: settings.hidden, outputs: 3 * k, activation: 'tanh', outputActivation: 'linear' };

  const model = buildTfMlp(tf, spec, settings.seed);
  const optimizer = tf.train.adam(settings.learningRate);
  const n = x.length;
  const xs = new Float32Array(settings.batchSize * d);
  const ys = new Float32Array(settings.batchSize);
  const half = 0.5 * Math.log(2 * Math.PI);
  const lossOf = (input: Tensor, target: Tensor) => {
    const out = model.apply(input) as Tensor;
    const [logits, mu, logSigmaRaw] = tf.split(out, 3, 1) as [Tensor, Tensor, Tensor];
    const logSigma = tf.clipByValue(logSigmaRaw, MDN_LOG_SIGMA_RANGE[0], MDN_LOG_SIGMA_RANGE[1]);
    const norm = tf.div(tf.sub(target, mu), tf.exp(logSigma));
    const comp = tf.sub(tf.sub(tf.logSoftmax(logits), logSigma), tf.add(tf.mul(tf.square(norm), 0.5), half));
    return tf.neg(tf.mean(tf.logSumExp(comp, 1))) as Scalar;
  };
  const losses: number[] = [];
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    const order = permutation(n, new Rng(seedFrom(`${settings.seed}/mdn/epoch/${epoch}`)));
    let total = 0;
    let batches = 0;
    for (let b = 0; b + settings.batchSize <= n; b += settings.batchSize) {
      for (let i = 0; i < settings.batchSize; i++) {
        const row = order[b + i] as number;
        xs.set(x[row] as Float64Array, i * d);
        ys[i] = raw.y[row] as number;
      }
      const loss = tf.tidy(() => {
        const input = tf.tensor2d(xs, [settings.batchSize, d]);
        const target = tf.tensor2d(ys, [settings.batchSize, 1]);
        return optimizer.minimize(() => lossOf(input, target), true) as Tensor;
      });
      total += (await loss.data())[0] as number;
      loss.dispose();
      batches++;
    }
    losses.push(total / batches);
    o.onEpoch?.(epoch, total / batches);
  }
  const twin = mlpOfTfModel(spec, model);
  let heldOutNll: number | null = null;
  if (input.heldOut) {
    const hz = input.heldOut.returns.map((r) => r / scale);
    const h = featureMatrix(hz, settings.features, Math.min(warmup, Math.floor(hz.length / 4)));
    heldOutNll = nll(twin, h.x.map((row) => scaleFeatures(row, scaling)), h.y, k);
  }
  const trainNll = nll(twin, x, raw.y, k);
  const seconds = (performance.now() - started) / 1000;
  let zMax = 0;
  for (const v of z) zMax = Math.max(zMax, Math.abs(v));
  const uncalibrated: MdnModelMeta = {
    kind: 'mdn-generator',
    spec,
    components: k,
    features: settings.features,
    scaling,
    scale,
    zClip: 1.25 * zMax,
    varianceScale: 1,
    burnIn: settings.burnIn,
    resolution: input.resolution,
    reproduces: input.reproduces,
    training: {
      ...input.source,
      seed: settings.seed,
      returns: input.returns.length,
      rows: n,
      settings: { ...settings },
      backend,
      tfjs: version,
      seconds: Math.round(seconds * 10) / 10,
      losses: losses.map((l) => Math.round(l * 1e5) / 1e5),
      trainNll: Math.round(trainNll * 1e5) / 1e5,
      heldOut: input.heldOut ? { from: input.heldOut.from, to: input.heldOut.to, returns: input.heldOut.returns.length, nll: Math.round((heldOutNll as number) * 1e5) / 1e5 } : null,
    },
  };
  const calibration = calibrateVariance(uncalibrated, twin, input.returns.length, settings.seed);
  const meta: MdnModelMeta = { ...uncalibrated, varianceScale: calibration.varianceScale, training: { ...uncalibrated.training, calibration } };
  if (o.out) await saveModel(tf, model, o.out, meta as unknown as Record<string, unknown>);
  const weights = twin.flat();
  model.dispose();
  optimizer.dispose();
  return { meta, losses, heldOutNll, seconds, backend, weights };
}

/**
 * Variance targeting. A one-step likelihood fit is not enough for long paths: the volatility
 * state feeds on the model's own draws, so a few per cent of excess predicted variance compounds
 * through the week-long memory (measured: long-run σ 47 % above the history after 40 epochs).
 * As GARCH's variance targeting fixes ω so that the long-run variance is the sample's, one
 * scalar on every draw is fitted here, by bisection on paths of training length (seeded), so
 * that the generated σ equals the training σ. It uses the training returns' σ only.
 */
export function calibrateVariance(meta: MdnModelMeta, net: Mlp, historyLength: number, seed: number): { varianceScale: number; uncalibratedVolatility: number; volatility: number } {
  const paths = 32;
  const steps = Math.max(200, Math.floor(historyLength / 16));
  const volOf = (c: number) => {
    const gen = mdnGenerator({ ...meta, varianceScale: c }, net);
    let s = 0;
    let n = 0;
    for (let i = 0; i < paths; i++) {
      for (const r of gen.generate(forPath(seedFrom(`${seed}/mdn/calibration`), i), steps)) {
        s += r * r;
        n++;
      }
    }
    return Math.sqrt(s / n);
  };
  const target = meta.scale;
  let lo = Math.log(0.25);
  let hi = Math.log(2);
  for (let it = 0; it < 16; it++) {
    const mid = (lo + hi) / 2;
    if (volOf(Math.exp(mid)) > target) hi = mid;
    else lo = mid;
  }
  const varianceScale = Math.round(Math.exp((lo + hi) / 2) * 1e6) / 1e6;
  return { varianceScale, uncalibratedVolatility: volOf(1), volatility: volOf(varianceScale) };
}

/** A seeded Fisher–Yates shuffle of 0..n−1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}
