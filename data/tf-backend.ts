/**
 * Loads TensorFlow.js once per process with the best backend that works here:
 * `@tensorflow/tfjs-node` (native libtensorflow) when it is installed and loads — it is an
 * optional dependency because its install script downloads libtensorflow, which fails on
 * machines without internet —, otherwise `@tensorflow/tfjs` on the WebAssembly backend, and the
 * pure-JS `cpu` backend as the last resort. `VAMM_TF_BACKEND=wasm|cpu` forces a pure-JS package
 * backend (to compare backends, or to rule one out). Every model output records `backend`.
 */
import type * as TfNamespace from '@tensorflow/tfjs';

export type Tf = typeof TfNamespace;
export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface LoadedTf {
  readonly tf: Tf;
  /** The backend that runs the ops: tfjs-node's native `tensorflow`, `wasm` or `cpu`. */
  readonly backend: TfBackendName;
  readonly version: string;
}

let loading: Promise<LoadedTf> | undefined;

/** The process's TensorFlow.js, loaded on first use. */
export function loadTf(): Promise<LoadedTf> {
  loading ??= load();
  return loading;
}

async function load(): Promise<LoadedTf> {
  const forced = process.env.VAMM_TF_BACKEND;
  if (forced !== undefined && forced !== 'wasm' && forced !== 'cpu') throw new Error(`VAMM_TF_BACKEND=${forced}: use wasm or cpu (tfjs-node is used automatically when installed)`);
  if (forced === undefined) {
    const node = await tryTfjsNode();
    if (node) return node;
  }
  const tf = (await import('@tensorflow/tfjs')) as Tf;
  // tfjs prints a hint to install tfjs-node on first use in Node: that choice is made above.
  tf.env().set('IS_NODE', true);
  if (forced !== 'cpu') {
    await import('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm').catch(() => false)) {
      await tf.ready();
      return { tf, backend: 'wasm', version: tf.version.tfjs };
    }
    if (forced === 'wasm') throw new Error('the tfjs wasm backend did not initialise');
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'cpu', version: tf.version.tfjs };
}

/** tfjs-node if it is installed and its native library loads; undefined otherwise. */
async function tryTfjsNode(): Promise<LoadedTf | undefined> {
  // A variable specifier: the package is optional, so the type checker must not require it.
  const name = '@tensorflow/tfjs-node';
  try {
    const tf = (await import(name)) as Tf;
    await tf.ready();
    return { tf, backend: 'tensorflow', version: tf.version.tfjs };
  } catch {
    return undefined;
  }
}
