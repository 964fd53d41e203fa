/** Batched inference (eval-mode BN, no dropout): accuracy, cross-entropy and mask statistics. */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/dataset.js';
import { BatchIterator } from '../data/batches.js';
import { splitOutputs } from '../losses/objective.js';
import type { TaskProgress } from '../log/logger.js';

export interface Evaluation {
  accuracy: number;
  /** Mean cross-entropy of the logits on the labels (softmax over all outputs). */
  loss: number;
  /** Fraction of mask entries > 0 over all masked layers and samples; null for a standard model. */
  kernelRate: number | null;
  samples: number;
}

/** Fails with one line when the images' [h, w, c] is not what the model takes. */
export function checkInputShape(model: LayersModel, shape: readonly number[], what: string): void {
  const expected = model.inputs[0]!.shape.slice(1);
  if (expected.length !== shape.length || expected.some((d, i) => d != null && d !== shape[i])) {
    throw new Error(`${what}: images are ${shape.join('x')} but the model takes ${expected.join('x')}`);
  }
}

/** `progress` is told the images done after every batch. */
export function evaluate(model: LayersModel, ds: Dataset, batchSize = 256, progress?: TaskProgress): Evaluation {
  checkInputShape(model, ds.shape, 'evaluate');
  let correct = 0;
  let lossSum = 0;
  let active = 0;
  let entries = 0;
  const it = new BatchIterator(ds, { batchSize, shuffle: false });
  let done = 0;
  for (const batch of it.epoch(0)) {
    const [c, l, a, e] = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.size, ...ds.shape]);
      const { logits, masks } = splitOutputs(model.predict(x) as tf.Tensor | tf.Tensor[]);
      const labels = tf.tensor1d(batch.y, 'int32');
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
      // Cast, not oneHot's dtype argument: wasm's OneHot writes int32 bits whatever the dtype.
      const oneHot = tf.cast(tf.oneHot(labels, logits.shape[1]!), 'float32');
      const loss = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits))));
      const on = masks.length ? tf.addN(masks.map((m) => tf.sum(tf.cast(tf.greater(m, 0), 'float32')))) : tf.scalar(0);
      return [hits.dataSync()[0]!, loss.dataSync()[0]!, on.dataSync()[0]!, masks.reduce((n, m) => n + m.size, 0)];
    });
    correct += c;
    lossSum += l;
    active += a;
    entries += e;
    progress?.update((done += batch.size));
  }
  progress?.stop();
  return { accuracy: correct / ds.count, loss: lossSum / ds.count, kernelRate: entries > 0 ? active / entries : null, samples: ds.count };
}
