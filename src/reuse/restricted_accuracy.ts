/**
 * Accuracy of an N-way classifier on an M-class sub-task without any training: predict the
 * target class with the largest logit, ignoring the other N - M logits. This is the paper's
 * M-ACC for the standard model (Table 7), and, applied to a mixed module's own N logits, a
 * figure for the module before its new head is trained.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/dataset.js';
import { BatchIterator } from '../data/batches.js';
import { splitOutputs } from '../losses/objective.js';
import { checkInputShape } from '../train/evaluate.js';

/** The model's first output (the logits) for every sample, row-major [count, outputs]. */
export function predictLogits(model: LayersModel, ds: Dataset, batchSize = 256): { logits: Float32Array; width: number } {
  const width = (model.outputs[0]!.shape as number[])[1]!;
  const logits = new Float32Array(ds.count * width);
  let offset = 0;
  const it = new BatchIterator(ds, { batchSize, shuffle: false });
  for (const batch of it.epoch(0)) {
    const values = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.size, ...ds.shape]);
      return splitOutputs(model.predict(x) as tf.Tensor | tf.Tensor[]).logits.dataSync() as Float32Array;
    });
    logits.set(values, offset);
    offset += values.length;
  }
  return { logits, width };
}

/**
 * Accuracy of argmax over the columns `classes` of N-way `logits`, against `labels` given in
 * sub-task numbering (label k means classes[k], as selectClasses relabels). Ties go to the
 * class listed first.
 */
export function restrictedAccuracyFromLogits(
  logits: ArrayLike<number>,
  width: number,
  labels: ArrayLike<number>,
  classes: readonly number[],
): number {
  return accuracyOf(restrictedCorrectFromLogits(logits, width, labels, classes));
}

/** The share of 1s among per-sample hits (1 right, 0 wrong). */
export const accuracyOf = (correct: Uint8Array): number => correct.reduce((n, c) => n + c, 0) / correct.length;

/** Per sample, whether that argmax is its label (1) or not (0): restrictedAccuracyFromLogits image by image. */
export function restrictedCorrectFromLogits(
  logits: ArrayLike<number>,
  width: number,
  labels: ArrayLike<number>,
  classes: readonly number[],
): Uint8Array {
  const n = labels.length;
  if (logits.length !== n * width) throw new Error(`restricted accuracy: expected ${n}x${width} logits, got ${logits.length} values`);
  if (n === 0) throw new Error('restricted accuracy: no samples');
  const correct = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < classes.length; k++) if (logits[i * width + classes[k]!]! > logits[i * width + classes[best]!]!) best = k;
    if (best === labels[i]) correct[i] = 1;
  }
  return correct;
}

/**
 * Whether the model's top logit over all its outputs is each sample's label (1) or not (0), in the
 * dataset's order: the argmax over every class, so ties go to the lower class as in tf.argMax.
 */
export function correctPerImage(model: LayersModel, ds: Dataset, batchSize = 256): Uint8Array {
  checkInputShape(model, ds.shape, 'evaluate');
  const { logits, width } = predictLogits(model, ds, batchSize);
  return restrictedCorrectFromLogits(logits, width, ds.labels, [...Array(width).keys()]);
}

/** M-ACC: `ds` holds the sub-task's samples, labels remapped to 0..M-1 in the order of `classes`. */
export function restrictedAccuracy(model: LayersModel, ds: Dataset, classes: readonly number[], batchSize = 256): number {
  const { logits, width } = predictLogits(model, ds, batchSize);
  return restrictedAccuracyFromLogits(logits, width, ds.labels, classes);
}
