/**
 * evaluate(): accuracy and mean cross-entropy against values worked out by hand. The model is a
 * flatten and a dense layer with fixed weights, so its logits are the pixels themselves.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { layers, model as functionalModel, input } from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/backend.js';
import { evaluate } from '../../src/train/evaluate.js';
import type { Dataset } from '../../src/data/dataset.js';
import { testBackend } from '../support/backend.js';

beforeAll(async () => {
  await initBackend(testBackend());
});

/** logits = [x0, x1]: 1x1x2 images through an identity dense layer. */
function identityModel() {
  const x = input({ shape: [1, 1, 2] });
  const flat = layers.flatten().apply(x);
  const dense = layers.dense({ units: 2, useBias: false, kernelInitializer: 'identity' });
  return functionalModel({ inputs: x, outputs: dense.apply(flat) as never });
}

describe('evaluate', () => {
  it('returns the accuracy and the mean cross-entropy of the logits on the labels', () => {
    const m = identityModel();
    // Three images: logits (ln 3, 0) label 0, (0, 0) label 1, (0, ln 3) label 0.
    const ln3 = Math.log(3);
    const ds: Dataset = {
      images: Float32Array.from([ln3, 0, 0, 0, 0, ln3]),
      labels: Int32Array.from([0, 1, 0]),
      count: 3,
      shape: [1, 1, 2],
      numClasses: 2,
    };
    const before = tf.memory().numTensors;
    // Batches of 2 so that the short last batch is counted too.
    const e = evaluate(m, ds, 2);
    expect(tf.memory().numTensors).toBe(before);
    // softmax(ln 3, 0) = (3/4, 1/4): -ln(3/4). Equal logits: -ln(1/2); argmax ties pick class 0,
    // so the second image is wrong. Third: -ln(1/4), wrong.
    expect(e.accuracy).toBeCloseTo(1 / 3, 12);
    expect(e.loss).toBeCloseTo((-Math.log(3 / 4) - Math.log(1 / 2) - Math.log(1 / 4)) / 3, 5);
    expect(e.kernelRate).toBeNull();
    m.dispose();
  });
});
