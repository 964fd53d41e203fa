/**
 * `mwt experiment seeds`: the spread and the reference counts against figures worked out by hand,
 * then the command end to end on the bundled Fashion-MNIST sample at a toy scale (SimCNN width
 * 0.125, 600 images, 1 epoch, two seeds, one fine-tuning epoch): each row holds the figures its
 * steps wrote, a rerun redoes nothing, and other settings are refused before any training.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.js';
import { silentLogger } from '../../src/log/logger.js';
import { UsageError } from '../../src/errors.js';
import { parseSeedList } from '../../src/cli/parse.js';
import {
  countAgainst,
  experimentSeedsCommand,
  formatSeedsMarkdown,
  spreadOf,
  type SeedRow,
  type SeedsResult,
} from '../../src/commands/experiment_seeds.js';
import { testBackend } from '../support/backend.js';
import { embeddedData } from '../report/page.js';

const row = (seed: number, accuracy: number, kernelRetentionRate: number, coupling: number, reuseAccuracy: number): SeedRow => ({
  seed,
  accuracy,
  kernelRetentionRate,
  cohesion: 0.9,
  coupling,
  reuseAccuracy,
  reuseAccuracyBeforeFineTune: null,
  flopReduction: 0.5,
  machine: 'AMD EPYC (AVX-512), 2 cores',
});

describe('seed spread (pure)', () => {
  const rows = [row(0, 0.8, 0.7, 0.6, 0.99), row(1, 0.9, 0.6, 0.7, 0.995), row(2, 1.0, 0.65, 0.65, 0.994)];

  it('gives the mean, the sample standard deviation (n - 1), min and max of each figure', () => {
    const s = spreadOf(rows);
    // accuracy 0.8, 0.9, 1.0: mean 0.9; squared deviations 0.01 + 0 + 0.01 over n - 1 = 2: sd 0.1.
    expect(s.accuracy.mean).toBeCloseTo(0.9, 12);
    expect(s.accuracy.sd).toBeCloseTo(0.1, 12);
    expect([s.accuracy.min, s.accuracy.max]).toEqual([0.8, 1.0]);
    // KRR 0.7, 0.6, 0.65: mean 0.65, deviations 0.05, -0.05, 0: sd sqrt(0.005 / 2) = 0.05.
    expect(s.kernelRetentionRate.mean).toBeCloseTo(0.65, 12);
    expect(s.kernelRetentionRate.sd).toBeCloseTo(0.05, 12);
    expect(s.cohesion).toEqual({ mean: 0.9, sd: 0, min: 0.9, max: 0.9 });
    expect(spreadOf([rows[0]!]).accuracy.sd).toBe(0);
    expect(() => spreadOf([])).toThrow(/no rows/);
  });

  it('counts seeds at or past each reference figure: accuracy and reuse at or above, KRR and coupling at or below', () => {
    const c = countAgainst(rows, [0.9, 0.65, 0.65, 0.994]);
    expect(c.reference).toEqual({ accuracy: 0.9, kernelRetentionRate: 0.65, coupling: 0.65, reuseAccuracy: 0.994 });
    // accuracy >= 0.9: seeds 1, 2; KRR <= 0.65: 1, 2; coupling <= 0.65: 0, 2; reuse >= 0.994: 1, 2.
    expect(c.atOrPast).toEqual({ accuracy: 2, kernelRetentionRate: 2, coupling: 2, reuseAccuracy: 2 });
    expect(c.allFour).toBe(1); // seed 2 only (ties count as met)
  });

  it('renders one row per seed, the spread and the reference table', () => {
    const result: SeedsResult = {
      formatVersion: 1,
      model: 'simcnn',
      dataset: 'fashion-mnist',
      settings: {
        model: 'simcnn',
        dataset: 'fashion-mnist',
        seeds: [0, 1, 2],
        epochs: 5,
        width: 0.25,
        alpha: 0.5,
        beta: 1.5,
        maskLrFactor: 2,
        maskLossMean: 'classes',
        weightDecay: 0,
        maskWeightDecay: 0,
        batchSize: 128,
        lr: 0.05,
        limit: 10000,
        augment: true,
        threshold: 0.9,
        classes: [0, 1],
        reuseEpochs: 5,
        reference: [0.9, 0.65, 0.65, 0.994],
      },
      rows,
      spread: spreadOf(rows),
      againstReference: countAgainst(rows, [0.9, 0.65, 0.65, 0.994]),
      seconds: 1,
    };
    const md = formatSeedsMarkdown(result);
    expect(md).toContain('seeds 0, 1, 2');
    expect(md).toContain('Trained on AMD EPYC (AVX-512), 2 cores.');
    expect(md).toContain('| 1 | 0.9000 | 0.6000 | 0.9000 | 0.7000 | 0.9950 | - | 50.0% |');
    expect(md).toContain('| accuracy | 0.9000 | 0.1000 | 0.8000 | 1.0000 |');
    expect(md).toContain('| coupling | 0.65 | 0.6500 | 2 |');
    expect(md).toContain('| all four | | | 1 |');
    expect(formatSeedsMarkdown({ ...result, againstReference: null })).not.toContain('all four');
  });

  it('reads --seeds as a list of integers and names the option on bad input', () => {
    expect(parseSeedList('0, 1,2')).toEqual([0, 1, 2]);
    expect(() => parseSeedList('0,,1')).toThrow(/^--seeds: expected comma-separated seeds such as 0,1,2, got '0,,1'$/);
    expect(() => parseSeedList('0.5')).toThrow(UsageError);
  });
});

const SAMPLE = path.resolve('data/fashion-mnist-sample');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-seeds-'));
const out = path.join(root, 'seeds');
const input = {
  model: 'simcnn',
  dataset: 'fashion-mnist',
  dataDir: SAMPLE,
  out,
  seeds: [0, 1] as number[],
  epochs: 1,
  width: 0.125,
  limit: 600,
  classes: [0, 1] as number[],
  reuseEpochs: 1,
  reference: [0, 1, 1, 0] as number[],
} as const;
const mtime = (file: string) => fs.statSync(path.join(out, file)).mtimeMs;

let first: SeedsResult;

beforeAll(async () => {
  await initBackend(testBackend());
  first = await experimentSeedsCommand(input, silentLogger);
}, 240_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('mwt experiment seeds', () => {
  it("trains, modularizes and reuses each seed, and reports each step's own figures", () => {
    expect(first.rows.map((r) => r.seed)).toEqual([0, 1]);
    for (const r of first.rows) {
      const trained = JSON.parse(fs.readFileSync(path.join(out, `seed-${r.seed}`, 'summary.json'), 'utf8'));
      const modules = JSON.parse(fs.readFileSync(path.join(out, `seed-${r.seed}`, 'modules', 'modules.json'), 'utf8'));
      const reused = JSON.parse(fs.readFileSync(path.join(out, `seed-${r.seed}-reuse`, 'summary.json'), 'utf8'));
      expect(trained.options.seed).toBe(r.seed);
      expect(r.accuracy).toBe(trained.testAccuracy);
      expect(r.kernelRetentionRate).toBe(modules.kernelRetentionRate);
      expect(r.coupling).toBe(modules.coupling);
      expect(modules.threshold).toBe(0.9);
      expect(reused.classes).toEqual([0, 1]);
      expect(r.reuseAccuracy).toBe(reused.accuracy);
      expect(r.flopReduction).toBe(reused.flopReduction);
    }
    // Two seeds, two different models.
    expect(first.rows[0]!.accuracy === first.rows[1]!.accuracy && first.rows[0]!.coupling === first.rows[1]!.coupling).toBe(false);
    expect(first.spread.accuracy.mean).toBeCloseTo((first.rows[0]!.accuracy + first.rows[1]!.accuracy) / 2, 12);
    // The reference 0 / 1 / 1 / 0 is met by any run.
    expect(first.againstReference!.allFour).toBe(2);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'seeds.json'), 'utf8'))).toEqual(first);
    expect(fs.readFileSync(path.join(out, 'seeds.md'), 'utf8')).toBe(formatSeedsMarkdown(first));
  });

  it("writes a report of the first seed with every seed's curves beside it, each named by its seed", () => {
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    const data = embeddedData(html);
    expect(data.run.dir).toBe(path.join(out, 'seed-0'));
    expect(data.compared!.map((r) => r.label)).toEqual(['seed 0', 'seed 1']);
    expect(data.compared!.map((r) => r.modules!.coupling)).toEqual(first.rows.map((r) => r.coupling));
    expect(data.reuse.map((r) => r.summary!.accuracy)).toEqual([first.rows[0]!.reuseAccuracy]);
  });

  it('redoes nothing when rerun with the same settings (no tensor left behind)', async () => {
    const files = ['seed-0/model/model.json', 'seed-1/modules/modules.json', 'seed-1-reuse/summary.json'];
    const before = files.map((f) => mtime(f));
    const tensors = tf.memory().numTensors;
    const again = await experimentSeedsCommand(input, silentLogger);
    expect(files.map((f) => mtime(f))).toEqual(before);
    expect({ ...again, seconds: 0 }).toEqual({ ...first, seconds: 0 });
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('--parallel trains and modularizes two seeds at a time, the second in a child process: the same figures as one after the other', async () => {
    const other = path.join(root, 'parallel');
    const side = await experimentSeedsCommand({ ...input, out: other, parallel: true, backend: testBackend() }, silentLogger);
    expect(side.rows).toEqual(first.rows);
    expect(side.settings).toEqual(first.settings);
    const childLog = fs.readFileSync(path.join(other, 'seed-1.log'), 'utf8');
    expect(childLog).toMatch(/^# \S+: mwt train --model simcnn .*--seed 1 --out \S+seed-1$/m);
    expect(childLog).toMatch(/^# \S+: mwt modularize --run \S+seed-1 --threshold 0\.9( --backend \w+)?$/m);
    expect(fs.existsSync(path.join(other, 'seed-0.log'))).toBe(false); // seed 0 trained in this process
  }, 240_000);

  it('refuses a finished run trained with other settings, and bad classes or seeds before training', async () => {
    await expect(experimentSeedsCommand({ ...input, beta: 2.5 }, silentLogger)).rejects.toThrow(
      new RegExp(`^--beta: ${path.join(out, 'seed-0')} was trained with 1\\.5, not 2\\.5`),
    );
    const fresh = path.join(root, 'fresh');
    await expect(experimentSeedsCommand({ ...input, out: fresh, classes: [0, 10] }, silentLogger)).rejects.toThrow(
      /^--classes: expected distinct classes in 0\.\.9 \(fashion-mnist\), got 0,10$/,
    );
    await expect(experimentSeedsCommand({ ...input, out: fresh, seeds: [1, 1] }, silentLogger)).rejects.toThrow(
      /^--seeds: expected distinct/,
    );
    await expect(experimentSeedsCommand({ ...input, out: fresh, reference: [0.9, 0.7] }, silentLogger)).rejects.toThrow(/reference/);
    expect(fs.existsSync(fresh)).toBe(false);
  });
});
