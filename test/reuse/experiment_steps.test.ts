// What an experiment runner hands each of its `mwt train` runs, and how its headings name the model.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { maskSettingsText, modelSettingsText, trainInputOf } from '../../src/commands/experiment_steps.js';
import { experimentTrendsOptionsSchema } from '../../src/commands/options.js';
import { parseOptions } from '../../src/errors.js';

describe('experiment steps', () => {
  const opts = parseOptions(experimentTrendsOptionsSchema, {
    model: 'rescnn',
    dataset: 'cifar10',
    dataDir: 'data',
    out: 'exp',
    epochs: 30,
    width: 0.5,
    classifierInit: 'fanInUniform',
    beta: 2.2,
  });

  it('passes the training settings on, the classifier init among them, and nothing of the experiment', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-steps-'));
    const input = trainInputOf(opts, { out, seed: 3, standard: true });
    expect(input).toMatchObject({ model: 'rescnn', width: 0.5, classifierInit: 'fanInUniform', beta: 2.2, seed: 3, standard: true, out });
    expect(input.resume).toBe(false); // an empty directory holds no run to continue
    for (const key of ['threshold', 'perSize', 'sizes', 'reuseEpochs', 'json']) expect(input, key).not.toHaveProperty(key);
    fs.rmSync(out, { recursive: true });
  });

  it('names the classifier init in the heading only when one was chosen', () => {
    expect(modelSettingsText('rescnn', opts)).toBe('rescnn (width 0.5, fanInUniform classifier)');
    expect(modelSettingsText('rescnn', { ...opts, classifierInit: undefined })).toBe('rescnn (width 0.5)');
  });

  it("passes the generators' decay on as 0 when not given, whatever the model's, and names both decays wherever one is set", () => {
    const decayed = parseOptions(experimentTrendsOptionsSchema, { ...opts, weightDecay: 5e-4 });
    const input = trainInputOf(decayed, { out: 'none', seed: 0, standard: false });
    expect(input).toMatchObject({ weightDecay: 5e-4, maskWeightDecay: 0 });
    expect(modelSettingsText('rescnn', decayed)).toBe('rescnn (width 0.5, fanInUniform classifier, weight decay 0.0005)');
    const loss = { alpha: 1, beta: 2.2, maskLrFactor: 2, maskLossMean: 'classes' } as const;
    expect(maskSettingsText({ ...loss, weightDecay: 5e-4, maskWeightDecay: 0 })).toBe('alpha 1, beta 2.2, mask lr x2, mask weight decay 0');
    expect(maskSettingsText({ ...loss, weightDecay: 5e-4, maskWeightDecay: 5e-4 })).toBe(
      'alpha 1, beta 2.2, mask lr x2, mask weight decay 0.0005',
    );
    expect(maskSettingsText({ ...loss, weightDecay: 0, maskWeightDecay: 1e-3 })).toBe(
      'alpha 1, beta 2.2, mask lr x2, mask weight decay 0.001',
    );
    expect(maskSettingsText({ ...loss, weightDecay: 0, maskWeightDecay: 0 })).toBe('alpha 1, beta 2.2, mask lr x2');
  });
});
