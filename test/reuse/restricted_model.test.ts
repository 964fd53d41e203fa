import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { buildModel, type ModelSpec } from '../../models/registry.js';
import { buildPrunedModel } from '../../src/modularize/prune.js';
import { buildRestrictedSubtaskModel, restrictLogits, RESTRICTED_HEAD } from '../../src/reuse/restricted_model.js';
import { countFlops } from '../../src/modularize/flops.js';
import { foldMeanMasks, meanMasks } from '../../src/modularize/mask_folding.js';
import { bnTargets, matchBnStatistics } from '../../src/modularize/bn_statistics.js';
import type { Dataset } from '../../src/data/dataset.js';
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

  it('calibrated: mean masks folded and batch norms matched on the images before the head is cut, as mwt reuse does', () => {
    const spec: ModelSpec = { name: 'simcnn', numClasses: 10, inputShape: [28, 28, 1], width: 0.125 };
    const full = buildModel('simcnn', { ...spec, form: 'modular' });
    const keep = Object.fromEntries(
      Object.entries(full.maskedKernels).map(([conv, n]) => [conv, Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 0)]),
    );
    const images: Dataset = {
      images: tf.tidy(() => tf.randomNormal([24, 28, 28, 1], 0, 1, 'float32', 3).dataSync() as Float32Array),
      labels: new Int32Array(24),
      count: 24,
      shape: [28, 28, 1],
      numClasses: 2,
    };
    const before = tf.memory().numTensors;
    const calibrated = buildRestrictedSubtaskModel(spec, full.model, keep, [4, 1], { images });
    const plain = buildRestrictedSubtaskModel(spec, full.model, keep, [4, 1]);
    // By hand: the pruned model, folded and matched on the same images, then restricted.
    const byHand = buildPrunedModel(spec, full.model, keep).model;
    foldMeanMasks(byHand, keep, meanMasks(full.model, images));
    matchBnStatistics(byHand, bnTargets(full.model, images), keep, images, 'mean-variance');
    const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 4);
    try {
      const got = tf.tidy(() => (calibrated.predict(x) as tf.Tensor).arraySync() as number[][]);
      const want = tf.tidy(() => (byHand.predict(x) as tf.Tensor).arraySync() as number[][]);
      got.forEach((row, i) => {
        expect(row[0]).toBeCloseTo(want[i]![4]!, 4);
        expect(row[1]).toBeCloseTo(want[i]![1]!, 4);
      });
      // Calibration moved the batch norms (an untrained model's logits are too small to show it):
      // gamma scaled by the mean masks, under 1 here, and the moving statistics matched.
      const bn = (m: typeof plain) =>
        m
          .getLayer('conv5_bn')
          .getWeights()
          .map((w) => Array.from(w.dataSync()));
      const [gamma, , , variance] = bn(calibrated);
      const [gamma0, , , variance0] = bn(plain);
      gamma!.forEach((g, c) => expect(g).toBeLessThan(gamma0![c]! - 1e-3));
      // Half of conv4's kernels are gone, so conv5 sums fewer channels: its variance is rescaled.
      expect(Math.max(...variance!.map((v, c) => Math.abs(v - variance0![c]!)))).toBeGreaterThan(1e-3);
      expect(() => buildRestrictedSubtaskModel(spec, full.model, keep, [4, 1], { images: { ...images, count: 0 } })).toThrow(
        /no calibration images/,
      );
    } finally {
      [calibrated, plain, byHand].forEach((m) => m.dispose());
      x.dispose();
    }
    // Only the models' own weights were made (the refused build disposed its pruned model).
    expect(tf.memory().numTensors).toBe(before);
    full.model.dispose();
  });

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
