/**
 * L2 weight decay as PyTorch's SGD applies it (`weight_decay`): the gradient of a trainable
 * weight gets `decay * weight` added before the momentum update, biases and batch-norm scales
 * included. Neither the paper nor the published implementation uses it (decay 0, the default);
 * it is here as the usual CIFAR regularizer, for runs long enough to overfit a small training set
 * (docs/modular-training.md, "Weight decay at sixty epochs").
 *
 * The mask generators are a parameter group of their own, as in the published implementation,
 * with their own decay, 0 unless given: decaying them enlarged the modules. It is added before
 * their gradients are scaled (mask_learning_rate.ts), so they decay at their own learning rate,
 * as in a PyTorch parameter group.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The decay of the two parameter groups. */
export interface WeightDecay {
  model: number;
  generators: number;
}

/**
 * Adds, in place, `decay * v` to the gradient of each variable in `variables` (disposing the ones
 * replaced), the generators' decay to those named in `generators`. A decay of 0 changes nothing
 * and allocates nothing.
 */
export function addWeightDecay(
  grads: tf.NamedTensorMap,
  variables: readonly tf.Variable[],
  decay: WeightDecay,
  generators: ReadonlySet<string> = new Set(),
): void {
  for (const v of variables) {
    const d = generators.has(v.name) ? decay.generators : decay.model;
    const g = grads[v.name];
    if (d === 0 || g == null) continue;
    grads[v.name] = tf.tidy(() => tf.add(g, tf.mul(v, d)));
    g.dispose();
  }
}

/** The decay of each group from a step's settings; neither decays unless given. */
export function weightDecayOf(config: { weightDecay?: number; maskWeightDecay?: number }): WeightDecay {
  return { model: config.weightDecay ?? 0, generators: config.maskWeightDecay ?? 0 };
}
