import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/backend.js';
import { fixedValues, relativeError, valuesOn } from './compare.js';

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { name: '3x3 stride 1 same', x: [2, 8, 8, 4], filter: [3, 3, 4, 6], strides: 1, pad: 'same' },
  { name: '3x3 stride 2 same (even size)', x: [2, 8, 8, 4], filter: [3, 3, 4, 5], strides: 2, pad: 'same' },
  { name: '3x3 stride 2 same (odd size)', x: [2, 9, 7, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: '3x3 stride 2 valid (remainder)', x: [2, 10, 10, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { name: '3x3 stride 1 valid, odd non-square', x: [1, 5, 7, 2], filter: [3, 3, 2, 3], strides: 1, pad: 'valid' },
  { name: '1x1 stride 1', x: [2, 6, 6, 5], filter: [1, 1, 5, 7], strides: 1, pad: 'same' },
  { name: '1x1 stride 2 (ResNet shortcut)', x: [2, 7, 7, 4], filter: [1, 1, 4, 8], strides: 2, pad: 'same' },
  { name: '5x3 stride [2,1] same', x: [2, 9, 8, 3], filter: [5, 3, 3, 4], strides: [2, 1], pad: 'same' },
  { name: '3x3 first layer (3 input channels)', x: [3, 12, 12, 3], filter: [3, 3, 3, 16], strides: 1, pad: 'same' },
  // Winograd (3x3, stride 1, same, even H and W): non-square, the smallest tile grid, odd channels.
  { name: 'Winograd 3x3 stride 1 same, 4x6', x: [3, 4, 6, 5], filter: [3, 3, 5, 7], strides: 1, pad: 'same' },
  { name: 'Winograd 3x3 stride 1 same, 2x2', x: [4, 2, 2, 8], filter: [3, 3, 8, 6], strides: 1, pad: 'same' },
  { name: 'Winograd 3x3 stride 1 same, 16x16, long tile reduction', x: [70, 16, 16, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  {
    name: 'automatic Winograd: 3x3 stride 1 same, 64 channels, 256 positions',
    x: [4, 8, 8, 64],
    filter: [3, 3, 64, 64],
    strides: 1,
    pad: 'same',
  },
  { name: '3x3 stride 1 same, odd size (no Winograd)', x: [2, 7, 7, 4], filter: [3, 3, 4, 5], strides: 1, pad: 'same' },
];

/** Gradients of sum(conv2d(x, w) * r) with respect to x and w. */
function convGrads(c: Case): () => tf.Tensor[] {
  return () => {
    const x = tf.tensor4d(
      fixedValues(
        c.x.reduce((a, b) => a * b),
        1,
      ),
      c.x,
    );
    const w = tf.tensor4d(
      fixedValues(
        c.filter.reduce((a, b) => a * b),
        2,
      ),
      c.filter,
    );
    const y = tf.conv2d(x, w, c.strides, c.pad);
    const r = tf.tensor(fixedValues(y.size, 3), y.shape);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), r));
    const [dx, dw] = tf.grads(f)([x, w]);
    return [y, dx!, dw!];
  };
}

describe('wasm conv gradient kernels match the cpu backend', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const ref = await valuesOn('cpu', convGrads(c));
      // Winograd wherever it fits (these convs are too small for the automatic choice).
      const saved = process.env.MWT_WINOGRAD;
      process.env.MWT_WINOGRAD = c.name.startsWith('Winograd') ? '1' : (saved ?? '');
      const got = await valuesOn('wasm', convGrads(c)).finally(() => {
        if (saved == null) delete process.env.MWT_WINOGRAD;
        else process.env.MWT_WINOGRAD = saved;
      });
      expect(relativeError(got[0]!, ref[0]!)).toBeLessThan(1e-4); // forward
      expect(relativeError(got[1]!, ref[1]!)).toBeLessThan(1e-4); // input gradient
      expect(relativeError(got[2]!, ref[2]!)).toBeLessThan(1e-4); // filter gradient
    });
  }

  it('transposed matmuls (dense-layer gradients) match', async () => {
    const run = () => {
      const a = tf.tensor2d(fixedValues(6 * 5, 4), [6, 5]);
      const b = tf.tensor2d(fixedValues(6 * 3, 5), [6, 3]);
      const c = tf.tensor2d(fixedValues(4 * 5, 6), [4, 5]);
      const d = tf.tensor2d(fixedValues(5 * 6, 7), [5, 6]);
      return [tf.matMul(a, b, true, false), tf.matMul(a, c, false, true), tf.matMul(d, c, true, true)];
    };
    const ref = await valuesOn('cpu', run);
    const got = await valuesOn('wasm', run);
    ref.forEach((r, i) => expect(relativeError(got[i]!, r)).toBeLessThan(1e-5));
  });
});
