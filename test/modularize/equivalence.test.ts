/**
 * The proof that pruning and residual padding are right: a module built with its generators from
 * any kernel selection computes exactly what the modular model computes when the masks of the
 * removed kernels are forced to zero.
 *
 * Forcing: the generator ends Dense -> tanh -> relu, so a final bias of -1e4 on a kernel makes
 * tanh -1 and the mask 0 for every input, while the kept kernels' masks are untouched.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { buildModel, MODEL_NAMES, type ModelSpec } from '../../models/index.js';
import { buildPrunedModel } from '../../src/modularize/prune.js';
import { countFlops } from '../../src/modularize/flops.js';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { testBackend } from '../support/backend.js';
import { seedGlobalRandom } from '../../src/train/random.js';

// The models' initial weights come from tfjs' random initialisers, which draw their seeds from
// Math.random: seeded here, every case builds the same weights on every run.
const unseededRandom = Math.random;
beforeAll(async () => {
  await initBackend(testBackend());
  seedGlobalRandom('equivalence');
});
afterAll(() => {
  Math.random = unseededRandom;
});

/** Park-Miller generator: the selections are the same on every run. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

type Selection = (kernels: number, random: () => number) => number[];
const SELECTIONS: Record<string, Selection> = {
  // About two thirds of the kernels, at random (never none).
  random: (n, random) => {
    const kept = Array.from({ length: n }, (_, i) => i).filter(() => random() < 0.66);
    return kept.length > 0 ? kept : [Math.floor(random() * n)];
  },
  // A third of the kernels (at least three, so that some signal survives the ReLUs): residual
  // branches then carry mostly different channels.
  sparse: (n, random) => {
    const order = Array.from({ length: n }, (_, i) => i).sort(() => random() - 0.5);
    return order.slice(0, Math.max(3, Math.round(n / 3))).sort((a, b) => a - b);
  },
};

/** Sets the final bias of each generator to -1e4 for the kernels not in `keep`. */
function forceRemovedMasksToZero(model: LayersModel, keep: Record<string, number[]>): void {
  for (const [conv, kept] of Object.entries(keep)) {
    const gen = model.getLayer(`${conv}_mask`);
    const [w1, w2, b2] = gen.getWeights();
    const keepSet = new Set(kept);
    const bias = Array.from(b2!.dataSync(), (v, i) => (keepSet.has(i) ? v : -1e4));
    tf.tidy(() => gen.setWeights([w1!, w2!, tf.tensor1d(bias)]));
  }
}

/**
 * Per-channel batch-norm parameters and statistics (a fresh model has gamma 1, beta 0, mean 0,
 * variance 1 on every channel, under which slicing the wrong channels would go unnoticed), with
 * a positive beta so that the signal neither vanishes nor explodes through 13 layers.
 */
function randomizeBatchNorm(model: LayersModel, random: () => number): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const n = layer.getWeights()[0]!.shape[0]!;
    const draw = (lo: number, hi: number) => tf.tensor1d(Array.from({ length: n }, () => lo + (hi - lo) * random()));
    tf.tidy(() => layer.setWeights([draw(1, 2), draw(-0.3, 0.5), draw(-0.2, 0.2), draw(0.5, 1.5)]));
  }
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

const SHAPES: [number, number, number][] = [
  [32, 32, 3],
  [28, 28, 1],
];
const disposeAfter: LayersModel[] = [];
afterAll(() => disposeAfter.forEach((m) => m.dispose()));

describe.each(MODEL_NAMES)('%s at width 0.125', (name) => {
  it.each(SHAPES.flatMap((shape) => Object.keys(SELECTIONS).map((sel) => [shape, sel] as const)))(
    'input %j, %s kernels: module == modular model with removed masks at 0',
    (shape, selection) => {
      const spec: ModelSpec = { name, numClasses: 5, inputShape: shape, width: 0.125 };
      const full = buildModel(name, spec);
      const random = seeded(shape[0] * 31 + selection.length);
      const keep = Object.fromEntries(Object.entries(full.maskedKernels).map(([conv, n]) => [conv, SELECTIONS[selection]!(n, random)]));
      randomizeBatchNorm(full.model, random);
      forceRemovedMasksToZero(full.model, keep);
      const module = buildPrunedModel(spec, full.model, keep, { keepGenerators: true });
      const bare = buildPrunedModel(spec, full.model, keep);
      disposeAfter.push(full.model, module.model, bare.model);

      const x = tf.randomNormal([3, ...shape], 0, 1, 'float32', 7);
      const [logits, ...masks] = full.model.predict(x) as tf.Tensor[];
      const [moduleLogits, ...moduleMasks] = module.model.predict(x) as tf.Tensor[];
      // A real signal that depends on the input (spread: largest change of a logit between two
      // inputs), and agreement far below both: float32 round-off, not a modelling error. (On wasm
      // the difference is exactly 0: removed channels contribute exact zeros; TensorFlow's oneDNN
      // sums in another order for other channel counts, about 1e-6 of the logits' size through
      // ResNet18, so the bound is relative to that size.)
      const scale = tf.max(tf.abs(logits!)).dataSync()[0]!;
      const spread = maxAbsDiff(tf.slice(logits!, [0, 0], [1, 5]), tf.slice(logits!, [1, 0], [1, 5]));
      const diff = maxAbsDiff(logits!, moduleLogits!);
      // (VGG16's classifier starts at PyTorch's scale, 0.4x He's in each of three dense layers:
      // its logits at width 0.125 are about 0.01, so the floor is 1e-3.)
      expect(scale).toBeGreaterThan(1e-3);
      expect(spread).toBeGreaterThan(1e-4);
      expect(diff).toBeLessThan(1e-5 * Math.max(1, scale));
      expect(diff).toBeLessThanOrEqual(spread * 1e-2);
      // The module's masks are the modular model's masks of the kept kernels.
      expect(moduleMasks.length).toBe(masks.length);
      full.maskNames.forEach((maskName, i) => {
        const conv = maskName.replace(/_mask$/, '');
        const kept = tf.gather(masks[i]!, tf.tensor1d(keep[conv]!, 'int32'), 1);
        expect(moduleMasks[i]!.shape).toEqual([3, keep[conv]!.length]);
        expect(maxAbsDiff(kept, moduleMasks[i]!)).toBeLessThan(1e-5);
      });

      // Fewer parameters and FLOPs than the model, with generators and without (logits only).
      expect(module.model.countParams()).toBeLessThan(full.model.countParams());
      expect(countFlops(module.model).total).toBeLessThan(countFlops(full.model).total);
      const standard = buildModel(name, { ...spec, form: 'standard' }).model;
      disposeAfter.push(standard);
      expect(bare.model.outputs.length).toBe(1);
      expect(bare.model.countParams()).toBeLessThan(standard.countParams());
      expect(countFlops(bare.model).total).toBeLessThan(countFlops(standard).total);
      expect(countFlops(standard).total).toBe(countFlops(full.model).withoutGenerators);
      tf.dispose([x, logits!, ...masks, moduleLogits!, ...moduleMasks]);
    },
  );
});
