/** --mask-lr-factor: the mask generators move k times as far per step, everything else as before. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/index.js';
import { buildModel } from '../../models/registry.js';
import { maskGeneratorVariables } from '../../src/train/mask_learning_rate.js';
import { seedGlobalRandom } from '../../src/train/random.js';
import { testBackend } from '../support/backend.js';
import { ONE_STEP_SPEC as SPEC, oneStep } from '../support/one_step.js';

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
    const one = oneStep(2, (i) => Math.sin(i * 0.7));
    const deltas = (factor: number): Map<string, Float32Array> => {
      const after = one.after({ alpha: 0.5, beta: 1.5, maskLrFactor: factor }, () => tf.train.momentum(0.05, 0.9, true));
      return new Map([...after].map(([name, w]) => [name, w.map((v, j) => v - one.start.get(name)![j]!)]));
    };
    const base = deltas(1);
    const scaled = deltas(3);
    const generators = maskGeneratorVariables(one.model);
    let moved = 0;
    for (const [name, d] of base) {
      const ratio = generators.has(name) ? 3 : 1;
      const s = scaled.get(name)!;
      d.forEach((v, j) => expect(s[j]!).toBeCloseTo(v * ratio, 5));
      if (generators.has(name) && d.some((v) => v !== 0)) moved++;
    }
    expect(moved).toBeGreaterThan(0);
    one.dispose();
  });
});
