import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/backend.js';
import { buildModel } from '../../models/registry.js';
import { makeTrainStep } from '../../src/train/step.js';
import { seedGlobalRandom } from '../../src/train/random.js';
import { DataParallelTrainer } from '../../src/train/parallel/data_parallel_trainer.js';
import { replicaRows } from '../../src/train/parallel/replica_step.js';
import { fixedValues, relativeError } from '../engine/compare.js';

const SPEC = {
  name: 'simcnn',
  numClasses: 10,
  inputShape: [32, 32, 3] as [number, number, number],
  width: 0.125,
  form: 'modular' as const,
};
// maskLrFactor 2 and a weight decay of each group: the replicas add the decay to the summed
// gradients and scale the generators' as the local step does.
const STEP = { numClasses: 10, alpha: 0.5, beta: 1.5, maskLrFactor: 2, weightDecay: 0.05, maskWeightDecay: 0.02 };
const BATCH = 8;

function batchArrays(step: number) {
  return {
    x: fixedValues(BATCH * 32 * 32 * 3, 60 + step),
    // pairs of labels: cohesion and coupling both have terms, and pairs straddle the two replicas
    y: Int32Array.from({ length: BATCH }, (_, i) => ((i + 1) >> 1) % 10),
  };
}

describe('replicaRows', () => {
  it('splits a batch into contiguous, nearly equal slices', () => {
    expect([0, 1].map((r) => replicaRows(8, 2, r))).toEqual([
      [0, 4],
      [4, 4],
    ]);
    expect([0, 1, 2].map((r) => replicaRows(7, 3, r))).toEqual([
      [0, 3],
      [3, 2],
      [5, 2],
    ]);
  });
});

describe('data-parallel training (2 replicas: main thread + 1 worker)', () => {
  let single: LayersModel;
  let parallel: LayersModel;
  let trainer: DataParallelTrainer;
  // Small steps: training a tiny net is chaotic (a ReLU or mask that flips on rounding changes the
  // next gradient), so comparisons are made one step after the weights were made equal.
  const singleOpt = tf.train.momentum(0.01, 0.9, true);
  const parallelOpt = tf.train.momentum(0.01, 0.9, true);

  beforeAll(async () => {
    await initBackend('wasm');
    seedGlobalRandom(3);
    single = buildModel(SPEC.name, SPEC).model;
    parallel = buildModel(SPEC.name, SPEC).model;
    parallel.setWeights(single.getWeights());
    trainer = await DataParallelTrainer.create(parallel, parallelOpt, {
      replicas: 2,
      model: SPEC,
      optimizer: { momentum: 0.9, nesterov: true },
      step: STEP,
      maxBatchSize: BATCH,
    });
  });

  afterAll(async () => {
    await trainer?.dispose();
  });

  function stepBoth(i: number): void {
    const step = makeTrainStep(single, singleOpt, STEP);
    const { x, y } = batchArrays(i);
    const ref = tf.tidy(() => step(tf.tensor4d(x, [BATCH, 32, 32, 3]), tf.tensor1d(y, 'int32')));
    const got = trainer.step(x, y, BATCH);
    expect(relativeError(got.dataSync(), ref.dataSync())).toBeLessThan(1e-5);
    tf.dispose([ref, got]);
  }

  function expectSameWeights(tolerance: number): void {
    const a = single.getWeights();
    const b = parallel.getWeights();
    a.forEach((w, i) => expect(relativeError(b[i]!.dataSync(), w.dataSync()), single.weights[i]!.name).toBeLessThan(tolerance));
  }

  it('one step: the same stats, weights and moving statistics as one process on the whole batch', () => {
    stepBoth(0);
    expectSameWeights(1e-5);
  });

  it('the worker stays in step: two more batches keep the replicas together', () => {
    stepBoth(1);
    stepBoth(2);
    expectSameWeights(1e-4);
  });

  it('syncReplicas() copies new weights and optimizer state to the worker', async () => {
    const w = single.getWeights().map((t) => tf.mul(t, 1.01));
    single.setWeights(w);
    parallel.setWeights(w);
    tf.dispose(w);
    await trainer.syncReplicas();
    stepBoth(3);
    expectSameWeights(1e-5);
  });
});
