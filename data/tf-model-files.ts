/**
 * A tfjs layers model on disk, in the TensorFlow.js format (`model.json` with the topology and
 * weights manifest, plus `weights.bin`), loadable by any tfjs (`tf.loadLayersModel`), with this
 * project's training settings and results in `userDefinedMetadata`. tfjs-node's `file://`
 * handler is not available without tfjs-node, so the files are written and read here; the same
 * files are also read synchronously, without tfjs, for float64 inference (see mlp.ts).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LayersModel, io } from '@tensorflow/tfjs';
import type { Tf } from './tf-backend.ts';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

interface ModelJson {
  readonly modelTopology: object;
  readonly format: 'layers-model';
  readonly generatedBy: string;
  readonly convertedBy: null;
  readonly weightsManifest: ReadonlyArray<{ readonly paths: readonly string[]; readonly weights: readonly io.WeightsManifestEntry[] }>;
  readonly userDefinedMetadata?: Record<string, unknown>;
}

/** Writes `model` to `dir` (created if needed); each file is replaced whole. */
export async function saveModel(tf: Tf, model: LayersModel, dir: string, metadata: Record<string, unknown>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology as object,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: metadata,
      };
      writeWhole(join(dir, WEIGHTS_BIN), new Uint8Array(weights));
      writeWhole(join(dir, MODEL_JSON), `${JSON.stringify(json, null, 1)}\n`);
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Loads the model in `dir` as a tfjs LayersModel. */
export async function loadModel(tf: Tf, dir: string): Promise<LayersModel> {
  const { json, weights } = readModelFiles(dir);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  // A copy: the file's bytes may sit at an offset inside a pooled Buffer's memory.
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs as io.WeightsManifestEntry[], weightData: weights.slice().buffer as ArrayBuffer }));
}

/** The model's metadata (training settings, results), without loading tfjs. */
export function readModelMetadata(dir: string): Record<string, unknown> {
  return readModelFiles(dir).json.userDefinedMetadata ?? {};
}

/** Every weight by name as float64 (the files hold float32), read synchronously without tfjs. */
export function readModelWeights(dir: string): Map<string, { shape: number[]; values: Float64Array }> {
  const { json, weights } = readModelFiles(dir);
  const out = new Map<string, { shape: number[]; values: Float64Array }>();
  let offset = 0;
  for (const spec of json.weightsManifest.flatMap((g) => g.weights)) {
    if (spec.dtype !== 'float32' || spec.quantization) throw new Error(`${dir}: weight ${spec.name} is ${spec.dtype}${spec.quantization ? ' quantised' : ''}; only float32 is read`);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const view = new Float32Array(weights.buffer.slice(weights.byteOffset + offset, weights.byteOffset + offset + n * 4));
    out.set(spec.name, { shape: [...spec.shape], values: Float64Array.from(view) });
    offset += n * 4;
  }
  if (offset !== weights.byteLength) throw new Error(`${dir}: ${WEIGHTS_BIN} holds ${weights.byteLength} bytes, the manifest ${offset}`);
  return out;
}

function readModelFiles(dir: string): { json: ModelJson; weights: Uint8Array } {
  let text: string;
  try {
    text = readFileSync(join(dir, MODEL_JSON), 'utf8');
  } catch {
    throw new Error(`no trained model in ${dir} (looked for ${MODEL_JSON}); train one with \`vamm train\``);
  }
  const json = JSON.parse(text) as ModelJson;
  if (json.format !== 'layers-model' || !Array.isArray(json.weightsManifest)) throw new Error(`${join(dir, MODEL_JSON)} is not a tfjs layers model`);
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  const weights = Buffer.concat(paths.map((p) => readFileSync(join(dir, p))));
  return { json, weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength) };
}

function writeWhole(file: string, data: string | Uint8Array): void {
  writeFileSync(`${file}.part`, data);
  renameSync(`${file}.part`, file);
}
