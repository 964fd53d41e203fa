/**
 * Saving and loading tfjs LayersModels on disk without tfjs-node (whose file:// handler is the
 * only one tfjs ships for Node): `model.json` (topology + weights manifest) and `weights.bin`,
 * both written atomically. Our custom layers are registered on import, so saved models load
 * again with plain `tf.loadLayersModel(mwtFileHandler(dir))`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import '../layers/index.js';
import { writeFileAtomic, writeJsonAtomic } from './atomic.js';

const WEIGHTS_FILE = 'weights.bin';

/** An IOHandler reading/writing `dir/model.json` + `dir/weights.bin`. */
export function fileHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      fs.mkdirSync(dir, { recursive: true });
      const weightData = artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      writeFileAtomic(path.join(dir, WEIGHTS_FILE), new Uint8Array(weightData));
      writeJsonAtomic(path.join(dir, 'model.json'), {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology,
        trainingConfig: artifacts.trainingConfig,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = path.join(dir, 'model.json');
      if (!fs.existsSync(jsonPath)) throw new Error(`${jsonPath}: model file not found`);
      let json: {
        modelTopology: object;
        weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
        userDefinedMetadata?: object;
        format?: string;
        trainingConfig?: tf.io.TrainingConfig;
      };
      try {
        json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
      } catch (e) {
        throw new Error(`${jsonPath}: expected a tfjs model.json (${(e as Error).message})`, { cause: e });
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      const files: string[] = [];
      for (const group of json.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const file = path.join(dir, p);
          if (!fs.existsSync(file)) throw new Error(`${file}: weights file not found (listed in ${jsonPath})`);
          files.push(file);
          buffers.push(fs.readFileSync(file));
        }
      }
      const all = Buffer.concat(buffers);
      checkWeightBytes(files, all.byteLength, specs, jsonPath);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        // Slice with byteOffset: a small Node Buffer shares a larger pooled ArrayBuffer.
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        format: json.format,
        userDefinedMetadata: json.userDefinedMetadata as Record<string, object> | undefined,
        trainingConfig: json.trainingConfig,
      };
    },
  };
}

/** Bytes per stored value of a weight (quantized weights are stored in their quantized type). */
function bytesPerValue(spec: tf.io.WeightsManifestEntry): number | null {
  const stored = spec.quantization?.dtype ?? spec.dtype;
  return ({ float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 } as Record<string, number>)[stored] ?? null;
}

/**
 * A truncated or foreign weights file otherwise fails deep in tfjs ("the tensor should have N
 * values but has M") without naming any file.
 */
function checkWeightBytes(files: string[], actual: number, specs: tf.io.WeightsManifestEntry[], jsonPath: string): void {
  let expected = 0;
  for (const spec of specs) {
    const bytes = bytesPerValue(spec);
    if (bytes == null) return; // string weights have no fixed size: leave the check to tfjs
    expected += spec.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  if (actual !== expected) {
    const what = files.length === 1 ? files[0]! : `${files.join(' + ')} (together)`;
    throw new Error(`${what}: ${actual} bytes, but ${jsonPath} describes ${expected} (the file is truncated or belongs to another model)`);
  }
}

export async function saveModel(model: LayersModel, dir: string): Promise<void> {
  await model.save(fileHandler(dir));
}

export async function loadModel(dir: string): Promise<LayersModel> {
  return tfl.loadLayersModel(fileHandler(dir));
}
