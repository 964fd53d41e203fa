/**
 * The composed model as the two files `loadLayersModel` reads: model.json (topology and a
 * weights manifest pointing at ./weights.bin, the layout `saveModel` writes in Node) and
 * weights.bin, as object URLs for download links.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

export interface ModelFiles {
  json: Blob;
  weights: Blob;
}

export async function modelFiles(model: LayersModel): Promise<ModelFiles> {
  let files: ModelFiles | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const weights = a.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData);
      const json = {
        format: a.format ?? 'layers-model',
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy,
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['./weights.bin'], weights: a.weightSpecs ?? [] }],
      };
      files = {
        json: new Blob([JSON.stringify(json)], { type: 'application/json' }),
        weights: new Blob([weights], { type: 'application/octet-stream' }),
      };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  return files!;
}
