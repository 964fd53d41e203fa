import { describeMachine } from '../../src/engine/machine.js';
import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { train, readMetrics } from '../../src/train/train.js';
import { silentLogger } from '../../src/log/logger.js';
import { cosineLearningRate } from '../../src/train/schedule.js';
import { parseTrainOptions } from '../../src/train/options.js';
import { readRunInfo } from '../../src/train/run_info.js';
import { loadModel } from '../../src/io/model_io.js';
import { testBackend } from '../support/backend.js';

const SAMPLE = path.resolve('data/fashion-mnist-sample');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-train-'));

const METRIC_KEYS = [
  'epoch',
  'trainAccuracy',
  'testAccuracy',
  'ceLoss',
  'cohesionLoss',
  'couplingLoss',
  'kernelRate',
  'seconds',
  'imagesPerSecond',
];
const SUMMARY_KEYS = [
  'model',
  'dataset',
  'standard',
  'epochs',
  'backend',
  'testAccuracy',
  'kernelRate',
  'secondsPerEpoch',
  'imagesPerSecond',
];

describe('schedule and options', () => {
  it('anneals the learning rate on a cosine from lr to 0', () => {
    expect(cosineLearningRate(0.05, 0, 10)).toBeCloseTo(0.05, 10);
    expect(cosineLearningRate(0.05, 5, 10)).toBeCloseTo(0.025, 10);
    expect(cosineLearningRate(0.05, 10, 10)).toBeCloseTo(0, 10);
  });

  it('applies the paper defaults and rejects bad options with the option name', () => {
    const o = parseTrainOptions({ model: 'vgg16', dataset: 'cifar10', dataDir: 'd', out: 'o' });
    expect(o).toMatchObject({ epochs: 200, batchSize: 128, lr: 0.05, momentum: 0.9, alpha: 0.5, beta: 1.5, width: 1, standard: false });
    expect(() => parseTrainOptions({ model: 'vgg16', dataset: 'cifar10', dataDir: 'd', out: 'o', width: -1 })).toThrow(/^--width: /);
    // @ts-expect-error: model is typed as the zoo's names, so a typo fails to compile too
    expect(() => parseTrainOptions({ model: 'vgg99', dataset: 'cifar10', dataDir: 'd', out: 'o' })).toThrow(/^--model: /);
    expect(() => parseTrainOptions({ model: 'vgg16', dataset: 'cifar10', dataDir: 'd', out: 'o', batchSize: 1.5 })).toThrow(
      /^--batch-size: /,
    );
  });
});

