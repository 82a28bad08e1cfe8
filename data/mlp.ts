/**
 * A small dense network (multi-layer perceptron) in two forms: a tfjs LayersModel (to train,
 * and to save in the tfjs format), and a float64 twin with the same weights that runs inside the
 * simulator. Inference runs on the twin because agents and path generators are synchronous and
 * run in worker threads, and because float64 JS arithmetic gives the same result on every tfjs
 * backend (tfjs-node, wasm and cpu differ in float32 rounding), which keeps every simulation
 * byte-identical for a seed whatever backend trained the model. Tests check that the twin and
 * tfjs agree to float32 precision.
 */
import type { LayersModel } from '@tensorflow/tfjs';
import type { Tf } from './tf-backend.ts';

export type Activation = 'tanh' | 'linear';

export interface MlpSpec {
  readonly inputs: number;
  readonly hidden: readonly number[];
  readonly outputs: number;
  /** Activation of the hidden layers, and of the output layer. */
  readonly activation: Activation;
  readonly outputActivation: Activation;
}

interface DenseLayer {
  readonly inputs: number;
  readonly outputs: number;
  /** Row-major [inputs][outputs], as tfjs stores a Dense kernel. */
  readonly kernel: Float64Array;
  readonly bias: Float64Array;
  readonly activation: Activation;
}

/** Layer i is named `dense${i}`, so its weights are `dense${i}/kernel` and `dense${i}/bias` in any process. */
export const layerName = (i: number): string => `dense${i}`;

function shapes(spec: MlpSpec): Array<{ inputs: number; outputs: number; activation: Activation }> {
  const sizes = [spec.inputs, ...spec.hidden, spec.outputs];
  return sizes.slice(1).map((outputs, i) => ({ inputs: sizes[i] as number, outputs, activation: i === sizes.length - 2 ? spec.outputActivation : spec.activation }));
}

/** Number of weights and biases. */
export function parameterCount(spec: MlpSpec): number {
  return shapes(spec).reduce((n, l) => n + l.inputs * l.outputs + l.outputs, 0);
}

export class Mlp {
  private readonly layers: DenseLayer[];
  private readonly buffers: Float64Array[];

  private constructor(
    readonly spec: MlpSpec,
    layers: DenseLayer[],
  ) {
    this.layers = layers;
    this.buffers = layers.map((l) => new Float64Array(l.outputs));
  }

  /** From a flat parameter vector: each layer's kernel (row-major) then its bias. */
  static fromFlat(spec: MlpSpec, theta: ArrayLike<number>): Mlp {
    if (theta.length !== parameterCount(spec)) throw new RangeError(`expected ${parameterCount(spec)} parameters, got ${theta.length}`);
    let o = 0;
    const take = (n: number) => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = theta[o + i] as number;
      o += n;
      return out;
    };
    return new Mlp(spec, shapes(spec).map((s) => ({ ...s, kernel: take(s.inputs * s.outputs), bias: take(s.outputs) })));
  }

  /** From weights by name (as read from a saved tfjs model). */
  static fromWeights(spec: MlpSpec, weights: ReadonlyMap<string, { shape: readonly number[]; values: Float64Array }>): Mlp {
    const layers = shapes(spec).map((s, i) => {
      const kernel = weights.get(`${layerName(i)}/kernel`);
      const bias = weights.get(`${layerName(i)}/bias`);
      if (!kernel || !bias) throw new Error(`the model has no weights for layer ${layerName(i)}`);
      if (kernel.shape[0] !== s.inputs || kernel.shape[1] !== s.outputs || bias.values.length !== s.outputs) {
        throw new Error(`layer ${layerName(i)} is ${kernel.shape.join('×')}, the spec says ${s.inputs}×${s.outputs}`);
      }
      return { ...s, kernel: kernel.values, bias: bias.values };
    });
    return new Mlp(spec, layers);
  }

  /** The flat parameter vector (inverse of fromFlat). */
  flat(): Float64Array {
    const out = new Float64Array(parameterCount(this.spec));
    let o = 0;
    for (const l of this.layers) {
      out.set(l.kernel, o);
      o += l.kernel.length;
      out.set(l.bias, o);
      o += l.bias.length;
    }
    return out;
  }

  /** The network's output for one input (a view reused by the next call: copy to keep it). */
  forward(x: ArrayLike<number>): Float64Array {
    let input: ArrayLike<number> = x;
    for (let k = 0; k < this.layers.length; k++) {
      const l = this.layers[k] as DenseLayer;
      const y = this.buffers[k] as Float64Array;
      y.set(l.bias);
      for (let i = 0; i < l.inputs; i++) {
        const xi = input[i] as number;
        if (xi === 0) continue;
        const row = i * l.outputs;
        for (let j = 0; j < l.outputs; j++) y[j] = (y[j] as number) + xi * (l.kernel[row + j] as number);
      }
      if (l.activation === 'tanh') for (let j = 0; j < l.outputs; j++) y[j] = Math.tanh(y[j] as number);
      input = y;
    }
    return this.buffers[this.buffers.length - 1] as Float64Array;
  }
}

/** The tfjs model of a spec, with seeded Glorot-uniform kernels and zero biases. */
export function buildTfMlp(tf: Tf, spec: MlpSpec, seed: number): LayersModel {
  const model = tf.sequential();
  shapes(spec).forEach((s, i) => {
    model.add(
      tf.layers.dense({
        name: layerName(i),
        units: s.outputs,
        activation: s.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
        biasInitializer: 'zeros',
        ...(i === 0 ? { inputShape: [s.inputs] } : {}),
      }),
    );
  });
  return model;
}

/** Copies the float64 twin's weights into a tfjs model of the same spec (as float32). */
export function setTfWeights(tf: Tf, model: LayersModel, mlp: Mlp): void {
  const theta = mlp.flat();
  let o = 0;
  const tensors = shapes(mlp.spec).flatMap((s) => {
    const kernel = tf.tensor2d(Float32Array.from(theta.subarray(o, o + s.inputs * s.outputs)), [s.inputs, s.outputs], 'float32');
    o += s.inputs * s.outputs;
    const bias = tf.tensor1d(Float32Array.from(theta.subarray(o, o + s.outputs)), 'float32');
    o += s.outputs;
    return [kernel, bias];
  });
  model.setWeights(tensors);
  for (const t of tensors) t.dispose();
}

/** The float64 twin of a tfjs model's current weights. */
export function mlpOfTfModel(spec: MlpSpec, model: LayersModel): Mlp {
  const theta: number[] = [];
  for (const w of model.getWeights()) for (const v of w.dataSync()) theta.push(v);
  return Mlp.fromFlat(spec, theta);
}
