import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { buildModel, type ModelSpec } from '../../models/registry.js';
import { buildPrunedModel } from '../../src/modularize/prune.js';
import { buildRestrictedSubtaskModel, restrictLogits, RESTRICTED_HEAD } from '../../src/reuse/restricted_model.js';
import { countFlops } from '../../src/modularize/flops.js';
import { testBackend } from '../support/backend.js';

beforeAll(async () => {
  await initBackend(testBackend());
});

describe('restricted sub-task model (mask union, logits of the targets only)', () => {
  for (const name of ['simcnn', 'rescnn'] as const) {
    it(`${name}: outputs the pruned model's logits of the target classes, in their order, for fewer FLOPs`, () => {
      const spec: ModelSpec = { name, numClasses: 10, inputShape: [28, 28, 1], width: 0.125 };
      const full = buildModel(name, { ...spec, form: 'modular' });
      const keep = Object.fromEntries(
        Object.entries(full.maskedKernels).map(([conv, n]) => [conv, Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1)]),
      );
      const pruned = buildPrunedModel(spec, full.model, keep).model;
      const classes = [7, 2, 5];
      const restricted = buildRestrictedSubtaskModel(spec, full.model, keep, classes);
      try {
        expect(restricted.outputs.length).toBe(1);
        expect(restricted.outputs[0]!.shape).toEqual([null, 3]);
        expect(restricted.layers.at(-1)!.name).toBe(RESTRICTED_HEAD);
        const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 1);
        const all = tf.tidy(() => (pruned.predict(x) as tf.Tensor).arraySync() as number[][]);
        const got = tf.tidy(() => (restricted.predict(x) as tf.Tensor).arraySync() as number[][]);
        x.dispose();
        got.forEach((row, i) => row.forEach((v, k) => expect(v).toBeCloseTo(all[i]![classes[k]!]!, 5)));
        const head = pruned.layers.at(-1)!.weights[0]!.shape[0]!;
        expect(countFlops(restricted).total).toBe(countFlops(pruned).total - head * (10 - classes.length));
      } finally {
        restricted.dispose();
        pruned.dispose();
        full.model.dispose();
      }
    });
  }

  it('refuses a class outside the logits and a model whose output is not a dense layer', () => {
    const spec: ModelSpec = { name: 'simcnn', numClasses: 10, inputShape: [28, 28, 1], width: 0.125 };
    const standard = buildModel('simcnn', { ...spec, form: 'standard' }).model;
    expect(() => restrictLogits(standard, [3, 10])).toThrow(/class 10 is outside 0..9/);
    standard.dispose();
    const modular = buildModel('simcnn', { ...spec, form: 'modular' }).model;
    expect(() => restrictLogits(modular, [0, 1])).toThrow(/one output/);
    modular.dispose();
  });
});
