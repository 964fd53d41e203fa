/**
 * `mwt experiment trends` end to end on the bundled Fashion-MNIST sample, at a toy scale (SimCNN
 * width 0.125, 600 images, 1 epoch, one 2-class sub-task): the figures in trends.json are the
 * ones the steps wrote (metrics, sweep, reuse table), the Markdown shows them, and a rerun with
 * the same settings redoes nothing while a new threshold list only re-modularizes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.js';
import { silentLogger } from '../../src/log/logger.js';
import { readMetrics } from '../../src/train/train.js';
import { UsageError } from '../../src/errors.js';
import { loadDataset } from '../../src/data/load.js';
import { experimentTrendsCommand, formatTrendsMarkdown, trainedOnLine, type TrendsResult } from '../../src/commands/experiment_trends.js';
import { describeMachine, formatMachine } from '../../src/engine/machine.js';
import { testBackend } from '../support/backend.js';

const SAMPLE = path.resolve('data/fashion-mnist-sample');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-trends-'));
const out = path.join(root, 'trends');
const input = {
  model: 'simcnn',
  dataset: 'fashion-mnist',
  dataDir: SAMPLE,
  out,
  epochs: 1,
  width: 0.125,
  limit: 600,
  threshold: [0.5, 0.9] as number[],
  sizes: [2, 2] as [number, number],
  perSize: 1,
  reuseEpochs: 1,
} as const;
const mtime = (file: string) => fs.statSync(path.join(out, file)).mtimeMs;

let first: TrendsResult;

beforeAll(async () => {
  await initBackend(testBackend());
  first = await experimentTrendsCommand(input, silentLogger);
}, 240_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('mwt experiment trends', () => {
  it('writes both runs, the modules with their sweep, the sizes table, the report and the trends files', () => {
    for (const f of [
      'modular/model/model.json',
      'standard/model/model.json',
      'modular/modules/sweep.json',
      'sizes/reuse.json',
      'modular/report.html',
      'trends.json',
      'trends.md',
      'experiment.json', // what it is and its settings, for mwt experiment status (and the sweep's own)
      'sizes/experiment.json',
    ])
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
  });

  it("reports the steps' own figures", () => {
    const modular = readMetrics(path.join(out, 'modular/metrics.jsonl'));
    const standard = readMetrics(path.join(out, 'standard/metrics.jsonl'));
    expect(first.perEpoch).toEqual([
      {
        epoch: 1,
        modularTestAccuracy: modular[0]!.testAccuracy,
        standardTestAccuracy: standard[0]!.testAccuracy,
        kernelRate: modular[0]!.kernelRate,
        cohesionLoss: modular[0]!.cohesionLoss,
        couplingLoss: modular[0]!.couplingLoss,
      },
    ]);
    expect(first.accuracyLoss).toBeCloseTo(standard[0]!.testAccuracy - modular[0]!.testAccuracy, 12);
    // The same loss image by image, on the sample's test images, from the saved final models.
    const paired = first.pairedLoss!;
    expect(paired.n).toBe(loadDataset('fashion-mnist', SAMPLE, 'test').count);
    expect(paired.difference).toBeCloseTo((paired.onlyFirst - paired.onlySecond) / paired.n, 12);
    expect(paired.difference).toBeCloseTo(first.accuracyLoss, 9);
    expect(paired.standardError).toBeGreaterThan(0);
    expect(paired.p).toBeGreaterThan(0);
    expect(paired.p).toBeLessThanOrEqual(1);
    const sweep = JSON.parse(fs.readFileSync(path.join(out, 'modular/modules/sweep.json'), 'utf8'));
    expect(first.sweep.map((p) => p.threshold)).toEqual([0.5, 0.9]);
    expect(first.sweep[1]!.kernelRetentionRate).toBe(sweep[1].kernelRetentionRate);
    expect(first.modules).toEqual(first.sweep[1]);
    // A lower threshold keeps at least as many kernels.
    expect(first.sweep[0]!.kernelRetentionRate).toBeGreaterThanOrEqual(first.sweep[1]!.kernelRetentionRate);
    const reuse = JSON.parse(fs.readFileSync(path.join(out, 'sizes/reuse.json'), 'utf8'));
    expect(reuse.complete).toBe(true);
    expect(reuse.threshold).toBe(0.9);
    expect(first.bySize).toEqual(reuse.bySize);
    expect(first.bySize[0]!.size).toBe(2);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'trends.json'), 'utf8'))).toEqual(first);
  });

  it('renders the figures as Markdown tables', () => {
    const md = fs.readFileSync(path.join(out, 'trends.md'), 'utf8');
    expect(md).toBe(formatTrendsMarkdown(first));
    const e = first.perEpoch[0]!;
    expect(md).toContain(
      `| 1 | ${(e.modularTestAccuracy * 100).toFixed(2)} | ${(e.standardTestAccuracy! * 100).toFixed(2)} | ${e.kernelRate!.toFixed(3)} |`,
    );
    expect(md).toContain(`| 0.5 | ${(first.sweep[0]!.kernelRetentionRate * 100).toFixed(2)} |`);
    expect(md).toMatch(/\| 2-class \| 1 of 45 \|/);
    const d = first.pairedLoss!;
    expect(md).toContain(`| ${(first.accuracyLoss * 100).toFixed(2)} ± ${(d.standardError * 100).toFixed(2)} |`);
    expect(md).toContain(
      `over the ${d.n} test images: only the standard model is right on ${d.onlyFirst}, only the modular model on ${d.onlySecond};`,
    );
  });

  it('names the machine both runs trained on, from their summaries (the figures depend on the CPU)', () => {
    const here = formatMachine(describeMachine());
    expect(first.trainedOn).toEqual({ modular: here, standard: here });
    expect(formatTrendsMarkdown(first)).toContain(`\nTrained on ${here}.\n`);
    expect(trainedOnLine({ modular: 'AMD EPYC (AVX-512), 2 cores', standard: 'AMD EPYC (AVX2, no AVX-512), 2 cores' })).toBe(
      'Trained on AMD EPYC (AVX-512), 2 cores (modular run) and AMD EPYC (AVX2, no AVX-512), 2 cores (standard run).',
    );
    expect(trainedOnLine({ modular: null, standard: null })).toBe('Trained on a machine its summary does not record.');
  });

  it('redoes nothing when rerun with the same settings', async () => {
    const before = ['modular/model/model.json', 'standard/model/model.json', 'modular/modules/modules.json', 'sizes/reuse.json'].map(
      (f) => [f, mtime(f)] as const,
    );
    const messages: string[] = [];
    const again = await experimentTrendsCommand(input, { ...silentLogger, info: (m: string) => messages.push(m) });
    for (const [f, t] of before) expect(mtime(f), f).toBe(t);
    expect({ ...again, seconds: 0 }).toEqual({ ...first, seconds: 0 });
    // Nor are the two models scored over the test images again for the paired loss.
    expect(messages).toContain(`trends: ${path.join(out, 'trends.json')} holds the paired loss of these models, kept`);
  });

  it('re-modularizes, and keeps the reuse table, when only the threshold list changes (no tensor left behind)', async () => {
    const tensors = tf.memory().numTensors;
    const reuseTime = mtime('sizes/reuse.json');
    const modulesTime = mtime('modular/modules/modules.json');
    const swept = await experimentTrendsCommand({ ...input, threshold: [0.3, 0.9] }, silentLogger);
    expect(mtime('modular/modules/modules.json')).toBeGreaterThan(modulesTime);
    expect(swept.sweep.map((p) => p.threshold)).toEqual([0.3, 0.9]);
    expect(swept.modules).toEqual(first.modules); // same model, same threshold: the same modules
    expect(mtime('sizes/reuse.json')).toBe(reuseTime);
    expect(tf.memory().numTensors).toBe(tensors);
  }, 120_000);

  it('redoes the modules and the reuse table when the modular model is newer than them (trained further by an earlier call)', async () => {
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(out, 'modular/model/model.json'), later, later);
    const reuseTime = mtime('sizes/reuse.json');
    const messages: string[] = [];
    await experimentTrendsCommand(input, { ...silentLogger, info: (m: string) => messages.push(m) });
    expect(messages.filter((m) => m.includes('holds the paired loss'))).toEqual([]);
    expect(mtime('modular/modules/modules.json')).toBeGreaterThanOrEqual(later.getTime());
    expect(mtime('sizes/reuse.json')).toBeGreaterThan(reuseTime);
  }, 120_000);

  it('refuses a finished run trained with other settings, naming the option and the run', async () => {
    await expect(experimentTrendsCommand({ ...input, beta: 2.5 }, silentLogger)).rejects.toThrow(
      new RegExp(`^--beta: ${path.join(out, 'modular')} was trained with 1\\.5, not 2\\.5; use another --out, or remove`),
    );
    await expect(experimentTrendsCommand({ ...input, width: 0.25 }, silentLogger)).rejects.toBeInstanceOf(UsageError);
  });

  it('takes a finished standard run whatever its beta (it has no masks)', async () => {
    // A modular run "trained with beta 2.5" beside the standard run of beta 1.5, in a new OUT.
    const other = path.join(root, 'beta');
    for (const dir of ['modular', 'standard']) fs.cpSync(path.join(out, dir), path.join(other, dir), { recursive: true });
    const runFile = path.join(other, 'modular', 'run.json');
    const run = JSON.parse(fs.readFileSync(runFile, 'utf8'));
    fs.writeFileSync(runFile, JSON.stringify({ ...run, options: { ...run.options, beta: 2.5 } }));
    const standardModel = path.join(other, 'standard/model/model.json');
    const copied = fs.statSync(standardModel).mtimeMs;
    const trends = await experimentTrendsCommand({ ...input, out: other, beta: 2.5 }, silentLogger);
    expect(fs.statSync(standardModel).mtimeMs).toBe(copied); // not trained again
    expect(trends.standardAccuracy).toBe(first.standardAccuracy);
    expect(trends.settings.beta).toBe(2.5);
  }, 120_000);

  it('takes the standard run from --standard-run: no OUT/standard, the sizes table made against it', async () => {
    const other = path.join(root, 'standard-run');
    fs.cpSync(path.join(out, 'modular'), path.join(other, 'modular'), { recursive: true });
    const runFile = path.join(other, 'modular', 'run.json');
    const run = JSON.parse(fs.readFileSync(runFile, 'utf8'));
    fs.writeFileSync(runFile, JSON.stringify({ ...run, options: { ...run.options, beta: 2.5 } }));
    const standardRun = path.join(out, 'standard');
    const standardModel = path.join(standardRun, 'model/model.json');
    const trained = fs.statSync(standardModel).mtimeMs;
    const trends = await experimentTrendsCommand({ ...input, out: other, beta: 2.5, standardRun }, silentLogger);
    expect(fs.existsSync(path.join(other, 'standard'))).toBe(false);
    expect(fs.statSync(standardModel).mtimeMs).toBe(trained);
    expect(trends.standardAccuracy).toBe(first.standardAccuracy);
    const reuse = JSON.parse(fs.readFileSync(path.join(other, 'sizes/reuse.json'), 'utf8'));
    expect(reuse.standardRun).toBe(standardRun);
    // The sizes table was made against that run, so the same sub-tasks give the same M-ACC.
    expect(trends.bySize[0]!.modelAccuracy).toBe(first.bySize[0]!.modelAccuracy);
  }, 120_000);

  it('--parallel trains the standard run in a second process: the same run as in this one, its command and output in OUT/standard.log', async () => {
    const other = path.join(root, 'parallel');
    fs.cpSync(path.join(out, 'modular'), path.join(other, 'modular'), { recursive: true });
    const said: string[] = [];
    const log = { ...silentLogger, info: (m: string) => void said.push(m) };
    const trends = await experimentTrendsCommand({ ...input, out: other, parallel: true, backend: testBackend() }, log);
    // The modular run was there already: this process waited for the child, and said so.
    const logFile = path.join(other, 'standard.log');
    expect(said).toContain(`trends: training the standard model in ${path.join(other, 'standard')} in a second process (log: ${logFile})`);
    expect(said.some((m) => m.startsWith('trends: waiting for the run in the second process (epoch 0 of 1 done; log: '))).toBe(true);
    const weights = (dir: string) => fs.readFileSync(path.join(dir, 'standard/model/weights.bin'));
    expect(weights(other).equals(weights(out))).toBe(true);
    expect(readMetrics(path.join(other, 'standard/metrics.jsonl')).map((m) => m.testAccuracy)).toEqual(
      readMetrics(path.join(out, 'standard/metrics.jsonl')).map((m) => m.testAccuracy),
    );
    expect(trends.standardAccuracy).toBe(first.standardAccuracy);
    expect(trends.settings).toEqual(first.settings); // how it ran is not a setting of the experiment
    const written = fs.readFileSync(logFile, 'utf8');
    expect(written).toMatch(/^# \S+: mwt train --model simcnn --dataset fashion-mnist .*--standard/m);
    expect(written).toMatch(/epoch 1/);
  }, 180_000);

  it('--parallel: a standard run that fails is said at once, the modular run still ends, then the experiment stops with the error line and log', async () => {
    const other = path.join(root, 'parallel-fails');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'standard'), 'a file where the run directory goes');
    const said: string[] = [];
    const log = { ...silentLogger, info: (m: string) => void said.push(m) };
    const failed = experimentTrendsCommand({ ...input, out: other, parallel: true, backend: testBackend() }, log);
    await expect(failed).rejects.toThrow(
      new RegExp(
        `^${path.join(other, 'standard')}: mwt train exited with code \\d+: mwt train: .+ \\(log: ${path.join(other, 'standard.log')}\\)$`,
      ),
    );
    // The child failed within seconds; the modular run, trained here for longer, still finished.
    expect(fs.existsSync(path.join(other, 'modular/model/model.json'))).toBe(true);
    expect(said.some((m) => /^trends: .*mwt train exited .*the run in this process goes on, then the experiment stops$/.test(m))).toBe(
      true,
    );
  }, 180_000);

  it('refuses a --standard-run that holds no finished run, before training', async () => {
    const other = path.join(root, 'no-standard');
    const missing = path.join(root, 'missing');
    await expect(experimentTrendsCommand({ ...input, out: other, standardRun: missing }, silentLogger)).rejects.toThrow(
      `--standard-run: ${missing} holds no run trained for 1 epochs (expected a finished standard run)`,
    );
    expect(fs.existsSync(path.join(other, 'modular'))).toBe(false);
  });

  it('refuses sub-task sizes larger than the dataset before training', async () => {
    const other = path.join(root, 'bad');
    await expect(experimentTrendsCommand({ ...input, out: other, sizes: [2, 11] }, silentLogger)).rejects.toThrow(
      /^--sizes: the largest sub-task size is 10 \(fashion-mnist has 10 classes\), got 2-11$/,
    );
    await expect(experimentTrendsCommand({ ...input, out: other, sizes: [2, 11] }, silentLogger)).rejects.toBeInstanceOf(UsageError);
    expect(fs.existsSync(path.join(other, 'modular'))).toBe(false);
  });
});
