/**
 * One training step of a small modular SimCNN from fixed weights, for the tests of how the update
 * treats its parameter groups (the generators' learning rate, weight decay).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildModel } from '../../models/registry.js';
import { makeTrainStep, type StepConfig } from '../../src/train/step.js';
import { seedGlobalRandom } from '../../src/train/random.js';

export const ONE_STEP_SPEC = { numClasses: 4, inputShape: [8, 8, 3] as [number, number, number], width: 0.125, form: 'modular' as const };

export interface OneStep {
  model: LayersModel;
  /** Each trainable weight's values before the step, by variable name. */
  start: Map<string, Float32Array>;
  /** Resets the weights, takes one step with `config` and a new optimizer; the weights after it, by name. */
  after(config: Omit<StepConfig, 'numClasses'>, optimizer: () => tf.Optimizer): Map<string, Float32Array>;
  dispose(): void;
}

/** A model seeded with `seed` and one batch of 8 images whose i-th value is `pixel(i)`, two per class. */
export function oneStep(seed: number, pixel: (i: number) => number): OneStep {
  seedGlobalRandom(seed);
  const { model } = buildModel('simcnn', ONE_STEP_SPEC);
  const initial = model.getWeights().map((w) => tf.clone(w));
  const x = tf.tensor4d(
    Float32Array.from({ length: 8 * 8 * 8 * 3 }, (_, i) => pixel(i)),
    [8, 8, 8, 3],
  );
  const y = tf.tensor1d([0, 0, 1, 1, 2, 2, 3, 3], 'int32');
  const trainable = () => new Map(model.trainableWeights.map((w) => [(w.read() as tf.Variable).name, w.read().dataSync() as Float32Array]));
  const start = trainable();
  return {
    model,
    start,
    after(config, makeOptimizer) {
      model.setWeights(initial);
      const optimizer = makeOptimizer();
      const step = makeTrainStep(model, optimizer, { numClasses: ONE_STEP_SPEC.numClasses, ...config });
      tf.dispose(step(x, y));
      optimizer.dispose();
      return trainable();
    },
    dispose() {
      tf.dispose([x, y, ...initial]);
      model.dispose();
    },
  };
}
