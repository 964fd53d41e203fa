/** --mask-lr-factor: the mask generators move k times as far per step, everything else as before. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/index.js';
import { buildModel } from '../../models/registry.js';
import { makeTrainStep } from '../../src/train/step.js';
import { maskGeneratorVariables } from '../../src/train/mask_learning_rate.js';
import { seedGlobalRandom } from '../../src/train/random.js';
import { testBackend } from '../support/backend.js';

const SPEC = { numClasses: 4, inputShape: [8, 8, 3] as [number, number, number], width: 0.125, form: 'modular' as const };

describe('mask generator learning rate', () => {
  beforeAll(async () => {
    await initBackend(testBackend('cpu'));
  });
  afterAll(() => tf.disposeVariables());

  it('names exactly the generators’ weights', () => {
    seedGlobalRandom(1);
    const { model, maskNames } = buildModel('simcnn', SPEC);
    const names = maskGeneratorVariables(model);
    const expected = maskNames.flatMap((n) => model.getLayer(n).trainableWeights.map((w) => (w.read() as tf.Variable).name));
    expect([...names].sort()).toEqual(expected.sort());
    expect(names.size).toBe(3 * maskNames.length); // hidden kernel, mask kernel, mask bias
    model.dispose();
  });

  it('a step with factor 3 moves generator weights 3x as far and the rest the same', () => {
    seedGlobalRandom(2);
    const { model } = buildModel('simcnn', SPEC);
    const start = model.getWeights().map((w) => tf.clone(w));
    const x = tf.tensor4d(
      Float32Array.from({ length: 8 * 8 * 8 * 3 }, (_, i) => Math.sin(i * 0.7)),
      [8, 8, 8, 3],
    );
    const y = tf.tensor1d([0, 0, 1, 1, 2, 2, 3, 3], 'int32');
    const deltas = (factor: number): Map<string, Float32Array> => {
      model.setWeights(start);
      const optimizer = tf.train.momentum(0.05, 0.9, true);
      const step = makeTrainStep(model, optimizer, { numClasses: 4, alpha: 0.5, beta: 1.5, maskLrFactor: factor });
      tf.dispose(step(x, y));
      optimizer.dispose();
      const out = new Map<string, Float32Array>();
      model.trainableWeights.forEach((w) => {
        const i = model.weights.indexOf(w);
        out.set(
          (w.read() as tf.Variable).name,
          tf.tidy(() => tf.sub(w.read(), start[i]!).dataSync() as Float32Array),
        );
      });
      return out;
    };
    const base = deltas(1);
    const scaled = deltas(3);
    const generators = maskGeneratorVariables(model);
    let moved = 0;
    for (const [name, d] of base) {
      const ratio = generators.has(name) ? 3 : 1;
      const s = scaled.get(name)!;
      d.forEach((v, j) => expect(s[j]!).toBeCloseTo(v * ratio, 5));
      if (generators.has(name) && d.some((v) => v !== 0)) moved++;
    }
    expect(moved).toBeGreaterThan(0);
    tf.dispose([x, y, ...start]);
    model.dispose();
  });
});
