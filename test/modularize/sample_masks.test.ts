/** Sample masks from one inference pass: usage counts and bit rows agree with the model's masks. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { buildModel } from '../../models/index.js';
import { collectSampleMasks, maskedLayersOf } from '../../src/modularize/sample_masks.js';
import type { Dataset } from '../../src/data/dataset.js';
import { testBackend } from '../support/backend.js';

beforeAll(async () => {
  await initBackend(testBackend());
});

describe('collectSampleMasks', () => {
  it('counts, per class, the samples whose mask is > 0 for each kernel', () => {
    const { model, maskNames, maskedKernels } = buildModel('simcnn', { numClasses: 3, inputShape: [28, 28, 1], width: 0.125 });
    const count = 23;
    const images = Float32Array.from({ length: count * 28 * 28 }, (_, i) => Math.sin(i * 0.37) * 1.5);
    const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
    const ds: Dataset = { images, labels, count, shape: [28, 28, 1], numClasses: 3 };

    const layers = maskedLayersOf(model);
    expect(layers.map((l) => `${l.name}_mask`)).toEqual(maskNames);
    expect(Object.fromEntries(layers.map((l) => [l.name, l.kernels]))).toEqual(maskedKernels);

    const masks = collectSampleMasks(model, ds, { batchSize: 8 }); // 8 + 8 + 7: a short last batch
    expect(masks.samples).toEqual([8, 8, 7]);

    // The same masks straight from the model, all samples at once.
    const outputs = model.predict(tf.tensor4d(images, [count, 28, 28, 1])) as tf.Tensor[];
    const all = tf.concat(outputs.slice(1) as tf.Tensor2D[], 1);
    const values = all.dataSync();
    const total = masks.totalKernels;
    expect(all.shape).toEqual([count, total]);
    for (let k = 0; k < 3; k++) {
      const expected = new Int32Array(total);
      let row = 0;
      for (let i = 0; i < count; i++) {
        if (labels[i] !== k) continue;
        for (let j = 0; j < total; j++) {
          const on = values[i * total + j]! > 0;
          expected[j]! += on ? 1 : 0;
          expect(masks.bits![k]!.get(row, j)).toBe(on);
        }
        row++;
      }
      expect(Array.from(masks.usage[k]!)).toEqual(Array.from(expected));
    }
    // An untrained generator has bias 1 -> most kernels on.
    expect(masks.usage[0]!.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    tf.dispose([...outputs, all]);
    model.dispose();
  });

  it('rejects a model without mask outputs', () => {
    const { model } = buildModel('simcnn', { numClasses: 3, inputShape: [28, 28, 1], width: 0.125, form: 'standard' });
    expect(() => maskedLayersOf(model)).toThrow(/not a modular model/);
    model.dispose();
  });
});
