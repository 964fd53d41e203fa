/**
 * `mwt experiment grid`: the points, trends and Markdown against figures worked out by hand, then
 * the command end to end on the bundled Fashion-MNIST sample at a toy scale (SimCNN width 0.125,
 * 600 images, 1 epoch, alpha 0.3 and 0.9, one seed): each row holds the figures its run wrote, the
 * report draws both runs named by alpha, a rerun redoes nothing, `mwt experiment status` knows the
 * folder, and bad lists are refused before any training.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.js';
import { silentLogger } from '../../src/log/logger.js';
import { parseNumberList } from '../../src/cli/parse.js';
import {
  directionOf,
  experimentGridCommand,
  formatGridMarkdown,
  gridPoints,
  gridRunName,
  gridRuns,
  gridTrends,
  trendFigure,
  type GridResult,
  type GridRow,
} from '../../src/commands/experiment_grid.js';
import { continueCommand, experimentStatus } from '../../src/commands/experiment_status.js';
import { testBackend } from '../support/backend.js';
import { embeddedData } from '../report/page.js';

const row = (alpha: number, beta: number, seed: number, accuracy: number, kernelRetentionRate: number, coupling: number): GridRow => ({
  alpha,
  beta,
  seed,
  accuracy,
  cohesionLoss: 0.1,
  couplingLoss: 0.6,
  kernelRate: 0.5,
  kernelRetentionRate,
  cohesion: 0.95,
  coupling,
});

describe('grid arithmetic (pure)', () => {
  it('says a list rises or falls only when every step does', () => {
    expect(directionOf([0.1, 0.2, 0.4])).toBe('rising');
    expect(directionOf([3, 2, 1])).toBe('falling');
    expect(directionOf([0.1, 0.3, 0.2])).toBe('neither');
    expect(directionOf([0.1, 0.1, 0.2])).toBe('neither'); // a tie is no step up
    expect(directionOf([0.5])).toBe('neither');
  });

  it('lists every run, alpha slowest and seed fastest, and names its folder', () => {
    expect(gridRuns([0.3, 0.5], [1.5], [0, 1])).toEqual([
      { alpha: 0.3, beta: 1.5, seed: 0 },
      { alpha: 0.3, beta: 1.5, seed: 1 },
      { alpha: 0.5, beta: 1.5, seed: 0 },
      { alpha: 0.5, beta: 1.5, seed: 1 },
    ]);
    expect(gridRunName(0.5, 2, 1)).toBe('a0.5-b2-s1');
  });

  // alpha 0.3 / 0.5 / 0.7 at beta 1.5, two seeds each; beta 2 at alpha 0.5, two seeds.
  const rows = [
    row(0.3, 1.5, 0, 0.7, 0.3, 0.3),
    row(0.3, 1.5, 1, 0.8, 0.32, 0.34),
    row(0.5, 1.5, 0, 0.72, 0.4, 0.4),
    row(0.5, 1.5, 1, 0.7, 0.42, 0.42),
    row(0.7, 1.5, 0, 0.74, 0.5, 0.5),
    row(0.7, 1.5, 1, 0.76, 0.52, 0.5),
    row(0.5, 2, 0, 0.7, 0.3, 0.2),
    row(0.5, 2, 1, 0.72, 0.3, 0.24),
  ];
  const points = gridPoints(rows);

  it('groups the runs by (alpha, beta) with the mean and sample sd over their seeds', () => {
    expect(points.map((p) => [p.alpha, p.beta, p.seeds])).toEqual([
      [0.3, 1.5, [0, 1]],
      [0.5, 1.5, [0, 1]],
      [0.7, 1.5, [0, 1]],
      [0.5, 2, [0, 1]],
    ]);
    // accuracy 0.7 and 0.8: mean 0.75, deviations +-0.05, sd sqrt(2 * 0.0025 / 1) = 0.0707.
    expect(points[0]!.spread.accuracy.mean).toBeCloseTo(0.75, 12);
    expect(points[0]!.spread.accuracy.sd).toBeCloseTo(Math.SQRT2 * 0.05, 12);
    expect(points[0]!.spread.coupling).toEqual({
      mean: expect.closeTo(0.32, 12),
      sd: expect.closeTo(Math.SQRT2 * 0.02, 12),
      min: 0.3,
      max: 0.34,
    });
    expect(points[3]!.spread.cohesion).toEqual({ mean: 0.95, sd: 0, min: 0.95, max: 0.95 });
  });

  it('reads each figure along alpha at beta 1.5 and along beta at alpha 0.5, where two or more values are swept', () => {
    const trends = gridTrends(points);
    expect(trends.map((t) => [t.along, t.at, t.values])).toEqual([
      ['alpha', 1.5, [0.3, 0.5, 0.7]],
      ['beta', 0.5, [1.5, 2]],
    ]);
    const [alpha, beta] = trends as [(typeof trends)[0], (typeof trends)[0]];
    // Accuracy means 0.75, 0.71, 0.75: down then up. KRR 0.31, 0.41, 0.51: up at every step.
    expect(alpha.figures.accuracy.direction).toBe('neither');
    expect(alpha.figures.kernelRetentionRate.means.map((m) => +m.toFixed(6))).toEqual([0.31, 0.41, 0.51]);
    expect(alpha.figures.kernelRetentionRate.direction).toBe('rising');
    expect(alpha.figures.coupling.direction).toBe('rising'); // 0.32, 0.41, 0.5
    expect(alpha.figures.cohesion.direction).toBe('neither'); // 0.95 throughout
    // Beta 1.5 -> 2 at alpha 0.5: KRR 0.41 -> 0.30, coupling 0.41 -> 0.22.
    expect(beta.figures.kernelRetentionRate.direction).toBe('falling');
    expect(beta.figures.coupling.direction).toBe('falling');
    expect(alpha.figures.kernelRetentionRate.change).toBeCloseTo(0.2, 12);
    expect(alpha.figures.kernelRetentionRate.changeSe).toBeCloseTo(Math.SQRT2 * 0.01, 12); // pooled sd 0.0141, times sqrt(1/2 + 1/2)
    // One seed at a point: no spread, so no standard error.
    const single = trendFigure(gridPoints([rows[0]!, rows[2]!]), 'coupling');
    expect(single).toEqual({ means: [0.3, 0.4], direction: 'rising', change: expect.closeTo(0.1, 12), changeSe: null });
    // One value of each weight: nothing is swept.
    expect(gridTrends(gridPoints([rows[0]!, rows[1]!]))).toEqual([]);
  });

  it('renders the points as mean ± sd, the trends, and every run', () => {
    const result: GridResult = {
      formatVersion: 1,
      model: 'resnet18',
      dataset: 'cifar10',
      settings: {
        model: 'resnet18',
        dataset: 'cifar10',
        epochs: 30,
        width: 0.5,
        alpha: [0.3, 0.5, 0.7],
        beta: [1.5, 2],
        maskLrFactor: 2,
        maskLossMean: 'classes',
        weightDecay: 0,
        maskWeightDecay: 0,
        batchSize: 128,
        lr: 0.05,
        limit: 8000,
        seeds: [0, 1],
        augment: true,
        threshold: 0.9,
        reuseEpochs: 5,
      },
      rows,
      points,
      trends: gridTrends(points),
      seconds: 1,
    };
    const md = formatGridMarkdown(result);
    expect(md).toContain(
      '# resnet18 (width 0.5) on cifar10: 30 epochs, mask lr x2, 8000 training images, alpha 0.3, 0.5, 0.7 x beta 1.5, 2',
    );
    expect(md).toContain('Mean ± sample sd over seeds 0, 1.');
    // accuracy 75.00% ± 7.07 (points), cohesion loss 0.100 ± 0.000, KRR 31.00% ± 1.41.
    expect(md).toContain(
      '| 0.3 | 1.5 | 75.00% ± 7.07 | 0.100 ± 0.000 | 0.600 ± 0.000 | 50.00% ± 0.00 | 31.00% ± 1.41 | 0.950 ± 0.000 | 0.320 ± 0.028 |',
    );
    // Accuracy: 75 -> 75%, sds 7.07, 1.41, 1.41 pooled sqrt((50 + 2 + 2) / 3) = 4.24, se 4.24 * sqrt(1/2 + 1/2).
    // KRR: 31 -> 51%, every sd 1.41. Coupling: 0.32 -> 0.50, sds 0.028, 0.014, 0: pooled 0.018.
    expect(md).toContain(
      '| alpha 0.3, 0.5, 0.7 | beta 1.5 | neither (+0.00, se 4.24) | neither (+0.000, se 0.000) | neither (+0.000, se 0.000) | neither (+0.00, se 0.00) | rising (+20.00, se 1.41) | neither (+0.000, se 0.000) | rising (+0.180, se 0.018) |',
    );
    // Beta 1.5 -> 2: KRR 41 -> 30%, sds 1.41 and 0 pooled 1.00; coupling 0.41 -> 0.22, sds 0.014, 0.028 pooled 0.022.
    expect(md).toContain(
      '| beta 1.5, 2 | alpha 0.5 | neither (+0.00, se 1.41) | neither (+0.000, se 0.000) | neither (+0.000, se 0.000) | neither (+0.00, se 0.00) | falling (-11.00, se 1.00) | neither (+0.000, se 0.000) | falling (-0.190, se 0.022) |',
    );
    expect(md).toContain('| 0.5 | 2 | 1 | 72.00% | 0.100 | 0.600 | 50.00% | 30.00% | 0.950 | 0.240 |');
    // One seed: no sd and no table of runs (the points are the runs).
    const one = formatGridMarkdown({
      ...result,
      settings: { ...result.settings, seeds: [0] },
      points: gridPoints(rows.filter((r) => r.seed === 0)),
    });
    expect(one).toContain('Seed 0.');
    expect(one).toContain('| 0.3 | 1.5 | 70.00% | 0.100 | 0.600 | 50.00% | 30.00% | 0.950 | 0.300 |');
    expect(one).not.toContain('Every run');
  });

  it('reads --alpha and --beta as lists of numbers and names the option on bad input', () => {
    expect(parseNumberList('0.3, 0.5,0.7', '--alpha', 'weights')).toEqual([0.3, 0.5, 0.7]);
    expect(() => parseNumberList('0.3,,0.5', '--alpha', 'weights such as 0.3,0.5')).toThrow(
      /^--alpha: expected comma-separated weights such as 0\.3,0\.5, got '0\.3,,0\.5'$/,
    );
  });
});

const SAMPLE = path.resolve('data/fashion-mnist-sample');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-grid-'));
const out = path.join(root, 'grid');
const input = {
  model: 'simcnn',
  dataset: 'fashion-mnist',
  dataDir: SAMPLE,
  out,
  alpha: [0.3, 0.9] as number[],
  beta: [1.5] as number[],
  seeds: [0] as number[],
  epochs: 1,
  width: 0.125,
  limit: 600,
} as const;
const mtime = (file: string) => fs.statSync(path.join(out, file)).mtimeMs;

let first: GridResult;

beforeAll(async () => {
  await initBackend(testBackend());
  first = await experimentGridCommand(input, silentLogger);
}, 240_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('mwt experiment grid', () => {
  it('trains and modularizes each point with its own alpha and beta, and reports the figures each run wrote', () => {
    expect(first.rows.map((r) => [r.alpha, r.beta, r.seed])).toEqual([
      [0.3, 1.5, 0],
      [0.9, 1.5, 0],
    ]);
    for (const r of first.rows) {
      const dir = path.join(out, gridRunName(r.alpha, r.beta, r.seed));
      const trained = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
      const modules = JSON.parse(fs.readFileSync(path.join(dir, 'modules', 'modules.json'), 'utf8'));
      const last = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').at(-1)!);
      expect([trained.options.alpha, trained.options.beta, trained.options.seed]).toEqual([r.alpha, r.beta, r.seed]);
      expect(r.accuracy).toBe(trained.testAccuracy);
      expect([r.cohesionLoss, r.couplingLoss, r.kernelRate]).toEqual([last.cohesionLoss, last.couplingLoss, last.kernelRate]);
      expect([r.kernelRetentionRate, r.cohesion, r.coupling]).toEqual([modules.kernelRetentionRate, modules.cohesion, modules.coupling]);
      expect(modules.threshold).toBe(0.9);
    }
    // The same seed at two alphas: two different models.
    expect(first.rows[0]!.cohesionLoss).not.toBe(first.rows[1]!.cohesionLoss);
    expect(first.trends.map((t) => [t.along, t.at, t.values])).toEqual([['alpha', 1.5, [0.3, 0.9]]]);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'grid.json'), 'utf8'))).toEqual(first);
    expect(fs.readFileSync(path.join(out, 'grid.md'), 'utf8')).toBe(formatGridMarkdown(first));
  });

  it("writes a report with both runs' curves, each named by its alpha", () => {
    const data = embeddedData(fs.readFileSync(path.join(out, 'report.html'), 'utf8'));
    expect(data.run.dir).toBe(path.join(out, 'a0.3-b1.5-s0'));
    expect(data.compared!.map((r) => r.label)).toEqual(['alpha 0.3', 'alpha 0.9']);
    expect(data.compared!.map((r) => r.modules!.coupling)).toEqual(first.rows.map((r) => r.coupling));
  });

  it('is known to mwt experiment status: both runs, their modules, complete', () => {
    const status = experimentStatus(out);
    expect(status.kind).toBe('grid');
    expect(status.complete).toBe(true);
    expect(status.plannedRuns).toBe(2);
    expect(status.runs.map((r) => path.basename(r.dir))).toEqual(['a0.3-b1.5-s0', 'a0.9-b1.5-s0']);
    expect(status.modules.every((m) => m.built && m.threshold === 0.9)).toBe(true);
    expect(continueCommand(out)).toBe(
      `mwt experiment grid --out ${out} --model simcnn --dataset fashion-mnist --data-dir ${SAMPLE} --epochs 1 --width 0.125 --alpha 0.3,0.9 --limit 600`,
    );
  });

  it('redoes nothing when rerun with the same settings (no tensor left behind)', async () => {
    const files = ['a0.3-b1.5-s0/model/model.json', 'a0.9-b1.5-s0/modules/modules.json'];
    const before = files.map((f) => mtime(f));
    const tensors = tf.memory().numTensors;
    const again = await experimentGridCommand(input, silentLogger);
    expect(files.map((f) => mtime(f))).toEqual(before);
    expect({ ...again, seconds: 0 }).toEqual({ ...first, seconds: 0 });
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('--parallel trains and modularizes two runs at a time, the second in a child process: the same figures as one after the other', async () => {
    const other = path.join(root, 'parallel');
    const side = await experimentGridCommand({ ...input, out: other, parallel: true, backend: testBackend() }, silentLogger);
    expect(side.rows).toEqual(first.rows);
    const childLog = fs.readFileSync(path.join(other, 'a0.9-b1.5-s0.log'), 'utf8');
    expect(childLog).toMatch(/^# \S+: mwt train --model simcnn .*--alpha 0\.9 .*--seed 0 --out \S+a0\.9-b1\.5-s0$/m);
    expect(childLog).toMatch(/^# \S+: mwt modularize --run \S+a0\.9-b1\.5-s0 --threshold 0\.9( --backend \w+)?$/m);
    expect(fs.existsSync(path.join(other, 'a0.3-b1.5-s0.log'))).toBe(false); // trained in this process
  }, 240_000);

  it('refuses a finished run trained with other settings, and repeated or negative weights before training', async () => {
    await expect(experimentGridCommand({ ...input, maskLrFactor: 1 }, silentLogger)).rejects.toThrow(
      new RegExp(`^--mask-lr-factor: ${path.join(out, 'a0.3-b1.5-s0')} was trained with 2, not 1`),
    );
    const fresh = path.join(root, 'fresh');
    await expect(experimentGridCommand({ ...input, out: fresh, alpha: [0.5, 0.5] }, silentLogger)).rejects.toThrow(
      /^--alpha: expected distinct values, got 0\.5,0\.5$/,
    );
    await expect(experimentGridCommand({ ...input, out: fresh, beta: [-1] }, silentLogger)).rejects.toThrow(/beta/);
    await expect(experimentGridCommand({ ...input, out: fresh, classes: [0, 10] }, silentLogger)).rejects.toThrow(
      /^--classes: expected distinct classes in 0\.\.9 \(fashion-mnist\), got 0,10$/,
    );
    expect(fs.existsSync(fresh)).toBe(false);
  });

  it('--classes reuses that sub-task from every run, and its accuracy and FLOPs saved join the figures', async () => {
    // The trained grid, copied with its file times (which decide what is done): only the reuse steps run.
    const withReuse = path.join(root, 'with-reuse');
    fs.cpSync(out, withReuse, { recursive: true, preserveTimestamps: true });
    const said: string[] = [];
    const grid = await experimentGridCommand(
      { ...input, out: withReuse, classes: [0, 1], reuseEpochs: 1 },
      { ...silentLogger, info: (m: string) => said.push(m) },
    );
    expect(said.filter((m) => m.endsWith('skipped'))).toHaveLength(4); // two trainings, two modularizings
    for (const [i, r] of grid.rows.entries()) {
      const reused = JSON.parse(
        fs.readFileSync(path.join(withReuse, `${gridRunName(r.alpha, r.beta, r.seed)}-reuse`, 'summary.json'), 'utf8'),
      );
      expect(reused.classes).toEqual([0, 1]);
      expect([r.reuseAccuracy, r.flopReduction]).toEqual([reused.accuracy, reused.flopReduction]);
      // The training and module figures are the grid's without --classes.
      expect({ ...r, reuseAccuracy: undefined, flopReduction: undefined }).toEqual({
        ...first.rows[i]!,
        reuseAccuracy: undefined,
        flopReduction: undefined,
      });
    }
    expect(Object.keys(grid.points[0]!.spread)).toContain('flopReduction');
    expect(grid.trends[0]!.figures.reuseAccuracy!.means).toEqual(grid.rows.map((r) => r.reuseAccuracy));
    const md = fs.readFileSync(path.join(withReuse, 'grid.md'), 'utf8');
    expect(md).toContain('the sub-task model of classes 0,1 reused from each run (1 fine-tuning epochs)');
    expect(md.split('\n').find((l) => l.startsWith('| alpha | beta |'))).toMatch(/\| coupling \| reuse accuracy \| FLOPs saved \|$/);
    const status = experimentStatus(withReuse);
    expect(status.reuses.map((r) => [path.basename(r.dir), r.built])).toEqual([
      ['a0.3-b1.5-s0-reuse', true],
      ['a0.9-b1.5-s0-reuse', true],
    ]);
    expect(status.complete).toBe(true);
    // The grid without --classes has no reuse figures and no sub-task models.
    expect(first.rows[0]!.reuseAccuracy).toBeUndefined();
    expect(experimentStatus(out).reuses).toEqual([]);
  }, 240_000);
});
