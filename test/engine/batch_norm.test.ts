import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/backend.js';
import { installFusedBatchNorm, uninstallFusedBatchNorm } from '../../src/engine/batch_norm_layer_patch.js';
import { fixedValues, relativeError } from './compare.js';
import { testBackend } from '../support/backend.js';

/** One training-mode call of a fresh BN layer: loss value, grads (x, gamma, beta), moving stats. */
function trainCall(x: tf.Tensor, weights: tf.Tensor[], lossWeights: tf.Tensor) {
  return tf.tidy(() => {
    const bn = layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    bn.apply(x); // builds the weights
    bn.setWeights(weights);
    const xv = tf.variable(x, true, `x_${Math.random()}`);
    const vars = [xv, ...bn.trainableWeights.map((w) => w.read() as tf.Variable)];
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(tf.sin(bn.apply(xv, { training: true }) as tf.Tensor), lossWeights)) as tf.Scalar,
      vars,
    );
    const out = {
      value: value.dataSync()[0]!,
      grads: vars.map((v) => grads[v.name]!.dataSync()),
      movingMean: bn.getWeights()[2]!.dataSync(),
      movingVariance: bn.getWeights()[3]!.dataSync(),
    };
    xv.dispose();
    bn.dispose();
    return out;
  });
}

describe('fused training-mode batch norm', () => {
  beforeAll(async () => {
    await initBackend(testBackend('cpu'));
  });

  it('hand-worked: zero input gradient for sum(normed), running stats with momentum 0.9', () => {
    const bn = layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    const x = tf.tensor2d([1, 2, 3, 4], [4, 1]); // mean 2.5, biased variance 1.25
    bn.apply(x);
    const xv = tf.variable(x);
    const [gamma, beta] = bn.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => tf.sum(bn.apply(xv, { training: true }) as tf.Tensor) as tf.Scalar, [xv, gamma!, beta!]);
    // sum of a normalised batch is 0 whatever x is: no gradient to x or gamma; beta gets N.
    expect(Math.max(...Array.from(grads[xv.name]!.dataSync()).map(Math.abs))).toBeLessThan(1e-6);
    expect(grads[gamma!.name]!.dataSync()[0]).toBeCloseTo(0, 6);
    expect(grads[beta!.name]!.dataSync()[0]).toBeCloseTo(4, 6);
    const [, , mean, variance] = bn.getWeights();
    expect(mean!.dataSync()[0]).toBeCloseTo(0.9 * 0 + 0.1 * 2.5, 6);
    expect(variance!.dataSync()[0]).toBeCloseTo(0.9 * 1 + 0.1 * 1.25, 6);
    const normed = bn.apply(x, { training: true }) as tf.Tensor;
    const expected = [1, 2, 3, 4].map((v) => (v - 2.5) / Math.sqrt(1.25 + 1e-5));
    Array.from(normed.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it('matches the stock tfjs-layers training path: output, gradients, moving statistics', () => {
    const shape = [4, 5, 3, 6];
    const n = shape.reduce((a, b) => a * b);
    const x = tf.add(tf.mul(tf.tensor(fixedValues(n, 21), shape), 2), 1);
    const lossWeights = tf.tensor(fixedValues(n, 22), shape);
    const weights = [
      tf.tensor1d(fixedValues(6, 23)),
      tf.tensor1d(fixedValues(6, 24)),
      tf.tensor1d(fixedValues(6, 25)),
      tf.add(tf.tensor1d(fixedValues(6, 26)), 2),
    ];
    installFusedBatchNorm();
    const fused = trainCall(x, weights, lossWeights);
    uninstallFusedBatchNorm();
    const stock = trainCall(x, weights, lossWeights);
    installFusedBatchNorm();
    expect(Math.abs(fused.value - stock.value) / Math.abs(stock.value)).toBeLessThan(1e-5);
    fused.grads.forEach((g, i) => expect(relativeError(g, stock.grads[i]!)).toBeLessThan(1e-5));
    expect(relativeError(fused.movingMean, stock.movingMean)).toBeLessThan(1e-6);
    expect(relativeError(fused.movingVariance, stock.movingVariance)).toBeLessThan(1e-6);
  });

  it('leaves inference mode to the stock layer (moving statistics, no update)', () => {
    const bn = layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    const x = tf.tensor2d([1, 2, 3, 4], [4, 1]);
    bn.apply(x);
    bn.setWeights([tf.tensor1d([2]), tf.tensor1d([1]), tf.tensor1d([1]), tf.tensor1d([4])]);
    const y = bn.apply(x) as tf.Tensor;
    const expected = [1, 2, 3, 4].map((v) => ((v - 1) / Math.sqrt(4 + 1e-5)) * 2 + 1);
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    expect(bn.getWeights()[2]!.dataSync()[0]).toBe(1);
  });
});
