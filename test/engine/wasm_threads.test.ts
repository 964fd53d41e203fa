import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { initBackend, setWasmThreads } from '../../src/engine/backend.js';
import { wasmThreadsInUse } from '../../src/engine/wasm_threads.js';
import { fixedValues, relativeError, valuesOn } from './compare.js';

describe('threaded wasm backend under Node', () => {
  beforeAll(async () => {
    setWasmThreads(2);
    await initBackend('wasm');
  });

  it('starts the requested number of XNNPACK threads (even on a 2-core machine)', () => {
    expect(wasmThreadsInUse()).toBe(2);
  });

  it('computes a large conv (split across threads) like the cpu backend', async () => {
    const run = () => {
      const x = tf.tensor4d(fixedValues(4 * 16 * 16 * 32, 51), [4, 16, 16, 32]);
      const w = tf.tensor4d(fixedValues(3 * 3 * 32 * 32, 52), [3, 3, 32, 32]);
      return [tf.conv2d(x, w, 1, 'same'), tf.matMul(tf.reshape(x, [64, 512]), tf.reshape(w, [512, 18]))];
    };
    const ref = await valuesOn('cpu', run);
    const got = await valuesOn('wasm', run);
    ref.forEach((r, i) => expect(relativeError(got[i]!, r)).toBeLessThan(1e-5));
  });

  it('handles heap growth: a tensor allocated after 300 MB of others is read back intact', async () => {
    await tf.setBackend('wasm');
    const big = Array.from({ length: 3 }, () => tf.fill([25_000_000], 1)); // 3 x 100 MB
    const t = tf.tensor1d(fixedValues(1000, 53));
    expect(
      relativeError(
        tf.mul(t, 2).dataSync(),
        Array.from(fixedValues(1000, 53), (v) => v * 2),
      ),
    ).toBe(0);
    tf.dispose([...big, t]);
  });
});
