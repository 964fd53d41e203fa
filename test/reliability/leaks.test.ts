// Training keeps tf.memory().numTensors flat across steps and epochs.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { train } from '../../src/train/train.js';
import { silentLogger } from '../../src/cli/progress.js';
import { SAMPLE } from './cli.js';

describe('tensor leaks', () => {
  it('the training loop holds the same number of tensors at every step after the first', async () => {
    const counts: Record<string, number> = {};
    await train(
      { model: 'resnet18', dataset: 'fashion-mnist', dataDir: SAMPLE, out: fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-leak-')), epochs: 2, width: 0.125, limit: 400, batchSize: 32 },
      { log: silentLogger, onStep: (epoch, step) => (counts[`${epoch}.${step}`] = tf.memory().numTensors) },
    );
    const values = Object.values(counts);
    expect(values.length).toBe(24);
    // The optimizer creates its momentum slots on the first update; from then on, flat.
    expect(new Set(values.slice(1)).size).toBe(1);
  });
});
