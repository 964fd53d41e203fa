/**
 * One training step: forward with training-mode BN and dropout, the MwT objective (CE, plus
 * alpha cohesion + beta coupling for a modular model), backward, SGD update. Returns the
 * objective's stats tensor instead of numbers so the caller can sum steps on the backend and read
 * back rarely.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { mwtObjective, type ObjectiveConfig } from '../losses/objective.js';
import { maskGeneratorVariables, scaleGradients } from './mask_learning_rate.js';
import { addWeightDecay, weightDecayOf } from './weight_decay.js';

/** The objective's settings and how the update treats its parameter groups. */
export interface StepConfig extends ObjectiveConfig {
  /** The mask generators' learning rate as a multiple of the model's (default 1). */
  maskLrFactor?: number;
  /** L2 weight decay on every trainable weight but the generators', PyTorch's SGD `weight_decay` (default 0). */
  weightDecay?: number;
  /** The mask generators' weight decay (default 0, whatever weightDecay is). */
  maskWeightDecay?: number;
}

export type TrainStep = (x: tf.Tensor4D, y: tf.Tensor1D) => tf.Tensor1D;

export function makeTrainStep(model: LayersModel, optimizer: tf.Optimizer, config: StepConfig): TrainStep {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const generators = maskGeneratorVariables(model);
  const decay = weightDecayOf(config);
  return (x, y) => {
    let stats: tf.Tensor1D | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const objective = mwtObjective(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[], y, config);
      stats = objective.stats;
      return objective.loss;
    }, vars);
    addWeightDecay(grads, vars, decay, generators);
    scaleGradients(grads, generators, config.maskLrFactor ?? 1);
    optimizer.applyGradients(grads);
    tf.dispose(grads);
    value.dispose();
    return stats!;
  };
}
