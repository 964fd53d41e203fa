import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/backend.js';
import { fixedValues, relativeError, valuesOn } from './compare.js';

/** dx of sum(maxPool(x) * r). */
function poolGrad(x: Float32Array, shape: [number, number, number, number], size: number, stride: number, pad: 'same' | 'valid') {
  return () => {
    const xt = tf.tensor4d(x, shape);
    const y = tf.maxPool(xt, size, stride, pad);
    const r = tf.tensor(fixedValues(y.size, 11), y.shape);
    return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, stride, pad), r)))(xt)];
  };
}

describe('wasm MaxPoolGrad', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('routes the gradient of an all-negative window to its maximum (stock wasm kernel does not)', async () => {
    // One 2x2 window, values all < 0: the maximum is -1 at index 2.
    const got = await valuesOn('wasm', () => {
      const x = tf.tensor4d([-3, -2, -1, -4], [1, 2, 2, 1]);
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), 5)))(x)];
    });
    expect(Array.from(got[0]!)).toEqual([0, 0, 5, 0]);
  });

  it('gives ties to the first maximum in row-major order, as the cpu backend', async () => {
    const run = () => {
      // NHWC, pixel by pixel: channel 0 is all 0 (a 4-way tie), channel 1 is 1, 2, 2, 1.
      const x = tf.tensor4d([0, 1, 0, 2, 0, 2, 0, 1], [1, 2, 2, 2]);
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x)];
    };
    expect(Array.from((await valuesOn('cpu', run))[0]!)).toEqual([1, 0, 0, 1, 0, 0, 0, 0]);
    expect(Array.from((await valuesOn('wasm', run))[0]!)).toEqual([1, 0, 0, 1, 0, 0, 0, 0]);
  });

  const cases: [string, [number, number, number, number], number, number, 'same' | 'valid'][] = [
    ['2x2 stride 2 same, odd size, mixed signs', [2, 7, 5, 3], 2, 2, 'same'],
    ['2x2 stride 2 valid', [2, 8, 8, 4], 2, 2, 'valid'],
    ['3x3 stride 2 same (overlapping windows)', [2, 9, 9, 3], 3, 2, 'same'],
    ['3x3 stride 1 valid', [1, 6, 6, 2], 3, 1, 'valid'],
  ];
  for (const [name, shape, size, stride, pad] of cases) {
    it(`matches the cpu backend: ${name}`, async () => {
      const x = fixedValues(
        shape.reduce((a, b) => a * b),
        17,
      );
      const ref = await valuesOn('cpu', poolGrad(x, shape, size, stride, pad));
      const got = await valuesOn('wasm', poolGrad(x, shape, size, stride, pad));
      expect(relativeError(got[0]!, ref[0]!)).toBeLessThan(1e-6);
    });
  }
});
