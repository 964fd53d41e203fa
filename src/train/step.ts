/**
 * One training step: forward with training-mode BN and dropout, CE (+ alpha cohesion +
 * beta coupling for a modular model), backward, SGD update. Returns a small stats tensor
 * instead of numbers so the caller can sum steps on the backend and read back rarely.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { maskLosses } from '../losses/mask_losses.js';

/** Layout of the stats vector a step returns. */
export const STAT = { samples: 0, ce: 1, cohesion: 2, coupling: 3, correct: 4, activeMask: 5, maskEntries: 6 } as const;
export const STAT_LENGTH = 7;

export interface StepConfig {
  numClasses: number;
  alpha: number;
  beta: number;
}

export function splitOutputs(outputs: tf.Tensor | tf.Tensor[]): { logits: tf.Tensor2D; masks: tf.Tensor2D[] } {
  const list = Array.isArray(outputs) ? outputs : [outputs];
  return { logits: list[0] as tf.Tensor2D, masks: list.slice(1) as tf.Tensor2D[] };
}

export type TrainStep = (x: tf.Tensor4D, y: tf.Tensor1D) => tf.Tensor1D;

export function makeTrainStep(model: LayersModel, optimizer: tf.Optimizer, config: StepConfig): TrainStep {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return (x, y) => {
    let stats: tf.Tensor1D | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const { logits, masks } = splitOutputs(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]);
      const onehot = tf.oneHot(tf.cast(y, 'int32'), config.numClasses);
      const ce = tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
      const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(y, 'int32')), 'float32'));
      let total: tf.Scalar = ce;
      let parts: tf.Scalar[] = [tf.scalar(0), tf.scalar(0), tf.scalar(0), tf.scalar(0)];
      if (masks.length > 0) {
        const { cohesion, coupling } = maskLosses(masks, y, config.numClasses);
        total = tf.addN([ce, tf.mul(config.alpha, cohesion), tf.mul(config.beta, coupling)]) as tf.Scalar;
        const active = tf.addN(masks.map((m) => tf.sum(tf.cast(tf.greater(m, 0), 'float32'))));
        const entries = masks.reduce((n, m) => n + m.size, 0);
        parts = [cohesion, coupling, active as tf.Scalar, tf.scalar(entries)];
      }
      // Losses are batch means; weight them by batch size so epoch sums divide by samples.
      const n = x.shape[0];
      stats = tf.keep(tf.stack([tf.scalar(n), tf.mul(ce, n), tf.mul(parts[0]!, n), tf.mul(parts[1]!, n), correct, parts[2]!, parts[3]!]) as tf.Tensor1D);
      return total;
    }, vars);
    optimizer.applyGradients(grads);
    tf.dispose(grads);
    value.dispose();
    return stats!;
  };
}
