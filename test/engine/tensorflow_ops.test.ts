// TensorFlow's own ops that mwt calls on the tensorflow backend (src/engine/tensorflow_ops.ts)
// give what tfjs' composite forms give. Runs in the tensorflow project only (vitest.config.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/backend.js';
import { batchNormTraining } from '../../src/engine/batch_norm_training.js';
import { nativeTensorflowOps, SMALL_CONV_OUTPUT } from '../../src/engine/tensorflow_ops.js';
import { fixedTensor4d as t4, fixedValues, relativeError } from './compare.js';

describe('TensorFlow ops on the tensorflow backend', () => {
  beforeAll(async () => {
    await initBackend('tensorflow');
  });

  it('is active', () => {
    expect(tf.getBackend()).toBe('tensorflow');
    expect(nativeTensorflowOps()).toBe(true);
  });

  // Small outputs take the forward-conv form; compare with the same gradient on the cpu backend.
  const cases: [string, [number, number, number, number], number, 'same' | 'valid'][] = [
    ['8x8 output, stride 1, same', [4, 8, 8, 5], 1, 'same'],
    ['4x4 output, stride 2, same', [4, 8, 8, 5], 2, 'same'],
    ['3x3 output, stride 2, valid', [4, 8, 8, 5], 2, 'valid'],
    ['16x16 output (stock kernel)', [2, 16, 16, 3], 1, 'same'],
  ];
  for (const [name, shape, stride, pad] of cases) {
    it(`conv filter gradient matches the cpu backend: ${name}`, async () => {
      const grad = () =>
        tf.tidy(() => {
          const x = t4(shape, 1);
          const w = t4([3, 3, shape[3], 6], 2);
          const g = tf.grad((f: tf.Tensor) => tf.sum(tf.sin(tf.conv2d(x, f as tf.Tensor4D, stride, pad))))(w);
          return g.dataSync().slice();
        });
      const native = grad();
      await tf.setBackend('cpu');
      const reference = grad();
      await tf.setBackend('tensorflow');
      expect(relativeError(native, reference)).toBeLessThan(1e-5);
    });
  }

  it('takes the forward-conv form only at or below the threshold', () => {
    expect(SMALL_CONV_OUTPUT).toBe(64);
  });

  it("a mean's gradient (one broadcast of dy / n) matches the cpu backend's and is dy / n by hand", async () => {
    const grad = (axes: number[]) =>
      tf.tidy(() => {
        const x = t4([3, 4, 5, 6], 3);
        const w = tf.tensor(fixedValues(axes.length === 2 ? 18 : 3 * 4 * 5, 4), axes.length === 2 ? [3, 6] : [3, 4, 5]);
        // A non-uniform dy: the gradient of sum(mean * w) is w / n, broadcast over the axes.
        return tf
          .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, axes), w)))(x)
          .dataSync()
          .slice();
      });
    const native = [grad([1, 2]), grad([3])];
    await tf.setBackend('cpu');
    const reference = [grad([1, 2]), grad([3])];
    await tf.setBackend('tensorflow');
    for (let i = 0; i < 2; i++) expect(relativeError(native[i]!, reference[i]!)).toBeLessThan(1e-6);
    expect(native[0]![0]).toBeCloseTo(fixedValues(18, 4)[0]! / 20, 6);
    const before = tf.memory().numTensors;
    grad([1, 2]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("ReLU's gradient (ReluGrad) is dy where x > 0, else 0", () => {
    const x = tf.tensor1d([-2, -0.5, 0, 0.5, 3]);
    const dy = tf.tensor1d([1, 2, 3, 4, 5]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), dy)))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 4, 5]);
    tf.dispose([x, dy, g]);
  });

  it('fused batch norm: output, gradients and statistics as the JS form on the cpu backend', async () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.add(tf.mul(t4([3, 4, 5, 6], 3), 2), 1);
        const gamma = tf.tensor1d(fixedValues(6, 4));
        const beta = tf.tensor1d(fixedValues(6, 5));
        const w = t4([3, 4, 5, 6], 6);
        let mean: Float32Array | null = null;
        let variance: Float32Array | null = null;
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.sin(
                batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3, (m, v) => {
                  mean = m.dataSync() as Float32Array;
                  variance = v.dataSync() as Float32Array;
                }),
              ),
              w,
            ),
          );
        const grads = tf.grads(f)([x, gamma, beta]);
        return { grads: grads.map((g) => g.dataSync().slice()), mean: mean!, variance: variance! };
      });
    const native = run();
    await tf.setBackend('cpu');
    const reference = run();
    await tf.setBackend('tensorflow');
    native.grads.forEach((g, i) => expect(relativeError(g, reference.grads[i]!)).toBeLessThan(1e-4));
    expect(relativeError(native.mean, reference.mean)).toBeLessThan(1e-5);
    // The biased variance, as tfjs-layers' moving averages expect (TensorFlow reports the unbiased one).
    expect(relativeError(native.variance, reference.variance)).toBeLessThan(1e-5);
  });
});
