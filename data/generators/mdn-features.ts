/**
 * What the mixture-density generator conditions on: a recurrent volatility state built from the
 * returns so far — exponentially weighted means of z² (z = return / training σ) at several
 * half-lives (an hour to a week: the short and long memory of volatility clustering) — and the
 * last return (sign and size: the leverage effect). The same code builds the training inputs
 * from history and runs the state forward while generating, so the two cannot disagree.
 *
 * Inputs are standardised with the training mean and σ of each feature and clamped to the
 * range seen in training: the network is never asked about a state it has not seen, which keeps
 * long generated paths from drifting into explosive or dead volatility.
 */

export interface FeatureSettings {
  /** Half-lives (bars) of the EWMA volatility state. */
  readonly halfLives: readonly number[];
  /** |z| of the last return is clipped here before it enters the features. */
  readonly lastReturnClip: number;
}

export interface FeatureScaling {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Standardised range seen in training (inputs are clamped to it). */
  readonly min: readonly number[];
  readonly max: readonly number[];
}

export const featureCount = (s: FeatureSettings): number => s.halfLives.length + 1;

/** The running state: one EWMA of z² per half-life, and the last z. */
export class VolatilityState {
  private readonly alpha: Float64Array;
  private readonly v: Float64Array;
  private last = 0;

  constructor(private readonly s: FeatureSettings) {
    this.alpha = Float64Array.from(s.halfLives, (h) => 1 - 2 ** (-1 / h));
    // Start at the unconditional level (z has unit variance in training).
    this.v = new Float64Array(s.halfLives.length).fill(1);
  }

  push(z: number): void {
    const z2 = z * z;
    for (let k = 0; k < this.v.length; k++) this.v[k] = (this.v[k] as number) + (this.alpha[k] as number) * (z2 - (this.v[k] as number));
    this.last = z;
  }

  /** Raw features into `out`: ½·ln(EWMA z²) per half-life (log volatility), then the clipped last z. */
  features(out: Float64Array): Float64Array {
    for (let k = 0; k < this.v.length; k++) out[k] = 0.5 * Math.log((this.v[k] as number) + 1e-6);
    out[this.v.length] = Math.max(-this.s.lastReturnClip, Math.min(this.s.lastReturnClip, this.last));
    return out;
  }
}

/** Standardises and clamps raw features in place. */
export function scaleFeatures(raw: Float64Array, sc: FeatureScaling): Float64Array {
  for (let k = 0; k < raw.length; k++) {
    const x = ((raw[k] as number) - (sc.mean[k] as number)) / (sc.std[k] as number);
    raw[k] = Math.max(sc.min[k] as number, Math.min(sc.max[k] as number, x));
  }
  return raw;
}

/**
 * Training pairs from a history of standardised returns: the raw features before each return
 * (after a warm-up of `warmup` returns that only build the state), and the return itself.
 */
export function featureMatrix(z: Float64Array, s: FeatureSettings, warmup: number): { x: Float64Array[]; y: Float64Array } {
  const state = new VolatilityState(s);
  const x: Float64Array[] = [];
  const y: number[] = [];
  for (let t = 0; t < z.length; t++) {
    if (t >= warmup) {
      x.push(state.features(new Float64Array(featureCount(s))));
      y.push(z[t] as number);
    }
    state.push(z[t] as number);
  }
  return { x, y: Float64Array.from(y) };
}

/** Mean, σ and standardised range of each feature over the training rows. */
export function fitScaling(x: readonly Float64Array[]): FeatureScaling {
  const d = (x[0] as Float64Array).length;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const row of x) for (let k = 0; k < d; k++) mean[k] = (mean[k] as number) + (row[k] as number) / x.length;
  for (const row of x) for (let k = 0; k < d; k++) std[k] = (std[k] as number) + ((row[k] as number) - (mean[k] as number)) ** 2 / x.length;
  for (let k = 0; k < d; k++) std[k] = Math.sqrt(std[k] as number) || 1;
  const min = new Array<number>(d).fill(Number.POSITIVE_INFINITY);
  const max = new Array<number>(d).fill(Number.NEGATIVE_INFINITY);
  for (const row of x) {
    for (let k = 0; k < d; k++) {
      const v = ((row[k] as number) - (mean[k] as number)) / (std[k] as number);
      min[k] = Math.min(min[k] as number, v);
      max[k] = Math.max(max[k] as number, v);
    }
  }
  return { mean, std, min, max };
}
