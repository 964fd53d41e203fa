/**
 * The MwT training objective (paper Eq. 6): CE + alpha * cohesion + beta * coupling, and the
 * stats vector a training step returns. Defined once, for the local step (src/train/step.ts)
 * and for each data-parallel replica's share of a step, so a change to the loss trains the same
 * with and without --workers.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MaskLossMean } from './mask_loss_mean.js';
import { maskLosses } from './mask_losses.js';

/** Layout of the stats vector a step returns: sums over the step's samples, to add up steps on the backend. */
export const STAT = { samples: 0, ce: 1, cohesion: 2, coupling: 3, correct: 4, activeMask: 5, maskEntries: 6 } as const;
export const STAT_LENGTH = 7;

export interface ObjectiveConfig {
  numClasses: number;
  /** Weight of the cohesion loss. */
  alpha: number;
  /** Weight of the coupling loss. */
  beta: number;
  /** How the mask losses average over sample pairs (default 'classes', the paper's). */
  maskLossMean?: MaskLossMean;
}

/** A model's outputs: logits first, then (modular model) one mask [batch, kernels] per masked layer. */
export function splitOutputs(outputs: tf.Tensor | tf.Tensor[]): { logits: tf.Tensor2D; masks: tf.Tensor2D[] } {
  const list = Array.isArray(outputs) ? outputs : [outputs];
  return { logits: list[0] as tf.Tensor2D, masks: list.slice(1) as tf.Tensor2D[] };
}

/**
 * The whole batch, for a data-parallel replica that holds only some of its rows: the mask losses
 * compare samples across the whole batch, and CE is a mean over all of it.
 */
export interface WholeBatch {
  /** Labels of the whole batch, rows in replica order. */
  labels: tf.Tensor1D;
  /** The whole batch's masks from this replica's own; the gradient flows back to its own rows only. */
  gatherMasks(masks: tf.Tensor2D[]): tf.Tensor2D[];
}

export interface Objective {
  /** What is differentiated: this step's share of the batch-mean objective. */
  loss: tf.Scalar;
  /** [STAT_LENGTH] sums over this step's own samples; kept, so it outlives a tf.variableGrads scope. */
  stats: tf.Tensor1D;
}

/**
 * The objective of one step on `outputs` (a model applied to the step's rows) with `labels` (int32).
 * Without `whole` the step holds the whole batch. A standard model (no masks) gets CE alone.
 *
 * With `whole`, every replica computes the same mask losses (on the gathered masks) but
 * backpropagates them into its own samples only, and its CE is its own sum over the whole batch
 * size: the replicas' gradients sum to the whole batch's gradient.
 */
export function mwtObjective(
  outputs: tf.Tensor | tf.Tensor[],
  labels: tf.Tensor1D,
  config: ObjectiveConfig,
  whole?: WholeBatch,
): Objective {
  const { logits, masks } = splitOutputs(outputs);
  const n = labels.shape[0];
  const batchSize = whole ? whole.labels.shape[0] : n;
  const classes = tf.cast(labels, 'int32');
  const ceSum = tf.losses.softmaxCrossEntropy(
    tf.oneHot(classes, config.numClasses),
    logits,
    undefined,
    undefined,
    tf.Reduction.SUM,
  ) as tf.Scalar;
  const ce = tf.div(ceSum, batchSize) as tf.Scalar;
  const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), classes), 'float32'));
  if (masks.length === 0) {
    const stats = tf.keep(tf.stack([tf.scalar(n), ceSum, tf.scalar(0), tf.scalar(0), correct, tf.scalar(0), tf.scalar(0)]) as tf.Tensor1D);
    return { loss: ce, stats };
  }
  const { cohesion, coupling } = whole
    ? maskLosses(whole.gatherMasks(masks), whole.labels, config.numClasses, config.maskLossMean)
    : maskLosses(masks, labels, config.numClasses, config.maskLossMean);
  const loss = tf.addN([ce, tf.mul(config.alpha, cohesion), tf.mul(config.beta, coupling)]) as tf.Scalar;
  const active = tf.addN(masks.map((m) => tf.sum(tf.cast(tf.greater(m, 0), 'float32'))));
  const entries = masks.reduce((s, m) => s + m.size, 0);
  // The mask losses are batch means; weighted by this step's samples, so epoch sums divide by samples.
  const stats = tf.keep(
    tf.stack([tf.scalar(n), ceSum, tf.mul(cohesion, n), tf.mul(coupling, n), correct, active, tf.scalar(entries)]) as tf.Tensor1D,
  );
  return { loss, stats };
}
