/** Every output of a (multi-output) model over a dataset, each as a row-major Float32Array. */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/dataset.js';
import { BatchIterator } from '../data/batches.js';

export function predictOutputs(model: LayersModel, ds: Dataset, batchSize = 256): { values: Float32Array; width: number }[] {
  const widths = model.outputs.map((o) => (o.shape as number[]).slice(1).reduce((a, b) => a * b, 1));
  const out = widths.map((w) => new Float32Array(ds.count * w));
  let row = 0;
  for (const batch of new BatchIterator(ds, { batchSize, shuffle: false }).epoch(0)) {
    const parts = tf.tidy(() => {
      const y = model.predict(tf.tensor4d(batch.x, [batch.size, ...ds.shape]));
      return (Array.isArray(y) ? y : [y]).map((t) => t.dataSync() as Float32Array);
    });
    parts.forEach((p, i) => out[i]!.set(p, row * widths[i]!));
    row += batch.size;
  }
  return out.map((values, i) => ({ values, width: widths[i]! }));
}