describe('training on the bundled Fashion-MNIST sample', () => {
  let out: string;
  beforeAll(async () => {
    out = tmp();
  });

  it('a tiny modular model learns, and the run directory holds the contract files', async () => {
    const summary = await train(
      {
        model: 'simcnn',
        dataset: 'fashion-mnist',
        dataDir: SAMPLE,
        out,
        epochs: 3,
        width: 0.125,
        batchSize: 64,
        limit: 1000,
        backend: testBackend(),
        lr: 0.05,
      },
      { log: silentLogger },
    );
    expect(summary.backend).toBe(testBackend());
    expect(summary.testAccuracy).toBeGreaterThan(0.45); // chance is 0.10
    const written = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    for (const k of SUMMARY_KEYS) expect(written, k).toHaveProperty(k);
    expect(written.kernelRate).toBeGreaterThan(0);
    expect(written.kernelRate).toBeLessThanOrEqual(1);
    // The machine the figures were measured on (they differ between AVX2 and AVX-512 CPUs).
    expect(written.machine).toEqual(describeMachine());
    const metrics = readMetrics(path.join(out, 'metrics.jsonl'));
    expect(metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    for (const m of metrics) for (const k of METRIC_KEYS) expect(m[k as keyof typeof m], k).not.toBeUndefined();
    expect(metrics[2]!.ceLoss).toBeLessThan(metrics[0]!.ceLoss);
    const info = readRunInfo(out);
    expect(info.spec).toEqual({ name: 'simcnn', numClasses: 10, inputShape: [28, 28, 1], width: 0.125 });
    const model = await loadModel(path.join(out, 'model'));
    expect(model.outputs.length).toBe(13); // logits + 12 masks
    model.dispose();
  });

  it('a standard run writes null mask fields', async () => {
    const dir = tmp();
    const summary = await train(
      {
        model: 'simcnn',
        dataset: 'fashion-mnist',
        dataDir: SAMPLE,
        out: dir,
        epochs: 1,
        width: 0.125,
        batchSize: 64,
        limit: 300,
        standard: true,
      },
      { log: silentLogger },
    );
    expect(summary.kernelRate).toBeNull();
    const [m] = readMetrics(path.join(dir, 'metrics.jsonl'));
    expect(m!.cohesionLoss).toBeNull();
    expect(m!.couplingLoss).toBeNull();
    expect(m!.kernelRate).toBeNull();
  });

  it('--resume continues from the checkpoint to the requested epochs', async () => {
    const before = tf.memory().numTensors;
    const summary = await train(
      {
        model: 'simcnn',
        dataset: 'fashion-mnist',
        dataDir: SAMPLE,
        out,
        epochs: 4,
        width: 0.125,
        batchSize: 64,
        limit: 1000,
        resume: true,
      },
      { log: silentLogger },
    );
    const metrics = readMetrics(path.join(out, 'metrics.jsonl'));
    expect(metrics.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
    expect(summary.epochs).toBe(4);
    // A typical epoch over both sessions: the median of four is the mean of the middle two.
    const seconds = metrics.map((m) => m.seconds).sort((a, b) => a - b);
    expect(summary.secondsPerEpoch).toBeCloseTo((seconds[1]! + seconds[2]!) / 2, 9);
    // The run frees its model and optimizer slots; nothing per step leaks.
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('--workers: data-parallel training in the loop', () => {
  const base = {
    model: 'simcnn',
    dataset: 'fashion-mnist',
    dataDir: SAMPLE,
    epochs: 1,
    width: 0.125,
    batchSize: 32,
    backend: 'wasm',
    seed: 3,
  } as const;

  it('two replicas train the same step as one process, and leave no tensor behind', async () => {
    const one = tmp();
    const two = tmp();
    // One step of 32 samples: identical up to float rounding (summed BN statistics and gradients).
    await train({ ...base, out: one, limit: 32 }, { log: silentLogger });
    // A first parallel run creates tfjs' one-time constants; the run after it must free all it made.
    await train({ ...base, out: tmp(), limit: 32, workers: 2 }, { log: silentLogger });
    const before = tf.memory().numTensors;
    const summary = await train({ ...base, out: two, limit: 32, workers: 2 }, { log: silentLogger });
    expect(summary.options.workers).toBe(2);
    const [a] = readMetrics(path.join(one, 'metrics.jsonl'));
    const [b] = readMetrics(path.join(two, 'metrics.jsonl'));
    for (const k of ['ceLoss', 'cohesionLoss', 'couplingLoss', 'kernelRate', 'trainAccuracy'] as const) {
      expect(b![k], k).toBeCloseTo(a![k]!, 5);
    }
    // After the (rounding-level different) update a borderline test image may flip.
    expect(Math.abs(b!.testAccuracy - a!.testAccuracy)).toBeLessThanOrEqual(0.003);
    // The run's tensors are gone once it returns (workers hold their own heaps).
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a run resumed with two replicas continues from the single-process checkpoint', async () => {
    const out = tmp();
    await train({ ...base, out, limit: 64 }, { log: silentLogger });
    const summary = await train({ ...base, out, limit: 64, epochs: 2, resume: true, workers: 2 }, { log: silentLogger });
    const metrics = readMetrics(path.join(out, 'metrics.jsonl'));
    expect(metrics.map((m) => m.epoch)).toEqual([1, 2]);
    // The replicas start from the checkpoint's weights: the loss keeps falling, not reset.
    expect(metrics[1]!.ceLoss).toBeLessThan(metrics[0]!.ceLoss);
    expect(summary.epochs).toBe(2);
  });

  it('rejects a bad worker count before any work', () => {
    expect(() => parseTrainOptions({ model: 'vgg16', dataset: 'cifar10', dataDir: 'd', out: 'o', workers: 0 })).toThrow(/^--workers: /);
    expect(() => parseTrainOptions({ model: 'vgg16', dataset: 'cifar10', dataDir: 'd', out: 'o', threads: 9 })).toThrow(/^--threads: /);
  });
});
