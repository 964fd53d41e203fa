import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.js';
import { buildModel } from '../../models/registry.js';
import { mwtObjective } from '../../src/losses/objective.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const engine = () => tf.engine() as any;

/** Peak bytes of tensor data allocated on the wasm heap while `f` runs (one count per buffer). */
async function peakHeapBytes(f: () => void): Promise<number> {
  const wasm = (tf.backend() as unknown as { wasm: { _malloc(n: number): number; _free(p: number): void } }).wasm;
  const { _malloc: malloc, _free: free } = wasm;
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  wasm._malloc = (n: number) => {
    const p = malloc(n);
    sizes.set(p, n);
    live += n;
    peak = Math.max(peak, live);
    return p;
  };
  wasm._free = (p: number) => {
    live -= sizes.get(p) ?? 0;
    sizes.delete(p);
    free(p);
  };
  try {
    f();
  } finally {
    wasm._malloc = malloc;
    wasm._free = free;
  }
  return peak;
}

describe('streaming backward pass (frees gradients and saved tensors as it goes)', () => {
  let streaming: unknown;
  let stock: unknown;
  beforeAll(async () => {
    await initBackend('wasm');
    streaming = engine().gradients;
    stock = Object.getPrototypeOf(engine()).gradients;
  });

  for (const name of ['rescnn', 'vgg16'] as const) {
    it(`${name} modular: the same gradients as tfjs' own backward pass, bit for bit, with a lower peak`, () => {
      expect(streaming).not.toBe(stock); // installed by initBackend on tfjs-core 4.22
      const { model } = buildModel(name, { numClasses: 10, inputShape: [32, 32, 3], width: 0.25, form: 'modular' });
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const x = tf.randomNormal([8, 32, 32, 3], 0, 1, 'float32', 1);
      const y = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');
      const loss = () => {
        const { loss, stats } = mwtObjective(model.apply(x, { training: true }) as tf.Tensor[], y, {
          numClasses: 10,
          alpha: 0.5,
          beta: 1.5,
        });
        stats.dispose();
        return loss;
      };
      const run = async (impl: unknown) => {
        engine().gradients = impl;
        let seed = 42; // the same dropout masks in both runs
        const random = Math.random;
        Math.random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
        try {
          const before = tf.memory().numTensors;
          let out: { value: number; grads: Float32Array[] } = { value: 0, grads: [] };
          const peak = await peakHeapBytes(() => {
            const { value, grads } = tf.variableGrads(loss, vars);
            out = { value: value.dataSync()[0]!, grads: vars.map((v) => grads[v.name]!.dataSync().slice() as Float32Array) };
            value.dispose();
            tf.dispose(grads);
          });
          return { ...out, peak, leaked: tf.memory().numTensors - before };
        } finally {
          engine().gradients = streaming;
          Math.random = random;
        }
      };
      return (async () => {
        const a = await run(stock);
        const b = await run(streaming);
        expect(b.value).toBe(a.value);
        a.grads.forEach((g, i) => expect(Array.from(b.grads[i]!), vars[i]!.name).toEqual(Array.from(g)));
        expect(b.leaked).toBe(0);
        expect(a.leaked).toBe(0);
        // Gradients and saved tensors are freed as the pass goes instead of all at its end.
        expect(b.peak).toBeLessThan(0.75 * a.peak);
        tf.dispose([x, y]);
        model.dispose();
      })();
    });
  }

  it('higher-order gradients still work (tensors are freed only on first-order passes)', () => {
    const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.mul(t, t), t));
    const g2 = tf.grad(tf.grad(f))(tf.tensor1d([1, 2, 3]));
    expect(Array.from(g2.dataSync())).toEqual([6, 12, 18]);
  });

  it('wasm Identity shares its input data instead of copying it', () => {
    const x = tf.randomNormal([256, 256]);
    const before = tf.memory().numBytes;
    const y = tf.clone(x); // tf.clone runs the Identity kernel
    const backend = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } };
    expect(backend.dataIdMap.get(y.dataId).memoryOffset).toBe(backend.dataIdMap.get(x.dataId).memoryOffset);
    x.dispose();
    expect(Array.from(y.dataSync()).length).toBe(256 * 256); // still readable after x is gone
    y.dispose();
    expect(tf.memory().numBytes).toBe(before - 256 * 256 * 4);
  });
});
