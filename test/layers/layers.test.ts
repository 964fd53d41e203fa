import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { initBackend } from '../../src/engine/backend.js';
import { MaskGenerator, ApplyMask, ChannelPad, defaultHidden } from '../../src/layers/index.js';
import { saveModel, loadModel } from '../../src/io/model_io.js';
import { testBackend } from '../support/backend.js';

beforeAll(async () => {
  await initBackend(testBackend('cpu'));
});

describe('MaskGenerator', () => {
  it('sizes its hidden layer as the published rule', () => {
    expect(defaultHidden(64)).toBe(64);
    expect(defaultHidden(127)).toBe(127);
    expect(defaultHidden(128)).toBe(64);
    expect(defaultHidden(512)).toBe(256);
  });

  it('computes relu(tanh(relu(gap(x) W1) W2 + b)) per sample, in [0, 1)', () => {
    const gen = new MaskGenerator({ kernels: 3, hidden: 2 });
    const x = tf.tensor4d([1, 3, 5, 7, 2, 2, 2, 2], [1, 2, 2, 2]); // channel means 3.5 and 3.5... see below
    // x[0,:,:,0] = 1,5,2,2 -> mean 2.5 ; x[0,:,:,1] = 3,7,2,2 -> mean 3.5
    gen.apply(x); // builds the weights
    gen.setWeights([
      tf.tensor2d([
        [1, 0],
        [0, -1],
      ]),
      tf.tensor2d([
        [0.1, -1, 0],
        [0, 0, 1],
      ]),
      tf.tensor1d([0, 0, 1]),
    ]);
    const out = Array.from((gen.apply(x) as tf.Tensor).dataSync());
    // hidden = relu([2.5, -3.5]) = [2.5, 0]; pre = [0.25, -2.5, 1]
    expect(out[0]).toBeCloseTo(Math.tanh(0.25), 6);
    expect(out[1]).toBe(0);
    expect(out[2]).toBeCloseTo(Math.tanh(1), 6);
    expect(gen.computeOutputShape([null, 2, 2, 2] as unknown as number[])).toEqual([null, 3]);
  });

  it('starts with every kernel on (bias 1.0)', () => {
    const gen = new MaskGenerator({ kernels: 16 });
    const m = (gen.apply(tf.zeros([4, 5, 5, 8])) as tf.Tensor).dataSync();
    for (const v of m) expect(v).toBeCloseTo(Math.tanh(1), 5);
  });
});

describe('ApplyMask', () => {
  it('scales each channel by its sample mask value', () => {
    const out = (
      new ApplyMask().apply([
        tf.ones([2, 1, 1, 3]),
        tf.tensor2d([
          [1, 0, 0.5],
          [0, 2, 1],
        ]),
      ]) as tf.Tensor
    ).dataSync();
    expect(Array.from(out)).toEqual([1, 0, 0.5, 0, 2, 1]);
  });
});

describe('ChannelPad', () => {
  it('places input channels at their positions with zeros elsewhere', () => {
    const pad = new ChannelPad({ positions: [0, 3], channels: 4 });
    const out = (pad.apply(tf.tensor4d([5, 7], [1, 1, 1, 2])) as tf.Tensor).dataSync();
    expect(Array.from(out)).toEqual([5, 0, 0, 7]);
  });

  it('rejects a position outside the output', () => {
    expect(() => new ChannelPad({ positions: [4], channels: 4 })).toThrow(/position 4 outside 0..3/);
  });

  it('passes gradients back to the kept channels', () => {
    const pad = new ChannelPad({ positions: [1], channels: 3 });
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(pad.apply(x) as tf.Tensor, tf.tensor1d([1, 10, 100]))))(tf.ones([1, 1, 1, 1]));
    expect(g.dataSync()[0]).toBe(10);
  });
});

describe('serialisation', () => {
  it('a model with every custom layer saves and loads with identical predictions', async () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const conv = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(input) as tfl.SymbolicTensor;
    const mask = new MaskGenerator({ kernels: 3, name: 'gen' }).apply(input) as tfl.SymbolicTensor;
    const masked = new ApplyMask({ name: 'apply' }).apply([conv, mask]) as tfl.SymbolicTensor;
    const padded = new ChannelPad({ positions: [0, 2, 4], channels: 5, name: 'pad' }).apply(masked) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [padded, mask] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-layers-'));
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    const x = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 3);
    const a = model.predict(x) as tf.Tensor[];
    const b = loaded.predict(x) as tf.Tensor[];
    expect(Array.from(b[0]!.dataSync())).toEqual(Array.from(a[0]!.dataSync()));
    expect(Array.from(b[1]!.dataSync())).toEqual(Array.from(a[1]!.dataSync()));
    expect(loaded.getLayer('pad').getConfig()).toMatchObject({ positions: [0, 2, 4], channels: 5 });
    fs.rmSync(dir, { recursive: true });
  });
});
