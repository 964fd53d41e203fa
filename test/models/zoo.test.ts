// Every registered model is tested the moment it is registered (timm's habit): build in both
// forms, forward, backward (every trainable weight gets a gradient), save and load again.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { initBackend } from '../../src/engine/backend.js';
import {
  buildModel,
  createModel,
  DEFAULT_CLASSIFIER_INIT,
  listModels,
  MODEL_NAMES,
  type DenseInit,
  type ModelName,
} from '../../models/index.js';
import { classifierInitDefaultsText } from '../../models/names.js';
import { saveModel, loadModel } from '../../src/io/model_io.js';
import { testBackend } from '../support/backend.js';

beforeAll(async () => {
  await initBackend(testBackend());
});

const EXPECTED_MASKED: Record<string, number> = { vgg16: 12, simcnn: 12, rescnn: 11, resnet18: 19 };

describe('registry', () => {
  it('lists and filters models by name', () => {
    expect([...MODEL_NAMES].sort()).toEqual(['rescnn', 'resnet18', 'simcnn', 'vgg16']);
    expect(listModels('res*')).toEqual(['resnet18', 'rescnn']);
  });

  it('fails loudly on an unknown name or a bad width', () => {
    expect(() => createModel('vgg19', { numClasses: 10, inputShape: [32, 32, 3] })).toThrow(/unknown model 'vgg19', expected one of/);
    expect(() => createModel('vgg16', { numClasses: 10, inputShape: [32, 32, 3], width: 0 })).toThrow(/--width/);
  });

  it('builds the published full-width sizes (standard VGG16-BN 15.25 M, ResNet18 11.17 M parameters)', () => {
    const vgg = createModel('vgg16', { numClasses: 10, inputShape: [32, 32, 3], form: 'standard' });
    const res = createModel('resnet18', { numClasses: 10, inputShape: [32, 32, 3], form: 'standard' });
    expect(vgg.countParams()).toBe(15257802); // includes BN moving statistics
    expect(res.countParams()).toBe(11183562);
    vgg.dispose();
    res.dispose();
  });
});

describe('classifier init', () => {
  // VGG16's dense layers sit behind dropout 0.5 and start as PyTorch's nn.Linear (uniform in
  // +-1/sqrt(fan_in)); SimCNN's, without dropout, stay He-normal (std sqrt(2/fan_in), so some
  // weights fall outside that bound).
  const maxAbsOverBound = (name: ModelName, layer: string, classifierInit?: DenseInit) => {
    const m = createModel(name, { numClasses: 10, inputShape: [32, 32, 3], width: 0.25, form: 'standard', classifierInit });
    const kernel = m.getLayer(layer).getWeights()[0]!;
    const fanIn = kernel.shape[0]!;
    const maxAbs = tf.tidy(() => tf.max(tf.abs(kernel)).dataSync()[0] as number);
    const ratio = maxAbs * Math.sqrt(fanIn);
    m.dispose();
    return ratio;
  };

  it.each(['fc0', 'fc1', 'logits'])('%s: uniform within 1/sqrt(fan_in) in vgg16, He-normal in simcnn', (layer) => {
    const vgg = maxAbsOverBound('vgg16', layer);
    expect(vgg).toBeLessThanOrEqual(1);
    expect(vgg).toBeGreaterThan(0.9); // a uniform draw of thousands of weights comes near its bound
    expect(maxAbsOverBound('simcnn', layer)).toBeGreaterThan(1.5); // He: 2 std = 2.8/sqrt(fan_in), truncated
  });

  it.each(MODEL_NAMES)("%s: classifierInit overrides the architecture's own choice", (name) => {
    const own = maxAbsOverBound(name, 'logits');
    const uniform = maxAbsOverBound(name, 'logits', 'fanInUniform');
    const he = maxAbsOverBound(name, 'logits', 'heNormal');
    expect(uniform).toBeLessThanOrEqual(1);
    expect(he).toBeGreaterThan(1.5);
    if (DEFAULT_CLASSIFIER_INIT[name] === 'fanInUniform') expect(own).toBeLessThanOrEqual(1);
    else expect(own).toBeGreaterThan(1.5);
  });

  it("names each model's default once, and the help text says it in words", () => {
    // The measured choices (docs/modular-training.md): PyTorch's init where He-normal held the
    // standard model back, VGG16 behind dropout and ResCNN.
    expect(DEFAULT_CLASSIFIER_INIT).toEqual({ vgg16: 'fanInUniform', resnet18: 'heNormal', simcnn: 'heNormal', rescnn: 'fanInUniform' });
    expect(classifierInitDefaultsText()).toBe('heNormal for resnet18 and simcnn, fanInUniform for vgg16 and rescnn');
  });
});

