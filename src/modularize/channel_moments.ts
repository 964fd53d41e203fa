/**
 * Per-channel moments of tensors inside a network over a dataset: what folding the mean masks
 * (mask_folding.ts) and matching batch-norm statistics (bn_statistics.ts) both measure.
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
 * Running per-channel sums of values and squares over every axis but the last, batch after
 * batch; `moments()` reads them once at the end (one download, not one per batch).
 */
export class MomentAccumulator {
  private sum: tf.Tensor1D;
  private sumSquares: tf.Tensor1D;
  private values = 0;

  constructor(readonly channels: number) {
    this.sum = tf.keep(tf.zeros([channels]));
    this.sumSquares = tf.keep(tf.zeros([channels]));
  }

  add(t: tf.Tensor): void {
    if (t.shape[t.rank - 1] !== this.channels)
      throw new Error(`channel moments: expected ${this.channels} channels, got shape [${t.shape.join(', ')}]`);
    const axes = Array.from({ length: t.rank - 1 }, (_, a) => a);
    const [sum, sumSquares] = tf.tidy(() => [tf.add(this.sum, tf.sum(t, axes)), tf.add(this.sumSquares, tf.sum(tf.square(t), axes))]);
    tf.dispose([this.sum, this.sumSquares]);
    // kept: add() may run inside a caller's tidy, which must not free the running sums.
    this.sum = tf.keep(sum as tf.Tensor1D);
    this.sumSquares = tf.keep(sumSquares as tf.Tensor1D);
    this.values += t.size / this.channels;
  }

  /** The moments so far; frees the sums (the accumulator is done). */
  moments(): ChannelMoments {
    if (this.values === 0) throw new Error('channel moments: nothing was added');
    const n = this.values;
    const mean = Float32Array.from(this.sum.dataSync() as Float32Array, (v) => v / n);
    const variance = Float32Array.from(this.sumSquares.dataSync() as Float32Array, (v, c) => Math.max(0, v / n - mean[c]! * mean[c]!));
    tf.dispose([this.sum, this.sumSquares]);
    return { mean, variance };
  }
}

/**
 * One inference pass over `ds`: the moments of each given tensor of `net` (a layer's output or
 * input) per channel, over every axis but the last (images, height and width).
 */
export function tensorMoments(net: LayersModel, tensors: SymbolicTensor[], ds: Dataset, batchSize = 256): ChannelMoments[] {
  if (ds.count === 0) throw new Error('channel moments: the dataset is empty');
  const probe = functionalModel({ inputs: net.inputs, outputs: tensors });
  const sums = tensors.map((t) => new MomentAccumulator(t.shape[t.shape.length - 1]!));
  for (const batch of new BatchIterator(ds, { batchSize, shuffle: false }).epoch(0)) {
    tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.size, ...ds.shape]);
      const out = probe.predict(x, { batchSize: batch.size });
      (Array.isArray(out) ? out : [out]).forEach((o, i) => sums[i]!.add(o));
    });
  }
  return sums.map((s) => s.moments());
}
