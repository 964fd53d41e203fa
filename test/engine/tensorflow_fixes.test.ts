// The crash workaround of src/engine/tensorflow_fixes.ts: a 1x1 conv's filter gradient at stride
// 2 with 8 input channels (ResNet18's shortcut at width 0.125) aborted the process on AVX-512
// CPUs in TensorFlow's oneDNN kernel; it now runs as one matMul, with or without the speed-ups,
// and gives the sum worked out below. Runs in the tensorflow project only (vitest.config.ts): a
// missing workaround crashes this test file's worker there.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.js';
import { installSpeedups, uninstallSpeedups } from '../../src/engine/speedups.js';
import { isStrided1x1, strided1x1FilterGrad, type FilterGradAttrs } from '../../src/engine/tensorflow_fixes.js';
import { fixedValues, relativeError } from './compare.js';

/** dw[ci][co] = sum over n and output (i, j) of x[n, s*i, s*j, ci] * dy[n, i, j, co], by loops. */
function filterGradByHand(x: Float32Array, xShape: number[], dy: Float32Array, dyShape: number[], s: number): Float32Array {
  const [n, h, w, cIn] = xShape as [number, number, number, number];
  const [, oh, ow, cOut] = dyShape as [number, number, number, number];
  const out = new Float32Array(cIn * cOut);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ci = 0; ci < cIn; ci++) {
          const xv = x[((b * h + s * i) * w + s * j) * cIn + ci]!;
          for (let co = 0; co < cOut; co++) out[ci * cOut + co]! += xv * dy[((b * oh + i) * ow + j) * cOut + co]!;
        }
  return out;
}

const XSHAPE: [number, number, number, number] = [2, 32, 32, 8];
const DYSHAPE: [number, number, number, number] = [2, 16, 16, 16];

/** The gradient of sum(conv2d(x, w, 2, 'same') * dy) with respect to w, through tf.grad. */
function shortcutFilterGrad(): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(
      fixedValues(
        XSHAPE.reduce((a, b) => a * b),
        1,
      ),
      XSHAPE,
    );
    const dy = tf.tensor4d(
      fixedValues(
        DYSHAPE.reduce((a, b) => a * b),
        2,
      ),
      DYSHAPE,
    );
    const w = tf.tensor4d(fixedValues(8 * 16, 3), [1, 1, 8, 16]);
    return tf
      .grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, 2, 'same'), dy)))(w)
      .dataSync() as Float32Array;
  });
}

describe('TensorFlow crash workarounds', () => {
  beforeAll(async () => {
    await initBackend('tensorflow', { speedups: false });
  });

  it('a 2x2 input at stride 2 reads one pixel per sample: dw = sum over samples of x * dy', () => {
    // Two samples of 2x2 pixels, 2 channels; the conv reads pixel (0,0) only: [1,2] and [9,10].
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [2, 2, 2, 2]);
    const dy = tf.tensor4d([10, 100], [2, 1, 1, 1]);
    const dw = strided1x1FilterGrad(x, dy, 2);
    expect(dw.shape).toEqual([1, 1, 2, 1]);
    // ci 0: 1*10 + 9*100; ci 1: 2*10 + 10*100
    expect(Array.from(dw.dataSync())).toEqual([910, 1020]);
    tf.dispose([x, dy, dw]);
  });

  it('takes only 1x1 convs with a stride above 1, no padding, no dilation, channels last', () => {
    const base: FilterGradAttrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [1, 1, 8, 16] };
    expect(isStrided1x1(base)).toBe(true);
    expect(isStrided1x1({ ...base, pad: 'valid', strides: [1, 2] })).toBe(true);
    expect(isStrided1x1({ ...base, strides: 1 })).toBe(false);
    expect(isStrided1x1({ ...base, filterShape: [3, 3, 8, 16] })).toBe(false);
    expect(isStrided1x1({ ...base, pad: 1 })).toBe(false);
    expect(isStrided1x1({ ...base, dilations: 2 })).toBe(false);
    expect(isStrided1x1({ ...base, dataFormat: 'NCHW' })).toBe(false);
  });

  it("ResNet18's width-0.125 shortcut gradient runs and matches the loops, without the speed-ups, with them, and after taking them out", () => {
    const x = fixedValues(
      XSHAPE.reduce((a, b) => a * b),
      1,
    );
    const dy = fixedValues(
      DYSHAPE.reduce((a, b) => a * b),
      2,
    );
    const byHand = filterGradByHand(x, XSHAPE, dy, DYSHAPE, 2);
    const before = tf.memory().numTensors;
    expect(relativeError(shortcutFilterGrad(), byHand)).toBeLessThan(1e-5);
    installSpeedups('tensorflow');
    expect(relativeError(shortcutFilterGrad(), byHand)).toBeLessThan(1e-5);
    uninstallSpeedups();
    expect(relativeError(shortcutFilterGrad(), byHand)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });
});
