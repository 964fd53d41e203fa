/**
 * Per-channel moments of tensors inside a network over a dataset, in one inference pass: what
 * folding the mean masks (mask_folding.ts) and matching batch-norm statistics (bn_statistics.ts)
 * both measure.
 */
import * as tf from '@tensorflow/tfjs-core';
import { model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { BatchIterator } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';

/** Per-channel mean and variance of a tensor over images (and height and width). */
export interface ChannelMoments {
  mean: Float32Array;
  variance: Float32Array;
}

/**
 * One inference pass over `ds`: the moments of each given tensor of `net` (a layer's output or
 * input) per channel, over every axis but the last (images, height and width).
 */
export function tensorMoments(net: LayersModel, tensors: SymbolicTensor[], ds: Dataset, batchSize = 256): ChannelMoments[] {
  if (ds.count === 0) throw new Error('channel moments: the dataset is empty');
  const probe = functionalModel({ inputs: net.inputs, outputs: tensors });
  const axes = tensors.map((t) => Array.from({ length: t.shape.length - 1 }, (_, a) => a));
  let sums = tf.tidy(() => tensors.map((t) => [tf.zeros([t.shape[t.shape.length - 1]!]), tf.zeros([t.shape[t.shape.length - 1]!])]));
  let count = 0;
  for (const batch of new BatchIterator(ds, { batchSize, shuffle: false }).epoch(0)) {
    const next = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.size, ...ds.shape]);
      const out = probe.predict(x, { batchSize: batch.size });
      const outs = Array.isArray(out) ? out : [out];
      return outs.map((o, i) => [tf.add(sums[i]![0]!, tf.sum(o, axes[i]!)), tf.add(sums[i]![1]!, tf.sum(tf.square(o), axes[i]!))]);
    });
    tf.dispose(sums);
    sums = next;
    count += batch.size;
  }
  const moments = sums.map(([s, s2], i) => {
    const n = count * (tensors[i]!.shape.slice(1, -1) as number[]).reduce((a, b) => a * b, 1);
    const mean = Float32Array.from(s!.dataSync() as Float32Array, (v) => v / n);
    const variance = Float32Array.from(s2!.dataSync() as Float32Array, (v, c) => Math.max(0, v / n - mean[c]! * mean[c]!));
    return { mean, variance };
  });
  tf.dispose(sums);
  return moments;
}
