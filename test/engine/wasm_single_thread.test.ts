import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { initBackend, setWasmThreads } from '../../src/engine/backend.js';
import { wasmThreadsInUse } from '../../src/engine/wasm_threads.js';
import { fixedValues, relativeError, valuesOn } from './compare.js';

// The other engine tests run on the threaded build (one thread per core); this file checks that
// tfjs' own single-threaded build gets the same kernels and results.
describe('wasm backend with 1 thread (tfjs single-threaded build)', () => {
  beforeAll(async () => {
    setWasmThreads(1);
    await initBackend('wasm');
  });

  it('runs one thread', () => {
    expect(wasmThreadsInUse()).toBe(1);
  });

  it('conv gradients (3x3 stride 2) and max-pool gradients match the cpu backend', async () => {
    const run = () => {
      const x = tf.tensor4d(fixedValues(2 * 9 * 9 * 4, 41), [2, 9, 9, 4]);
      const w = tf.tensor4d(fixedValues(3 * 3 * 4 * 6, 42), [3, 3, 4, 6]);
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.maxPool(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), 2, 2, 'same')));
      return tf.grads(f)([x, w]);
    };
    const ref = await valuesOn('cpu', run);
    const got = await valuesOn('wasm', run);
    ref.forEach((r, i) => expect(relativeError(got[i]!, r)).toBeLessThan(1e-4));
  });
});
