import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.js';
import { winogradConv3x3, winogradFilterGrad3x3, winogradFits, winogradInputGrad3x3 } from '../../src/engine/winograd.js';
import { useWinograd } from '../../src/engine/conv_winograd_wasm.js';
import { profileKernels } from '../../src/engine/kernel_profiler.js';
import { fixedTensor4d as t4, fixedValues, relativeError, valuesOn } from './compare.js';

describe('Winograd F(2x2,3x3) as plain tf ops equals the direct convolution', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  for (const [n, h, w, c, co] of [
    [2, 2, 2, 3, 4],
    [3, 4, 6, 5, 7],
    [1, 8, 8, 16, 8],
  ] as const) {
    it(`forward, input and filter gradient on cpu, ${n}x${h}x${w}x${c} -> ${co}`, async () => {
      const [y, dx, dw, yRef, dxRef, dwRef] = await valuesOn('cpu', () => {
        const x = t4([n, h, w, c], 1);
        const f = t4([3, 3, c, co], 2);
        const dy = t4([n, h, w, co], 3);
        return [
          winogradConv3x3(x, f),
          winogradInputGrad3x3(dy, f),
          winogradFilterGrad3x3(x, dy),
          tf.conv2d(x, f, 1, 'same'),
          tf.conv2dTranspose(dy, f, [n, h, w, c], 1, 'same'),
          tf.grad((k: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, k as tf.Tensor4D, 1, 'same'), dy)))(f),
        ];
      });
      expect(relativeError(y!, yRef!)).toBeLessThan(1e-5);
      expect(relativeError(dx!, dxRef!)).toBeLessThan(1e-5);
      expect(relativeError(dw!, dwRef!)).toBeLessThan(1e-5);
    });
  }

  it('fits only 3x3, stride 1, dilation 1, same padding, even H and W', () => {
    expect(winogradFits([1, 8, 8, 3], [3, 3, 3, 4], 1, 'same')).toBe(true);
    expect(winogradFits([1, 8, 8, 3], [3, 3, 3, 4], [1, 1], 'same', [1, 1])).toBe(true);
    expect(winogradFits([1, 7, 8, 3], [3, 3, 3, 4], 1, 'same')).toBe(false);
    expect(winogradFits([1, 8, 8, 3], [3, 3, 3, 4], 2, 'same')).toBe(false);
    expect(winogradFits([1, 8, 8, 3], [3, 3, 3, 4], 1, 'valid')).toBe(false);
    expect(winogradFits([1, 8, 8, 3], [1, 1, 3, 4], 1, 'same')).toBe(false);
    expect(winogradFits([1, 8, 8, 3], [3, 3, 3, 4], 1, 'same', 2)).toBe(false);
  });
});

describe('the wasm backend routes 3x3 convs through Winograd', () => {
  const saved = process.env.MWT_WINOGRAD;
  afterEach(() => {
    if (saved == null) delete process.env.MWT_WINOGRAD;
    else process.env.MWT_WINOGRAD = saved;
  });

  it('per pass and size as measured (one thread), and not at all with MWT_WINOGRAD=0', async () => {
    await initBackend('wasm');
    const same = { strides: 1, pad: 'same', dataFormat: 'NHWC' } as const;
    expect(useWinograd('forward', [64, 32, 32, 64], [3, 3, 64, 64], same)).toBe(true);
    expect(useWinograd('inputGrad', [64, 2, 2, 512], [3, 3, 512, 512], same)).toBe(true);
    expect(useWinograd('filterGrad', [64, 32, 32, 64], [3, 3, 64, 64], same)).toBe(true);
    expect(useWinograd('forward', [64, 7, 7, 64], [3, 3, 64, 64], same)).toBe(false);
    expect(useWinograd('forward', [64, 8, 8, 64], [3, 3, 64, 64], { ...same, strides: 2 })).toBe(false);
    // Small convs stay direct: few channels (the first layer), few tiles (batch-1 inference).
    expect(useWinograd('filterGrad', [64, 32, 32, 3], [3, 3, 3, 64], same)).toBe(false);
    expect(useWinograd('forward', [128, 14, 14, 32], [3, 3, 32, 32], same)).toBe(false);
    expect(useWinograd('forward', [1, 4, 4, 512], [3, 3, 512, 512], same)).toBe(false);
    process.env.MWT_WINOGRAD = '1';
    expect(useWinograd('forward', [1, 4, 4, 512], [3, 3, 512, 512], same)).toBe(true);
    process.env.MWT_WINOGRAD = '0';
    expect(useWinograd('filterGrad', [64, 32, 32, 64], [3, 3, 64, 64], same)).toBe(false);
  });

  it('a fused conv with bias and relu (the forward of a tfjs-layers conv) matches cpu, via Winograd', async () => {
    await initBackend('wasm');
    process.env.MWT_WINOGRAD = '1'; // small enough to run fast, too small for the automatic choice
    const run = () => {
      const x = t4([2, 8, 8, 5], 4);
      const f = t4([3, 3, 5, 6], 5);
      const bias = tf.tensor1d(fixedValues(6, 6));
      return [
        tf.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', bias, activation: 'relu' }),
        tf.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', bias }),
      ];
    };
    const ref = await valuesOn('cpu', run);
    const got = await valuesOn('wasm', run);
    ref.forEach((r, i) => expect(relativeError(got[i]!, r)).toBeLessThan(1e-5));
    // It ran as matmuls, not as XNNPACK's direct conv.
    const p = await profileKernels('wasm', () => tf.tidy(() => void run()));
    expect(p.kernels.find((k) => k.kernel === 'BatchMatMul')?.calls ?? 0).toBeGreaterThanOrEqual(32);
  });
});

describe('wasm Slice copies only the selected runs', () => {
  it('matches cpu for contiguous, strided, rank 1-5 and empty slices', async () => {
    await initBackend('wasm');
    const run = () => {
      const x = tf.tensor(fixedValues(2 * 3 * 4 * 5 * 2, 7), [2, 3, 4, 5, 2]);
      const x4 = tf.reshape(x, [2, 3, 4, 10]);
      const x2 = tf.reshape(x, [24, 10]);
      const x1 = tf.reshape(x, [240]);
      return [
        tf.slice(x4, [1, 0, 0, 0], [1, 3, 4, 10]), // contiguous
        tf.slice(x4, [0, 1, 2, 3], [2, 2, 2, 4]), // strided in every axis
        tf.slice(x2, [3, 2], [5, 7]),
        tf.slice(x1, [17], [100]),
        tf.slice(x, [0, 1, 1, 1, 0], [2, 2, 2, 3, 2]), // rank 5: the stock kernel
        tf.slice(x4, [0, 0, 0, 0], [2, 0, 4, 10]), // empty
      ];
    };
    const ref = await valuesOn('cpu', run);
    const got = await valuesOn('wasm', run);
    ref.forEach((r, i) => expect(Array.from(got[i]!), `slice ${i}`).toEqual(Array.from(r)));
  });
});
