/**
 * Where fine-tuning starts: mean masks folded into the pruned network's batch norm, and the new
 * head started as a selection of the target classes' logits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/index.js';
import { buildModel } from '../../models/registry.js';
import type { KeepSpec } from '../../models/builder.js';
import { foldMeanMasks, meanMasks } from '../../src/modularize/mask_folding.js';
import { buildSubtaskModel } from '../../src/reuse/subtask_model.js';
import { buildPrunedModel } from '../../src/modularize/prune.js';
import type { Dataset } from '../../src/data/dataset.js';
import { seedGlobalRandom } from '../../src/train/random.js';
import { testBackend } from '../support/backend.js';

const SPEC = { name: 'simcnn' as const, numClasses: 4, inputShape: [8, 8, 3] as [number, number, number], width: 0.125 };
const N = 6;

function dataset(): Dataset {
  const images = Float32Array.from({ length: N * 8 * 8 * 3 }, (_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 0.011));
  return { images, labels: Int32Array.from({ length: N }, (_, i) => i % 4), shape: [8, 8, 3], count: N, numClasses: 4 } as Dataset;
}

/** A modular model whose every mask is a constant per kernel: w2 = 0, so mask = relu(tanh(b2)). */
function constantMaskModel(): { model: LayersModel; masks: Record<string, number[]> } {
  seedGlobalRandom(3);
  const { model, maskNames } = buildModel(SPEC.name, { ...SPEC, form: 'modular' });
  const masks: Record<string, number[]> = {};
  for (const name of maskNames) {
    const gen = model.getLayer(name);
    const [w1, w2, b2] = gen.getWeights();
    const kernels = b2!.shape[0]!;
    // Pre-activations from -0.5 to 2: some kernels off (mask 0), the others between 0 and tanh(2).
    const bias = Array.from({ length: kernels }, (_, k) => -0.5 + (2.5 * k) / Math.max(kernels - 1, 1));
    gen.setWeights([w1!, tf.zerosLike(w2!), tf.tensor1d(bias)]);
    masks[name.replace(/_mask$/, '')] = bias.map((b) => Math.max(0, Math.tanh(b)));
  }
  return { model, masks };
}

describe('sub-task model start', () => {
  beforeAll(async () => {
    await initBackend(testBackend('cpu'));
  });
  afterAll(() => tf.disposeVariables());

  it('meanMasks averages each kernel’s mask over the samples', () => {
    const { model, masks } = constantMaskModel();
    const means = meanMasks(model, dataset(), 4); // batches of 4 and 2: the mean spans batches
    for (const [conv, expected] of Object.entries(masks)) {
      const got = Array.from(means[conv]!);
      got.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 6));
    }
    model.dispose();
  });

  it('folding constant masks into BN makes the pruned network compute what the modular one does', () => {
    const { model, masks } = constantMaskModel();
    // Keep the kernels whose mask is non-zero: removing the others changes nothing in the modular model.
    const keep: KeepSpec = {};
    for (const [conv, m] of Object.entries(masks)) keep[conv] = m.flatMap((v, k) => (v > 0 ? [k] : []));
    const pruned = buildPrunedModel(SPEC, model, keep, { keepGenerators: false }).model;
    const ds = dataset();
    const x = tf.tensor4d(ds.images, [N, 8, 8, 3]);
    // Compared at the last hidden layer (same width in both): the untrained logits vary little.
    const hidden = (m: LayersModel) =>
      (
        tfl.model({ inputs: m.inputs, outputs: m.getLayer('fc1').output as tfl.SymbolicTensor }).predict(x) as tf.Tensor
      ).arraySync() as number[][];
    const expected = hidden(model);
    const unfolded = hidden(pruned);
    foldMeanMasks(pruned, keep, meanMasks(model, ds));
    const folded = hidden(pruned);
    const scale = Math.max(...expected.flat().map(Math.abs));
    const maxDiff = (a: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - expected[i]![j]!)))) / scale;
    expect(scale).toBeGreaterThan(0);
    expect(maxDiff(folded)).toBeLessThan(1e-4);
    expect(maxDiff(unfolded)).toBeGreaterThan(0.1); // without folding the kept kernels fire unscaled
    tf.dispose(x);
    pruned.dispose();
    model.dispose();
  });

  it("the 'classes' head starts as ReLU of the target classes' own logits; 'random' does not", () => {
    const { model } = constantMaskModel();
    const keep: KeepSpec = {};
    for (const layer of model.outputs.slice(1)) {
      const conv = layer.sourceLayer.name.replace(/_mask$/, '');
      keep[conv] = Array.from({ length: layer.shape[1] as number }, (_, k) => k);
    }
    const classes = [3, 1];
    const x = tf.tensor4d(dataset().images, [N, 8, 8, 3]);
    const selected = buildSubtaskModel(SPEC, model, keep, classes, { seed: 0 });
    const logits = (selected.mixedModule.predict(x) as tf.Tensor).arraySync() as number[][];
    const out = (selected.model.predict(x) as tf.Tensor).arraySync() as number[][];
    out.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(Math.max(0, logits[i]![classes[j]!]!), 5)));
    const random = buildSubtaskModel(SPEC, model, keep, classes, { seed: 0, headInit: 'random' });
    const randomOut = (random.model.predict(x) as tf.Tensor).arraySync() as number[][];
    expect(randomOut.flat()).not.toEqual(out.flat());
    tf.dispose(x);
    model.dispose();
  });
});
