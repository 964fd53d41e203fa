/** --weight-decay: PyTorch SGD's L2 term, decay * w added to each gradient before the generators' scaling. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/index.js';
import { buildModel } from '../../models/registry.js';
import { makeTrainStep } from '../../src/train/step.js';
import { maskGeneratorVariables } from '../../src/train/mask_learning_rate.js';
import { addWeightDecay, weightDecayOf } from '../../src/train/weight_decay.js';
import { seedGlobalRandom } from '../../src/train/random.js';
import { recordedSettings } from '../../src/train/run_info.js';
import { testBackend } from '../support/backend.js';

const SPEC = { numClasses: 4, inputShape: [8, 8, 3] as [number, number, number], width: 0.125, form: 'modular' as const };

describe('weight decay', () => {
  beforeAll(async () => {
    await initBackend(testBackend('cpu'));
  });
  afterAll(() => tf.disposeVariables());

  it('adds decay * w to each named gradient, by hand, and leaks nothing', () => {
    const w = tf.variable(tf.tensor1d([10, -4]), true, 'wd_test_w');
    const grads: tf.NamedTensorMap = { wd_test_w: tf.tensor1d([1, 2]) };
    const before = tf.memory().numTensors;
    addWeightDecay(grads, [w], { model: 0.1, generators: 0 });
    expect(Array.from(grads.wd_test_w!.dataSync())).toEqual([expect.closeTo(2, 6), expect.closeTo(1.6, 6)]);
    expect(tf.memory().numTensors).toBe(before);
    const same = grads.wd_test_w;
    addWeightDecay(grads, [w], { model: 0.1, generators: 0 }, new Set(['wd_test_w']));
    expect(grads.wd_test_w).toBe(same);
    tf.dispose([w, grads.wd_test_w!]);
  });

  it("the generators' decay defaults to the model's", () => {
    expect(weightDecayOf({})).toEqual({ model: 0, generators: 0 });
    expect(weightDecayOf({ weightDecay: 5e-4 })).toEqual({ model: 5e-4, generators: 5e-4 });
    expect(weightDecayOf({ weightDecay: 5e-4, maskWeightDecay: 0 })).toEqual({ model: 5e-4, generators: 0 });
  });

  it("a run that recorded no generators' decay decayed them as the model, and one that recorded no decay had none", () => {
    expect(recordedSettings({ weightDecay: 5e-4 })).toMatchObject({ weightDecay: 5e-4, maskWeightDecay: 5e-4 });
    expect(recordedSettings({})).toMatchObject({ weightDecay: 0, maskWeightDecay: 0 });
    expect(recordedSettings({ weightDecay: 5e-4, maskWeightDecay: 0 })).toMatchObject({ maskWeightDecay: 0 });
  });

  it('an SGD step moves each weight lr * decay * w further, generators at their own rate and decay', () => {
    seedGlobalRandom(3);
    const { model } = buildModel('simcnn', SPEC);
    const start = model.getWeights().map((w) => tf.clone(w));
    const x = tf.tensor4d(
      Float32Array.from({ length: 8 * 8 * 8 * 3 }, (_, i) => Math.cos(i * 0.3)),
      [8, 8, 8, 3],
    );
    const y = tf.tensor1d([0, 0, 1, 1, 2, 2, 3, 3], 'int32');
    const lr = 0.05;
    const after = (weightDecay: number, maskWeightDecay?: number): Map<string, Float32Array> => {
      model.setWeights(start);
      const optimizer = tf.train.sgd(lr);
      const step = makeTrainStep(model, optimizer, { numClasses: 4, alpha: 0.5, beta: 1.5, maskLrFactor: 2, weightDecay, maskWeightDecay });
      tf.dispose(step(x, y));
      optimizer.dispose();
      return new Map(model.trainableWeights.map((w) => [(w.read() as tf.Variable).name, w.read().dataSync() as Float32Array]));
    };
    const plain = after(0);
    const decayed = after(0.01);
    const modelOnly = after(0.01, 0);
    const generators = maskGeneratorVariables(model);
    model.trainableWeights.forEach((w) => {
      const name = (w.read() as tf.Variable).name;
      const w0 = start[model.weights.indexOf(w)]!.dataSync();
      const isGenerator = generators.has(name);
      const rate = isGenerator ? 2 * lr : lr;
      decayed.get(name)!.forEach((v, j) => expect(v).toBeCloseTo(plain.get(name)![j]! - rate * 0.01 * w0[j]!, 5));
      const expected = isGenerator ? plain.get(name)! : decayed.get(name)!;
      modelOnly.get(name)!.forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 6));
    });
    tf.dispose([x, y, ...start]);
    model.dispose();
  });
});
