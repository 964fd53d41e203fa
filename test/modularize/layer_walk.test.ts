/**
 * Walking a model layer by layer (src/modularize/layer_walk.ts) computes what predict computes,
 * lets a layer's weights change before it runs, and frees every tensor it made; the per-channel
 * moments it is used with (MomentAccumulator) against values worked out by hand.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { buildModel, type ModelSpec } from '../../models/registry.js';
import { walkLayers } from '../../src/modularize/layer_walk.js';
import { MomentAccumulator } from '../../src/modularize/channel_moments.js';
import type { Dataset } from '../../src/data/dataset.js';
import { testBackend } from '../support/backend.js';

beforeAll(async () => {
  await initBackend(testBackend());
});

function randomDataset(count: number, shape: [number, number, number]): Dataset {
  const x = tf.tidy(() => tf.randomUniform([count, ...shape], 0, 1, 'float32', 11).dataSync() as Float32Array);
  return { images: Float32Array.from(x), labels: new Int32Array(count), count, shape, numClasses: 10 };
}

describe('MomentAccumulator', () => {
  it('sums over every axis but the last, across batches', () => {
    const acc = new MomentAccumulator(2);
    // Channel 0: 1, 3, 5, 7 -> mean 4, variance (9 + 1 + 1 + 9) / 4 = 5. Channel 1: 2, 2, 2, 6 -> mean 3, variance 3.
    tf.tidy(() => {
      acc.add(
        tf.tensor3d([
          [
            [1, 2],
            [3, 2],
          ],
        ]),
      );
      acc.add(
        tf.tensor2d([
          [5, 2],
          [7, 6],
        ]),
      );
    });
    const m = acc.moments();
    expect(Array.from(m.mean)).toEqual([4, 3]);
    expect(Array.from(m.variance)).toEqual([5, 3]);
  });

  it('refuses a tensor of another width, and moments of nothing', () => {
    const acc = new MomentAccumulator(3);
    expect(() => tf.tidy(() => acc.add(tf.zeros([2, 2])))).toThrow(/expected 3 channels, got shape \[2, 2\]/);
    expect(() => acc.moments()).toThrow(/nothing was added/);
  });
});

describe('walkLayers', () => {
  for (const name of ['simcnn', 'rescnn'] as const) {
    it(`${name} (modular): the last layer's input is what predict computes; no tensor is left`, () => {
      const spec: ModelSpec = { name, numClasses: 10, inputShape: [16, 16, 3], width: 0.125 };
      const { model } = buildModel(name, { ...spec, form: 'modular' });
      const ds = randomDataset(10, [16, 16, 3]);
      try {
        const logits = model.outputs[0]!.sourceLayer;
        const x = tf.tensor4d(ds.images, [ds.count, ...ds.shape]);
        const expected = tf.tidy(() => {
          const out = model.predict(x) as tf.Tensor[];
          return out[0]!.dataSync().slice();
        });
        x.dispose();
        const tensors = tf.memory().numTensors;
        let visited = 0;
        const got: Float32Array[] = [];
        walkLayers(
          model,
          ds,
          (layer, inputs) => {
            visited++;
            // Chunks of 4: the 10 images arrive as 4 + 4 + 2.
            expect(inputs.map((c) => c[0]!.shape[0])).toEqual([4, 4, 2]);
            if (layer === logits)
              got.push(...inputs.map(([features]) => tf.tidy(() => (logits.apply(features!) as tf.Tensor).dataSync() as Float32Array)));
          },
          4,
        );
        expect(tf.memory().numTensors).toBe(tensors);
        expect(visited).toBe(model.layers.length - 1); // every layer but the input
        const walked = Float32Array.from(got.flatMap((g) => Array.from(g)));
        expect(walked.length).toBe(expected.length);
        walked.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
      } finally {
        model.dispose();
      }
    });
  }

  it('a layer changed before it runs is seen by the layers after it', () => {
    const spec: ModelSpec = { name: 'simcnn', numClasses: 10, inputShape: [8, 8, 1], width: 0.125 };
    const { model } = buildModel('simcnn', { ...spec, form: 'standard' });
    const ds = randomDataset(3, [8, 8, 1]);
    try {
      let logitsInput = -1;
      walkLayers(model, ds, (layer, inputs) => {
        // Zero the first conv's kernel: everything after it sees a constant image.
        if (layer.name === 'conv0') tf.tidy(() => layer.setWeights(layer.getWeights().map((w) => tf.zerosLike(w))));
        if (layer.name === 'logits') logitsInput = tf.tidy(() => tf.max(tf.moments(inputs[0]![0]!, 0).variance).dataSync()[0]!);
      });
      expect(logitsInput).toBeCloseTo(0, 6); // the same features for every image
    } finally {
      model.dispose();
    }
  });

  it('refuses an empty dataset', () => {
    const { model } = buildModel('simcnn', { numClasses: 10, inputShape: [8, 8, 1], width: 0.125, form: 'standard' });
    try {
      expect(() => walkLayers(model, { ...randomDataset(1, [8, 8, 1]), count: 0 }, () => {})).toThrow(/dataset is empty/);
    } finally {
      model.dispose();
    }
  });
});
