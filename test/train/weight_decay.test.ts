/** --weight-decay: PyTorch SGD's L2 term, decay * w added to each gradient before the generators' scaling. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/index.js';
import { maskGeneratorVariables } from '../../src/train/mask_learning_rate.js';
import { addWeightDecay, weightDecayOf } from '../../src/train/weight_decay.js';
import { recordedSettings } from '../../src/train/run_info.js';
import { parseTrainOptions } from '../../src/train/options.js';
import { testBackend } from '../support/backend.js';
import { oneStep } from '../support/one_step.js';

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

  it("the generators do not decay unless their decay is given, whatever the model's", () => {
    expect(weightDecayOf({})).toEqual({ model: 0, generators: 0 });
    expect(weightDecayOf({ weightDecay: 5e-4 })).toEqual({ model: 5e-4, generators: 0 });
    expect(weightDecayOf({ weightDecay: 5e-4, maskWeightDecay: 1e-4 })).toEqual({ model: 5e-4, generators: 1e-4 });
    expect(parseTrainOptions({ model: 'simcnn', dataset: 'cifar10', dataDir: 'd', out: 'x', weightDecay: 5e-4 })).toMatchObject({
      weightDecay: 5e-4,
      maskWeightDecay: 0,
    });
  });

  it("a run that recorded no generators' decay decayed them as the model, and one that recorded no decay had none", () => {
    expect(recordedSettings({ weightDecay: 5e-4 })).toMatchObject({ weightDecay: 5e-4, maskWeightDecay: 5e-4 });
    expect(recordedSettings({})).toMatchObject({ weightDecay: 0, maskWeightDecay: 0 });
    expect(recordedSettings({ weightDecay: 5e-4, maskWeightDecay: 0 })).toMatchObject({ maskWeightDecay: 0 });
  });

  it('an SGD step moves each weight lr * decay * w further, generators at their own rate and decay', () => {
    const one = oneStep(3, (i) => Math.cos(i * 0.3));
    const lr = 0.05;
    const after = (weightDecay: number, maskWeightDecay?: number) =>
      one.after({ alpha: 0.5, beta: 1.5, maskLrFactor: 2, weightDecay, maskWeightDecay }, () => tf.train.sgd(lr));
    const plain = after(0);
    const decayed = after(0.01, 0.01);
    const modelOnly = after(0.01); // the generators' decay is 0 unless given
    const generators = maskGeneratorVariables(one.model);
    for (const [name, w0] of one.start) {
      const isGenerator = generators.has(name);
      const rate = isGenerator ? 2 * lr : lr;
      decayed.get(name)!.forEach((v, j) => expect(v).toBeCloseTo(plain.get(name)![j]! - rate * 0.01 * w0[j]!, 5));
      const expected = isGenerator ? plain.get(name)! : decayed.get(name)!;
      modelOnly.get(name)!.forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 6));
    }
    one.dispose();
  });
});
