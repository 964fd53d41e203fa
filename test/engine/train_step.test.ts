import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/backend.js';
import { buildModel } from '../../models/registry.js';
import { makeTrainStep } from '../../src/train/step.js';
import { seedGlobalRandom } from '../../src/train/random.js';
import { fixedValues, relativeError } from './compare.js';
import { testBackend } from '../support/backend.js';

/** wasm here; tensorflow in the tensorflow project (vitest.config.ts). */
const BACKEND = testBackend();

const BATCH = 8;
const NUM_CLASSES = 10;
const CONFIG = { numClasses: NUM_CLASSES, alpha: 0.5, beta: 1.5 };

/** An optimizer stand-in that records the gradients a step hands it instead of applying them. */
function gradientRecorder(): { optimizer: tf.Optimizer; grads: Map<string, Float32Array> } {
  const grads = new Map<string, Float32Array>();
  const optimizer = {
    applyGradients(g: tf.NamedTensorMap) {
      for (const [name, t] of Object.entries(g)) grads.set(name, (t.dataSync() as Float32Array).slice());
    },
  } as unknown as tf.Optimizer;
  return { optimizer, grads };
}

function batch(size: number, side: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const x = tf.tensor4d(fixedValues(size * side * side * 3, 31), [size, side, side, 3]);
  // Pairs of equal labels, so both the cohesion and the coupling loss have terms.
  const y = tf.tensor1d(
    Array.from({ length: size }, (_, i) => i >> 1),
    'int32',
  );
  return { x, y };
}

async function gradientsOn(backend: string, model: LayersModel, size: number, side: number) {
  await tf.setBackend(backend);
  const rec = gradientRecorder();
  const step = makeTrainStep(model, rec.optimizer, CONFIG);
  const stats = tf.tidy(() => {
    const { x, y } = batch(size, side);
    return step(x, y);
  });
  const values = stats.dataSync().slice();
  stats.dispose();
  return { grads: rec.grads, stats: values };
}

describe(`a modular training step on ${BACKEND}`, () => {
  beforeAll(async () => {
    await initBackend(BACKEND);
  });

  // The cpu backend's conv gradients are slow: the 32x32 case is VGG-like SimCNN; ResNet18 (which
  // adds stride-2 and 1x1 shortcut convs and residual additions) runs on 16x16 inputs.
  const cases: [string, number, number][] = [
    ['simcnn', BATCH, 32],
    ['resnet18', 4, 16],
  ];
  for (const [name, size, side] of cases) {
    it(`gives the cpu backend's gradients to 1e-4 (${name}, width 0.125, ${side}x${side}x3, batch ${size})`, async () => {
      seedGlobalRandom(1);
      await tf.setBackend('cpu');
      const { model } = buildModel(name, { numClasses: NUM_CLASSES, inputShape: [side, side, 3], width: 0.125, form: 'modular' });
      const cpu = await gradientsOn('cpu', model, size, side);
      const wasm = await gradientsOn(BACKEND, model, size, side);
      expect(wasm.grads.size).toBe(model.trainableWeights.length);
      for (const [weight, g] of cpu.grads) {
        const err = relativeError(wasm.grads.get(weight)!, g);
        expect(err, weight).toBeLessThan(1e-4);
      }
      expect(relativeError(wasm.stats, cpu.stats)).toBeLessThan(1e-4);
      model.dispose();
    });
  }

  it('leaks no tensor: the same count after step 10 and step 30', async () => {
    await tf.setBackend(BACKEND);
    seedGlobalRandom(2);
    const { model } = buildModel('simcnn', { numClasses: NUM_CLASSES, inputShape: [32, 32, 3], width: 0.125, form: 'modular' });
    const step = makeTrainStep(model, tf.train.momentum(0.01, 0.9, true), CONFIG);
    const { x, y } = batch(BATCH, 32);
    const counts: Record<number, number> = {};
    for (let i = 1; i <= 30; i++) {
      tf.dispose(tf.tidy(() => step(x, y)));
      if (i === 10 || i === 30) counts[i] = tf.memory().numTensors;
    }
    expect(counts[30]).toBe(counts[10]);
    tf.dispose([x, y]);
    model.dispose();
  });
});
