/**
 * One training step: forward with training-mode BN and dropout, the MwT objective (CE, plus
 * alpha cohesion + beta coupling for a modular model), backward, SGD update. Returns the
 * objective's stats tensor instead of numbers so the caller can sum steps on the backend and read
 * back rarely.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { mwtObjective, type ObjectiveConfig } from '../losses/objective.js';

export type TrainStep = (x: tf.Tensor4D, y: tf.Tensor1D) => tf.Tensor1D;

export function makeTrainStep(model: LayersModel, optimizer: tf.Optimizer, config: ObjectiveConfig): TrainStep {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return (x, y) => {
    let stats: tf.Tensor1D | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const objective = mwtObjective(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[], y, config);
      stats = objective.stats;
      return objective.loss;
    }, vars);
    optimizer.applyGradients(grads);
    tf.dispose(grads);
    value.dispose();
    return stats!;
  };
}