describe.each(MODEL_NAMES)('%s', (name) => {
  for (const inputShape of [
    [32, 32, 3],
    [28, 28, 1],
  ] as [number, number, number][]) {
    it(`modular form on ${inputShape.join('x')}: logits, one mask per conv but the first, gradients everywhere`, () => {
      const built = buildModel(name, { numClasses: 7, inputShape, width: 0.125 });
      const { model, maskNames, maskedKernels } = built;
      expect(maskNames.length).toBe(EXPECTED_MASKED[name]);
      const x = tf.randomNormal([2, ...inputShape], 0, 1, 'float32', 1);
      const outs = model.predict(x) as tf.Tensor[];
      expect(outs[0]!.shape).toEqual([2, 7]);
      maskNames.forEach((m, i) => {
        const conv = m.replace(/_mask$/, '');
        expect(outs[i + 1]!.shape).toEqual([2, maskedKernels[conv]]);
        const v = outs[i + 1]!.dataSync();
        expect(v.every((q) => q >= 0 && q < 1)).toBe(true);
      });
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => {
        const [logits, ...masks] = model.apply(x, { training: true }) as tf.Tensor[];
        return tf.add(tf.sum(tf.square(logits!)), tf.addN(masks.map((m) => tf.sum(m)))) as tf.Scalar;
      }, vars);
      for (const v of vars) {
        const g = grads[v.name]!;
        expect(g, v.name).toBeDefined();
        expect(g.dataSync().every(Number.isFinite), v.name).toBe(true);
      }
      tf.dispose([x, ...outs, ...Object.values(grads)]);
      model.dispose();
    });
  }

  it('standard form has no generators and one output', () => {
    const model = createModel(name, { numClasses: 3, inputShape: [32, 32, 3], width: 0.125, form: 'standard' });
    expect(model.outputs.length).toBe(1);
    expect(model.layers.some((l) => l.getClassName() === 'MwtMaskGenerator')).toBe(false);
    model.dispose();
  });

  it('width scales channels', () => {
    const quarter = buildModel(name, { numClasses: 10, inputShape: [32, 32, 3], width: 0.25 });
    const full = buildModel(name, { numClasses: 10, inputShape: [32, 32, 3], width: 1 });
    for (const [conv, n] of Object.entries(full.maskedKernels)) expect(quarter.maskedKernels[conv]).toBe(n / 4);
    quarter.model.dispose();
    full.model.dispose();
  });

  it('saves and loads again with identical predictions', async () => {
    const model = createModel(name, { numClasses: 4, inputShape: [32, 32, 3], width: 0.125 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mwt-${name}-`));
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 5);
    const a = model.predict(x) as tf.Tensor[];
    const b = loaded.predict(x) as tf.Tensor[];
    expect(b.length).toBe(a.length);
    a.forEach((t, i) => expect(Array.from(b[i]!.dataSync())).toEqual(Array.from(t.dataSync())));
    fs.rmSync(dir, { recursive: true });
    tf.dispose([x, ...a, ...b]);
    model.dispose();
    loaded.dispose();
  });
});
