/** A module saved as model.json + weights.bin loads back with tf.loadLayersModel and predicts the same. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/layers/index.js'; // registers MaskGenerator, ApplyMask, ChannelPad for loading
import { initBackend } from '../../src/engine/backend.js';
import { buildModel, type ModelSpec } from '../../models/index.js';
import { buildPrunedModel } from '../../src/modularize/prune.js';
import { fileHandler, saveModel } from '../../src/io/model_io.js';
import { testBackend } from '../support/backend.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-modules-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  await initBackend(testBackend());
});

describe('module save -> load', () => {
  // ResCNN with every other kernel kept: the module has ChannelPad layers (residual padding).
  const spec: ModelSpec = { name: 'rescnn', numClasses: 4, inputShape: [28, 28, 1], width: 0.125 };
  const full = buildModel('rescnn', spec);
  const keep = Object.fromEntries(
    Object.entries(full.maskedKernels).map(([conv, n]) => [
      conv,
      Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === (conv === 'conv3' ? 1 : 0)),
    ]),
  );

  it.each([false, true])('keepGenerators %s: identical predictions after the round trip', async (keepGenerators) => {
    const module = buildPrunedModel(spec, full.model, keep, { keepGenerators });
    const classes = module.model.layers.map((l) => l.getClassName());
    expect(classes).toContain('MwtChannelPad');
    expect(classes.includes('MwtMaskGenerator')).toBe(keepGenerators);
    const out = path.join(dir, `module-${keepGenerators}`);
    await saveModel(module.model, out);
    expect(fs.readdirSync(out).sort()).toEqual(['model.json', 'weights.bin']);

    const loaded = await tfl.loadLayersModel(fileHandler(out));
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 3);
    const before = ([] as tf.Tensor[]).concat(module.model.predict(x) as tf.Tensor | tf.Tensor[]);
    const after = ([] as tf.Tensor[]).concat(loaded.predict(x) as tf.Tensor | tf.Tensor[]);
    expect(after.length).toBe(keepGenerators ? 1 + Object.keys(keep).length : 1);
    before.forEach((t, i) => expect(Array.from(after[i]!.dataSync())).toEqual(Array.from(t.dataSync())));
    tf.dispose([x, ...before, ...after]);
    loaded.dispose();
    module.model.dispose();
  });
});
