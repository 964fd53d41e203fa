/**
 * The mask generators' own learning rate, as a multiple of the model's.
 *
 * SGD with (Nesterov) momentum is linear in the gradient: scaling a variable's gradient by k at
 * every step moves it exactly as a learning rate k times larger would, momentum included. So one
 * optimizer and one cosine schedule serve both parameter groups (the published implementation
 * builds two SGD parameter groups, model and mask generators, for the same reason).
 *
 * Why a separate rate at all: the cohesion and coupling losses reach the weights mostly through
 * the generators, and at the model's rate the masks sparsify slowly: in a short run the modules
 * stay large and overlap (docs/modular-training.md has the measurements).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { MaskGenerator } from '../layers/mask_generator.js';

/** Names of the tf.Variables of the model's mask generators (the keys of a variableGrads map). */
export function maskGeneratorVariables(model: LayersModel): Set<string> {
  const names = new Set<string>();
  for (const layer of model.layers) {
    if (layer instanceof MaskGenerator) for (const w of layer.trainableWeights) names.add((w.read() as tf.Variable).name);
  }
  return names;
}

/**
 * Multiplies, in place, the gradients of `variables` by `factor` (disposing the ones replaced).
 * A factor of 1 changes nothing and allocates nothing.
 */
export function scaleGradients(grads: tf.NamedTensorMap, variables: Set<string>, factor: number): void {
  if (factor === 1) return;
  for (const name of variables) {
    const g = grads[name];
    if (g == null) continue;
    grads[name] = tf.mul(g, factor);
    g.dispose();
  }
}
