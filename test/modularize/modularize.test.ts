/**
 * End to end: a tiny modular run trained for one epoch on the bundled Fashion-MNIST sample, then
 * `modularize` with a threshold sweep: files, keys, value ranges, loadable modules, and the
 * one-line errors for bad runs and options.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { train } from '../../src/train/train.js';
import { silentLogger, type Logger } from '../../src/log/logger.js';
import {
  modularizeCommand,
  loadModules,
  loadModule,
  modularizeRun,
  type ModulesReport,
  type SweepEntry,
} from '../../src/commands/modularize.js';
import { UsageError } from '../../src/train/options.js';
import { testBackend } from '../support/backend.js';
import { loadModel } from '../../src/io/model_io.js';
import { MODEL_DIR, readRunInfo } from '../../src/train/run_info.js';
import { buildModules, loadTrainingSet, type SavedModules } from '../../src/modularize/run.js';
import { meanMasks } from '../../src/modularize/mask_folding.js';
import { selectClasses } from '../../src/data/dataset.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-modularize-'));
const run = path.join(root, 'run');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const lines: string[] = [];
const log: Logger = { ...silentLogger, info: (m) => lines.push(m) };
let report: ModulesReport & { sweep?: SweepEntry[] };

beforeAll(async () => {
  await initBackend(testBackend());
  await train(
    {
      model: 'simcnn',
      dataset: 'fashion-mnist',
      dataDir: 'data/fashion-mnist-sample',
      out: run,
      epochs: 1,
      width: 0.125,
      limit: 600,
      quiet: true,
    },
    { log: silentLogger },
  );
  report = await modularizeCommand({ run, threshold: [0.5, 0.9] }, log);
});

describe('modularize a trained run', () => {
  it('writes modules.json with the report it returns', () => {
    const onDisk = loadModules(run);
    expect(onDisk).toEqual(JSON.parse(JSON.stringify({ ...report, sweep: undefined })));
    for (const key of ['threshold', 'kernelRetentionRate', 'cohesion', 'coupling', 'seconds', 'modules', 'layers'])
      expect(onDisk).toHaveProperty(key);
    expect(onDisk.threshold).toBe(0.9); // 0.9 is in the sweep, so the modules are built for it
    expect(onDisk.samples).toBe(600);
    for (const x of [onDisk.kernelRetentionRate, onDisk.cohesion, onDisk.coupling]) {
      expect(x).toBeGreaterThan(0);
      expect(x).toBeLessThanOrEqual(1);
    }
    expect(onDisk.seconds).toBeGreaterThan(0);
    expect(onDisk.layers.map((l) => l.name)).toEqual(Array.from({ length: 12 }, (_, i) => `conv${i + 1}`));
  });

  it('has one consistent entry per class', () => {
    const { modules, maskedKernels } = report;
    expect(modules.map((m) => m.class)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(modules[0]!.className).toBe('T-shirt/top');
    for (const m of modules) {
      const kept = Object.values(m.mask).reduce((n, k) => n + k.length, 0);
      expect(m.kernels).toBe(kept);
      expect(m.kernelRate).toBeCloseTo(kept / maskedKernels, 12);
      for (const [conv, indices] of Object.entries(m.mask)) {
        expect(m.kernelsPerLayer[conv]).toBe(indices.length);
        expect(indices.length).toBeGreaterThan(0);
        expect(indices).toEqual([...indices].sort((a, b) => a - b));
      }
      expect(m.parameters).toBeLessThanOrEqual(report.modelParametersWithoutGenerators);
      expect(m.flops).toBeLessThanOrEqual(report.modelFlopsWithoutGenerators);
    }
    const meanRate = modules.reduce((s, m) => s + m.kernelRate, 0) / modules.length;
    expect(report.kernelRetentionRate).toBeCloseTo(meanRate, 12);
  });

  it('writes the sweep, a lower threshold keeping more kernels', () => {
    const sweep = JSON.parse(fs.readFileSync(path.join(run, 'modules', 'sweep.json'), 'utf8')) as SweepEntry[];
    expect(sweep.map((s) => s.threshold)).toEqual([0.5, 0.9]);
    expect(sweep[0]!.kernelRetentionRate).toBeGreaterThanOrEqual(sweep[1]!.kernelRetentionRate);
    expect(sweep[1]!.kernelRetentionRate).toBeCloseTo(report.kernelRetentionRate, 12);
    expect(report.sweep).toEqual(sweep);
    expect(lines.join('\n')).toMatch(/class +name +kernels +KRR +cohesion +coupling/);
  });

  it('saves loadable modules that classify into all classes', async () => {
    const module = await loadModule(run, 3);
    expect(module.outputs.length).toBe(1); // generators dropped by default
    const logits = module.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    expect(logits.shape).toEqual([2, 10]);
    tf.dispose(logits);
    module.dispose();
  });

  it("folds each class's mean masks into its module's batch norm", async () => {
    // Independently of modularize's own pass: the trained model's masks on class 3's training
    // images, averaged per kernel (the same helper reuse folds with).
    const info = readRunInfo(run);
    const trained = await loadModel(path.join(run, MODEL_DIR));
    const means = meanMasks(trained, selectClasses(loadTrainingSet(info), [3]));
    const module = await loadModule(run, 3);
    const keep = report.modules.find((m) => m.class === 3)!.mask;
    expect(report.foldedMasks).toBe(true);
    for (const [conv, kept] of Object.entries(keep)) {
      const [gamma, beta] = trained
        .getLayer(`${conv}_bn`)
        .getWeights()
        .map((w) => w.dataSync());
      const [foldedGamma, foldedBeta] = module
        .getLayer(`${conv}_bn`)
        .getWeights()
        .map((w) => w.dataSync());
      kept.forEach((k, i) => {
        const m = means[conv]![k]!;
        expect(Math.abs(foldedGamma![i]! - gamma![k]! * m)).toBeLessThan(1e-5 * Math.max(1, Math.abs(gamma![k]!)));
        expect(Math.abs(foldedBeta![i]! - beta![k]! * m)).toBeLessThan(1e-5 * Math.max(1, Math.abs(beta![k]!)));
      });
    }
    // The moving statistics are matched to the modular network's (bn_statistics.test.ts checks
    // how): a kernel of conv2 sums fewer input channels now, so its moving mean has moved.
    expect(report.bnStatistics).toBe('mean-variance');
    const [, , mean] = trained.getLayer('conv2_bn').getWeights();
    const [, , prunedMean] = module.getLayer('conv2_bn').getWeights();
    const kept2 = keep['conv2']!;
    expect(Array.from(prunedMean!.dataSync())).not.toEqual(kept2.map((k) => mean!.dataSync()[k]));
    trained.dispose();
    module.dispose();
  });

  it("prunes as the paper does when asked (--no-fold-masks --bn-statistics none): the trained network's slices", async () => {
    const plain = await modularizeRun(run, { threshold: 0.9, foldMasks: false, bnStatistics: 'none', cards: false });
    expect(plain.foldedMasks).toBe(false);
    expect(plain.bnStatistics).toBe('none');
    const trained = await loadModel(path.join(run, MODEL_DIR));
    const module = await loadModule(run, 3);
    for (const [conv, kept] of Object.entries(plain.modules.find((m) => m.class === 3)!.mask)) {
      const full = trained
        .getLayer(`${conv}_bn`)
        .getWeights()
        .map((w) => Array.from(w.dataSync()));
      const pruned = module
        .getLayer(`${conv}_bn`)
        .getWeights()
        .map((w) => Array.from(w.dataSync()));
      // gamma, beta, moving mean, moving variance: each the kept kernels' entries, unchanged.
      pruned.forEach((w, i) => expect(w).toEqual(kept.map((k) => full[i]![k])));
    }
    trained.dispose();
    module.dispose();
  });

  it('keeps the generators when asked', async () => {
    const withGenerators = await modularizeRun(run, { threshold: 0.9, keepGenerators: true });
    expect(withGenerators.keepGenerators).toBe(true);
    expect(withGenerators.foldedMasks).toBe(false); // the generators make the masks
    // Same masks: the threshold and the sample masks are the same.
    expect(withGenerators.modules.map((m) => m.mask)).toEqual(report.modules.map((m) => m.mask));
    const module = await loadModule(run, 0);
    expect(module.outputs.length).toBe(1 + 12);
    module.dispose();
  });
});

describe('buildModules: the modules without their cards', () => {
  it('runs beforeReport once the modules are saved and before modules.json marks them complete', async () => {
    const copy = path.join(root, 'copy');
    fs.cpSync(run, copy, { recursive: true, filter: (src) => path.basename(src) !== 'modules' });
    const seen: { saved: SavedModules; modulesJson: boolean; module0: boolean }[] = [];
    const built = await buildModules(copy, {
      threshold: 0.9,
      log: silentLogger,
      beforeReport: async (saved) => {
        const dir = saved.outDir;
        seen.push({
          saved,
          modulesJson: fs.existsSync(path.join(dir, 'modules.json')),
          module0: fs.existsSync(path.join(dir, 'class-0', 'model.json')),
        });
      },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.modulesJson).toBe(false);
    expect(seen[0]!.module0).toBe(true);
    expect(seen[0]!.saved.threshold).toBe(0.9);
    expect(seen[0]!.saved.outDir).toBe(path.join(copy, 'modules.partial'));
    expect(seen[0]!.saved.modules.map((m) => m.class)).toEqual(built.modules.map((m) => m.class));
    expect(seen[0]!.saved.trainSet.count).toBe(600);
    expect(built.modules.map((m) => m.mask)).toEqual(report.modules.map((m) => m.mask));
    // No cards: those are modularizeRun's (src/modules/modularize_run.ts).
    expect(fs.existsSync(path.join(copy, 'modules', 'class-0', 'card.json'))).toBe(false);
    expect(fs.existsSync(path.join(run, 'modules', 'class-0', 'card.json'))).toBe(true);

    expect(fs.readdirSync(copy).filter((f) => f.startsWith('modules'))).toEqual(['modules']);

    // Without writing there is nothing to put beside the modules: the step is not run.
    const again = await buildModules(copy, {
      threshold: 0.5,
      write: false,
      log: silentLogger,
      beforeReport: async () => void seen.push(seen[0]!),
    });
    expect(again.threshold).toBe(0.5);
    expect(seen).toHaveLength(1);
  });
});

describe('modularizing a run again', () => {
  it('keeps the old modules, untouched, until the new ones are complete', async () => {
    const copy = path.join(root, 'again');
    fs.cpSync(run, copy, { recursive: true });
    const modulesDir = path.join(copy, 'modules');
    const before = Object.fromEntries(
      fs
        .readdirSync(modulesDir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => [path.relative(modulesDir, path.join(e.parentPath, e.name)), fs.readFileSync(path.join(e.parentPath, e.name), 'utf8')]),
    );
    // Interrupted after every module was saved at another threshold, before modules.json.
    const interrupted = buildModules(copy, {
      threshold: 0.5,
      log: silentLogger,
      beforeReport: async (saved) => {
        expect(fs.existsSync(path.join(saved.outDir, 'class-0', 'model.json'))).toBe(true);
        throw new Error('interrupted');
      },
    });
    await expect(interrupted).rejects.toThrow('interrupted');
    for (const [file, text] of Object.entries(before)) expect(fs.readFileSync(path.join(modulesDir, file), 'utf8'), file).toBe(text);
    expect(fs.readdirSync(copy).filter((f) => f.startsWith('modules'))).toEqual(['modules']);

    // Completed, the new modules replace the old ones whole: no file of the old folder is left.
    const again = await buildModules(copy, { threshold: 0.5, log: silentLogger });
    expect(loadModules(copy).threshold).toBe(0.5);
    expect(again.threshold).toBe(0.5);
    expect(fs.existsSync(path.join(modulesDir, 'class-0', 'card.json'))).toBe(false);
    expect(fs.existsSync(path.join(modulesDir, 'sweep.json'))).toBe(false);
    expect(fs.readdirSync(copy).filter((f) => f.startsWith('modules'))).toEqual(['modules']);
  });
});

describe('modularize errors', () => {
  it('names the option and what was expected', async () => {
    await expect(modularizeCommand({ run: path.join(root, 'missing') }, silentLogger)).rejects.toThrow(
      /^--run: directory .*missing does not exist$/,
    );
    await expect(modularizeCommand({ run: root }, silentLogger)).rejects.toThrow(/--run: .* has no run\.json/);
    await expect(modularizeCommand({ run, threshold: 0 }, silentLogger)).rejects.toThrow(UsageError);
    await expect(modularizeCommand({ run, threshold: [0.5, 1.5] }, silentLogger)).rejects.toThrow(/--threshold/);
    expect(() => loadModules(root)).toThrow(/run `mwt modularize --run .*` first/);
  });

  it('refuses a standard run', async () => {
    const standard = path.join(root, 'standard');
    fs.mkdirSync(standard);
    const info = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8'));
    fs.writeFileSync(path.join(standard, 'run.json'), JSON.stringify({ ...info, standard: true }));
    await expect(modularizeCommand({ run: standard }, silentLogger)).rejects.toThrow(/is a standard run .*needs a modular run/);
  });
});
