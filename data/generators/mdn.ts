/**
 * The learned generator: a mixture-density network (Bishop, 1994) over the next hourly return,
 * conditioned on the volatility state of mdn-features.ts. The network outputs, for K Gaussian
 * components, mixing logits, means and log-σ of the next standardised return; a path is drawn
 * one return at a time (pick a component, draw its normal), feeding each return back into the
 * state. Trained with tfjs (data/mdn-training.ts) and loaded from the saved tfjs model; drawn in
 * float64 (data/mlp.ts explains why), so a path depends only on the model files and the seed.
 */
import { join } from 'node:path';
import { type MlpSpec, Mlp } from '../mlp.ts';
import type { Rng } from '../prng.ts';
import { readModelMetadata, readModelWeights } from '../tf-model-files.ts';
import { type FeatureScaling, type FeatureSettings, VolatilityState, featureCount, scaleFeatures } from './mdn-features.ts';
import type { FactName, ReturnGenerator } from './types.ts';

/** Where `vamm train generative` saves by default, and where the generator looks. */
export const DEFAULT_MDN_DIR = join(import.meta.dirname, '..', 'trained', 'mdn-hourly');

/** What the saved model carries besides its weights (model.json's userDefinedMetadata). */
export interface MdnModelMeta {
  readonly kind: 'mdn-generator';
  readonly spec: MlpSpec;
  readonly components: number;
  readonly features: FeatureSettings;
  readonly scaling: FeatureScaling;
  /** σ of the training returns: z = r / scale. */
  readonly scale: number;
  /** Generated |z| is clipped here (a margin above the largest training |z|). */
  readonly zClip: number;
  /**
   * Variance targeting: each drawn z is multiplied by this before it is used, chosen after
   * training so the model's long-run σ equals the training σ (see mdn-training.ts).
   */
  readonly varianceScale: number;
  /** Returns drawn and discarded before a path starts, so it starts from the stationary state. */
  readonly burnIn: number;
  /** Seconds per return. */
  readonly resolution: number;
  /** The facts this model is held to: set from its measured facts (docs/MODELS.md). */
  readonly reproduces: readonly FactName[];
  /** Training settings and results: history, period, seed, epochs, losses, time, backend. */
  readonly training: Record<string, unknown>;
}

const LOG_SIGMA_MIN = -7;
const LOG_SIGMA_MAX = 3;

/** The K mixing weights, means and σ for one input (float64, the same maths as the training loss). */
export function mixtureOf(out: Float64Array, k: number): { pi: Float64Array; mu: Float64Array; sigma: Float64Array } {
  const pi = new Float64Array(k);
  const mu = new Float64Array(k);
  const sigma = new Float64Array(k);
  let maxLogit = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < k; i++) maxLogit = Math.max(maxLogit, out[i] as number);
  let sum = 0;
  for (let i = 0; i < k; i++) {
    pi[i] = Math.exp((out[i] as number) - maxLogit);
    sum += pi[i] as number;
  }
  for (let i = 0; i < k; i++) {
    pi[i] = (pi[i] as number) / sum;
    mu[i] = out[k + i] as number;
    sigma[i] = Math.exp(Math.max(LOG_SIGMA_MIN, Math.min(LOG_SIGMA_MAX, out[2 * k + i] as number)));
  }
  return { pi, mu, sigma };
}

export const MDN_LOG_SIGMA_RANGE = [LOG_SIGMA_MIN, LOG_SIGMA_MAX] as const;

export function readMdnMeta(dir: string): MdnModelMeta {
  const meta = readModelMetadata(dir) as Partial<MdnModelMeta>;
  if (meta.kind !== 'mdn-generator') throw new Error(`${dir} holds no mixture-density generator (kind ${String(meta.kind)})`);
  return meta as MdnModelMeta;
}

/** The generator saved in `dir`. */
export function loadMdnGenerator(dir: string = DEFAULT_MDN_DIR): ReturnGenerator {
  const meta = readMdnMeta(dir);
  if (featureCount(meta.features) !== meta.spec.inputs) throw new Error(`${dir}: ${featureCount(meta.features)} features but the network takes ${meta.spec.inputs}`);
  return mdnGenerator(meta, Mlp.fromWeights(meta.spec, readModelWeights(dir)));
}

/** The generator of a model's metadata and float64 network. */
export function mdnGenerator(meta: MdnModelMeta, net: Mlp): ReturnGenerator {
  const k = meta.components;
  const t = meta.training;
  return {
    name: 'mdn',
    description: `mixture-density network (${k} Gaussians, ${meta.spec.hidden.join('×')} tanh) on a volatility state (EWMA half-lives ${meta.features.halfLives.join('/')} bars + last return), trained with tfjs (${String(t.backend)}) on ${String(t.returns)} returns ${String(t.from)} → ${String(t.to)}, seed ${String(t.seed)}`,
    resolution: meta.resolution,
    reproduces: meta.reproduces,
    params: { components: k, parameters: net.flat().length, scale: meta.scale, varianceScale: meta.varianceScale, zClip: meta.zClip, burnIn: meta.burnIn },
    generate(rng: Rng, steps: number): Float64Array {
      const state = new VolatilityState(meta.features);
      const x = new Float64Array(featureCount(meta.features));
      const out = new Float64Array(steps);
      for (let i = -meta.burnIn; i < steps; i++) {
        const m = mixtureOf(net.forward(scaleFeatures(state.features(x), meta.scaling)), k);
        const u = rng.next();
        let c = 0;
        for (let acc = m.pi[0] as number; u >= acc && c < k - 1; acc += m.pi[++c] as number);
        const z = Math.max(-meta.zClip, Math.min(meta.zClip, meta.varianceScale * ((m.mu[c] as number) + (m.sigma[c] as number) * rng.normal())));
        state.push(z);
        if (i >= 0) out[i] = z * meta.scale;
      }
      return out;
    },
  };
}
