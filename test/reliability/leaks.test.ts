// Training, modularizing and reuse keep tf.memory().numTensors flat across iterations.
import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { train } from '../../src/train/train.js';
import { silentLogger } from '../../src/log/logger.js';
import { modularizeRun } from '../../src/modules/modularize_run.js';
import { closeReuseContext, openReuseContext, reuseSubtask } from '../../src/reuse/reuse.js';
import { SAMPLE } from './cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-leak-'));

describe('tensor leaks', () => {
  it('the training loop holds the same number of tensors at every step after the first', async () => {
    const counts: Record<string, number> = {};
    await train(
      { model: 'resnet18', dataset: 'fashion-mnist', dataDir: SAMPLE, out: tmp(), epochs: 2, width: 0.125, limit: 256, batchSize: 32 },
      { log: silentLogger, onStep: (epoch, step) => (counts[`${epoch}.${step}`] = tf.memory().numTensors) },
    );
    const values = Object.values(counts);
    expect(values.length).toBe(16);
    // The optimizer creates its momentum slots on the first update; from then on, flat.
    expect(new Set(values.slice(1)).size).toBe(1);
  });

  describe('after training', () => {
    const run = tmp();
    beforeAll(async () => {
      await train(
        { model: 'simcnn', dataset: 'fashion-mnist', dataDir: SAMPLE, out: run, epochs: 1, width: 0.125, limit: 300, batchSize: 32 },
        { log: silentLogger },
      );
    });

    it('modularizing twice leaves no tensor behind', async () => {
      // Cards on 200 images of each split: the card code runs in full (score heads, F1), on a
      // tenth of the sample, which kept this test near its timeout on a busy machine (117 s).
      const cards = { fitSamples: 200, testSamples: 200 };
      await modularizeRun(run, { threshold: 0.9, cards, log: silentLogger }); // warm-up: backend and kernels
      const before = tf.memory().numTensors;
      await modularizeRun(run, { threshold: [0.5, 0.9], cards, log: silentLogger });
      await modularizeRun(run, { threshold: 0.9, keepGenerators: true, cards, log: silentLogger });
      expect(tf.memory().numTensors).toBe(before);
    });

    it('reusing sub-tasks one after another leaves no tensor behind', async () => {
      const ctx = await openReuseContext({ run, threshold: 0.9, log: silentLogger });
      const once = (classes: number[]) =>
        reuseSubtask(ctx, { classes, epochs: 1, latency: { warmup: 1, repeats: 1 }, log: silentLogger }).model.dispose();
      once([0, 1]); // warm-up: latency reference, kernels
      const before = tf.memory().numTensors;
      once([2, 3]);
      once([4, 5, 6]);
      expect(tf.memory().numTensors).toBe(before);
      closeReuseContext(ctx);
    });
  });
});
