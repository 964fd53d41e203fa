import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { layers, model as functionalModel, sequential, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/backend.js';
import { maskGenerator } from '../../src/layers/mask_generator.js';
import { buildModel } from '../../models/registry.js';
import { countFlops, countParameters, paperFlops } from '../../src/modularize/flops.js';
import { compareLatency, measureLatencies, measureLatency } from '../../src/reuse/latency.js';
import { testBackend } from '../support/backend.js';

beforeAll(async () => {
  await initBackend(testBackend());
});

describe('countFlops on models worked out by hand', () => {
  it('counts conv and dense multiply-accumulates, strides and padding included', () => {
    // input 8x8x2
    //   conv a: 3x3, 2 -> 4, stride 1, same:  out 8x8x4;  3*3*2*4*8*8 = 4608
    //   conv b: 1x1, 4 -> 3, stride 2, same:  out 4x4x3;  1*1*4*3*4*4 = 192
    //   BN on b's output: 48 elements per sample (no MACs)
    //   flatten 48 -> dense 5: 48*5 = 240
    const m = sequential({
      layers: [
        layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, padding: 'same', name: 'a' }),
        layers.conv2d({ filters: 3, kernelSize: 1, strides: 2, padding: 'same', useBias: false, name: 'b' }),
        layers.batchNormalization({ name: 'bn' }),
        layers.maxPooling2d({ poolSize: 1, name: 'pool' }),
        layers.flatten({ name: 'flat' }),
        layers.dense({ units: 5, name: 'fc' }),
      ],
    });
    const c = countFlops(m);
    expect(c.byLayer).toEqual({ a: 4608, b: 192, fc: 240 });
    expect(c.conv).toBe(4800);
    expect(c.dense).toBe(240);
    expect(c.generators).toBe(0);
    expect(c.total).toBe(5040);
    expect(c.withoutGenerators).toBe(5040);
    expect(c.batchNormElements).toBe(48);
    // fvcore adds 5 per batch-norm element.
    expect(paperFlops(c)).toBe(5040 + 5 * 48);

    // Parameters: a 3*3*2*4 + 4 bias = 76; b 4*3 = 12; bn 4*3 (gamma, beta, mean, var) = 12,
    // of which 6 trainable; fc 48*5 + 5 = 245.
    expect(countParameters(m)).toEqual({ total: 76 + 12 + 12 + 245, trainable: 76 + 12 + 6 + 245, withoutGenerators: 345 });
    m.dispose();
  });

  it('counts a valid-padded conv at its output size, a dense over positions, and mask generators apart', () => {
    // input 6x6x3
    //   conv: 3x3 valid, 3 -> 2: out 4x4x2; 3*3*3*2*16 = 864
    //   generator on the input: GAP -> 3 x hidden 5 -> 5 x 2 kernels: 3*5 + 5*2 = 25 MACs,
    //     parameters 15 + 10 + 2 (bias) = 27
    //   dense applied per position on the 4x4x2 map: 2 -> 7, 16 positions: 2*7*16 = 224
    //   global average pool of the 4x4x7 map: 112 input elements (fvcore counts 1 each)
    const input = layers.input({ shape: [6, 6, 3] });
    const conv = layers
      .conv2d({ filters: 2, kernelSize: 3, padding: 'valid', useBias: false, name: 'conv' })
      .apply(input) as SymbolicTensor;
    const mask = maskGenerator({ name: 'conv_mask', kernels: 2, hidden: 5 }).apply(input) as SymbolicTensor;
    const perPosition = layers.dense({ units: 7, name: 'pp' }).apply(conv) as SymbolicTensor;
    const pooled = layers.globalAveragePooling2d({ name: 'gap' }).apply(perPosition) as SymbolicTensor;
    const m = functionalModel({ inputs: input, outputs: [pooled, mask] });
    const c = countFlops(m);
    expect(c.byLayer).toEqual({ conv: 864, conv_mask: 25, pp: 224 });
    expect(c.withoutGenerators).toBe(864 + 224);
    expect(c.generators).toBe(25);
    expect(c.total).toBe(864 + 224 + 25);
    expect(c.globalPoolInputElements).toBe(112);
    // conv 54, generator 27, dense 2*7 + 7 = 21
    expect(countParameters(m)).toEqual({ total: 54 + 27 + 21, trainable: 102, withoutGenerators: 75 });
    m.dispose();
  });

  it('counts the layers of a model nested inside another', () => {
    const inner = sequential({ layers: [layers.dense({ inputShape: [4], units: 3, name: 'inner_fc' })] });
    const outer = sequential({ layers: [inner, layers.dense({ units: 2, name: 'outer_fc' })] });
    expect(countFlops(outer).byLayer).toEqual({ inner_fc: 12, outer_fc: 6 });
    outer.dispose();
  });
});

describe('countFlops on the zoo against the paper (32x32x3, 10 classes, width 1)', () => {
  it('VGG16: 313.73 M MACs; 315.11 M with fvcore batch norm as in the paper', () => {
    const { model } = buildModel('vgg16', { numClasses: 10, inputShape: [32, 32, 3], width: 1, form: 'standard' });
    const c = countFlops(model);
    // convs 313,196,544 (worked out layer by layer in flops.ts' header comment) + dense 512*512*2 + 512*10
    expect(c.conv).toBe(313_196_544);
    expect(c.dense).toBe(529_408);
    expect(c.total).toBe(313_725_952);
    // 276,480 batch-norm elements per sample, 5 FLOPs each in fvcore's training-mode count.
    expect(c.batchNormElements).toBe(276_480);
    expect(paperFlops(c)).toBe(315_108_352);
    model.dispose();
  });

  it('ResNet18: 555.42 M MACs; 558.50 M with fvcore batch norm and pooling as in the paper', () => {
    const { model } = buildModel('resnet18', { numClasses: 10, inputShape: [32, 32, 3], width: 1, form: 'modular' });
    const c = countFlops(model);
    expect(c.withoutGenerators).toBe(555_422_720);
    expect(c.generators).toBeGreaterThan(0);
    expect(c.total).toBe(c.withoutGenerators + c.generators);
    expect(paperFlops(c)).toBe(558_502_912);
    const p = countParameters(model);
    expect(p.withoutGenerators).toBeLessThan(p.total);
    model.dispose();
  });
});

describe('latency', () => {
  it('measures positive times at batch 1 and 128 without leaking tensors', () => {
    const m = sequential({
      layers: [layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3 }), layers.flatten(), layers.dense({ units: 3 })],
    });
    const before = tf.memory().numTensors;
    const l = measureLatencies(m, { warmup: 1, repeats: 3 });
    expect(l.batch1).toBeGreaterThan(0);
    expect(l.batch128).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => measureLatency(m, 1, { repeats: 0 })).toThrow(/repeats/);
    // Two models timed in turns: one median each; inputs must agree.
    const other = sequential({ layers: [layers.flatten({ inputShape: [8, 8, 1] }), layers.dense({ units: 3 })] });
    const [a, b] = compareLatency([m, other], 4, { warmup: 0, repeats: 2 });
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    const wrong = sequential({ layers: [layers.dense({ inputShape: [5], units: 1 })] });
    const withAll = tf.memory().numTensors;
    expect(() => compareLatency([m, wrong], 1)).toThrow(/models take different inputs/);
    compareLatency([m, other], 2, { warmup: 1, repeats: 1 });
    expect(tf.memory().numTensors).toBe(withAll);
    m.dispose();
    other.dispose();
    wrong.dispose();
  });
});
