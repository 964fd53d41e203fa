/**
 * Matching a pruned network's batch norms to the modular network it was cut
 * from (src/modularize/bn_statistics.ts): the pure arithmetic against values worked out by hand,
 * then, on SimCNN and ResCNN with a third of every masked layer's kernels removed, every kept
 * kernel's BN output has the modular network's mean and variance over the same images, and no
 * trainable weight moves.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { buildModel, type ModelSpec } from '../../models/registry.js';
import { buildPrunedModel } from '../../src/modularize/prune.js';
import { bnTargets, convsWithBn, matchBnStatistics, matchedStatistics } from '../../src/modularize/bn_statistics.js';
import { tensorMoments } from '../../src/modularize/channel_moments.js';
import type { Dataset } from '../../src/data/dataset.js';
import { testBackend } from '../support/backend.js';

beforeAll(async () => {
  await initBackend(testBackend());
});

describe('matchedStatistics', () => {
  const moving = { mean: Float32Array.from([1, 2]), variance: Float32Array.from([4, 9]) };
  // Pruned channel 0 is modular kernel 2, channel 1 is kernel 0.
  const target = { mean: Float32Array.from([0.5, 9, 3]), variance: Float32Array.from([2, 9, 8]) };
  const actual = { mean: Float32Array.from([2, 1]), variance: Float32Array.from([2, 0.5]) };

  it("keeps the normalised output's mean and spread: s' = s r, mu' = m' - (m - mu) r, r = sqrt(v'/v)", () => {
    const m = matchedStatistics(moving, 0, [2, 0], target, actual, 'mean-variance');
    // r = sqrt(2/8) = 0.5 and sqrt(0.5/2) = 0.5. mu' = 2 - (3 - 1) 0.5 = 1; 1 - (0.5 - 2) 0.5 = 1.75.
    // var' = 4 * 0.25 = 1; 9 * 0.25 = 2.25.
    expect(Array.from(m.mean)).toEqual([1, 1.75]);
    expect(Array.from(m.variance)).toEqual([1, 2.25]);
  });

  it('counts epsilon in the variance; mean alone, or a constant kernel, shifts the mean only', () => {
    // (4 + 1) 0.25 - 1 = 0.25; (9 + 1) 0.25 - 1 = 1.5; the means as without epsilon.
    const e = matchedStatistics(moving, 1, [2, 0], target, actual, 'mean-variance');
    expect(Array.from(e.variance)).toEqual([0.25, 1.5]);
    expect(Array.from(e.mean)).toEqual([1, 1.75]);
    // mu' = mu + m' - m: 1 + 2 - 3 = 0; 2 + 1 - 0.5 = 2.5.
    const mean = matchedStatistics(moving, 0, [2, 0], target, actual, 'mean');
    expect(Array.from(mean.mean)).toEqual([0, 2.5]);
    expect(Array.from(mean.variance)).toEqual([4, 9]);
    const still = { mean: target.mean, variance: Float32Array.from([2, 9, 0]) };
    const c = matchedStatistics(moving, 0, [2, 0], still, actual, 'mean-variance');
    expect(Array.from(c.mean)).toEqual([0, 1.75]);
    expect(Array.from(c.variance)).toEqual([4, 2.25]);
  });
});

function randomDataset(count: number, shape: [number, number, number]): Dataset {
  const x = tf.tidy(() => tf.randomUniform([count, ...shape], 0, 1, 'float32', 7).dataSync() as Float32Array);
  return { images: Float32Array.from(x), labels: new Int32Array(count), count, shape, numClasses: 10 };
}

const outputs = (net: LayersModel, names: string[]) => names.map((n) => net.getLayer(n).output as SymbolicTensor);

describe('matchBnStatistics', () => {
  for (const name of ['simcnn', 'rescnn'] as const) {
    it(`${name}: every kept kernel's BN output has the modular network's moments; no trainable weight moves`, () => {
      const spec: ModelSpec = { name, numClasses: 10, inputShape: [16, 16, 3], width: 0.125 };
      const full = buildModel(name, { ...spec, form: 'modular' });
      const keep = Object.fromEntries(
        Object.entries(full.maskedKernels).map(([conv, n]) => [conv, Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1)]),
      );
      const pruned = buildPrunedModel(spec, full.model, keep).model;
      const ds = randomDataset(48, [16, 16, 3]);
      try {
        const convs = convsWithBn(pruned);
        expect(convs.length).toBeGreaterThan(Object.keys(keep).length - 1);
        const bns = convs.map((c) => `${c}_bn`);
        const target = tensorMoments(full.model, outputs(full.model, bns), ds);
        const before = tensorMoments(pruned, outputs(pruned, bns), ds);
        const tensors = tf.memory().numTensors;
        matchBnStatistics(pruned, bnTargets(full.model, ds), keep, ds);
        expect(tf.memory().numTensors).toBe(tensors);
        const trainable = pruned.trainableWeights.map((w) => w.read().dataSync().slice());
        const after = tensorMoments(pruned, outputs(pruned, bns), ds);
        let moved = 0;
        convs.forEach((conv, i) => {
          const kept = keep[conv] ?? Array.from({ length: after[i]!.mean.length }, (_, c) => c);
          kept.forEach((k, c) => {
            expect(after[i]!.mean[c]).toBeCloseTo(target[i]!.mean[k]!, 3);
            expect(after[i]!.variance[c]! / target[i]!.variance[k]!).toBeCloseTo(1, 2);
            moved += Math.abs(before[i]!.mean[c]! - target[i]!.mean[k]!);
          });
        });
        expect(moved).toBeGreaterThan(0.01); // pruning had moved them: the test is not vacuous
        // Nothing that training trains has moved.
        pruned.trainableWeights.forEach((w, i) => expect(w.read().dataSync()).toEqual(trainable[i]));
      } finally {
        pruned.dispose();
        full.model.dispose();
      }
    });
  }
});
