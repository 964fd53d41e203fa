/**
 * End to end on the bundled Fashion-MNIST sample: a tiny modular and standard run trained here
 * (1 epoch, SimCNN width 0.125, 600 / 300 samples), then `mwt reuse` and `mwt experiment reuse`.
 * Accuracies are not asserted (one epoch of a tiny model): keys, files, consistency, reloading.
 */
import { describeMachine } from '../../src/engine/machine.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/backend.js';
import { train } from '../../src/train/train.js';
import { silentLogger } from '../../src/log/logger.js';
import { fileHandler, saveModel } from '../../src/io/model_io.js';
import { UsageError } from '../../src/train/options.js';
import { loadModules } from '../../src/modularize/index.js';
import { reuseCommand, reuse } from '../../src/commands/reuse.js';
import { experimentReuseCommand, type ExperimentReuseResult } from '../../src/commands/experiment_reuse.js';
import { loadDataset } from '../../src/data/load.js';
import { PARTS_DIR, SubtaskQueue } from '../../src/commands/subtask_queue.js';
import { countFlops } from '../../src/modularize/flops.js';
import { RESTRICTED_HEAD } from '../../src/reuse/restricted_model.js';
import { testBackend } from '../support/backend.js';

const SAMPLE = path.resolve('data/fashion-mnist-sample');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-reuse-'));
const run = path.join(root, 'modular');
const standardRun = path.join(root, 'standard');
const common = { model: 'simcnn', dataset: 'fashion-mnist', dataDir: SAMPLE, epochs: 1, width: 0.125, quiet: true } as const;

beforeAll(async () => {
  await initBackend(testBackend());
  await train({ ...common, out: run, limit: 600 }, { log: silentLogger });
  await train({ ...common, out: standardRun, limit: 300, standard: true }, { log: silentLogger });
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Every file under `dir` (relative path -> bytes, base64), to compare a directory byte for byte. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = fs.readFileSync(file).toString('base64');
  }
  return files;
}

const SUMMARY_KEYS = [
  'classes',
  'kernelRate',
  'flops',
  'modelFlops',
  'flopReduction',
  'parameters',
  'modelParameters',
  'accuracyBeforeFineTune',
  'accuracy',
  'standardModelAccuracy',
  'latencyMs',
];

describe('mwt reuse', () => {
  it('writes summary.json with the documented keys and a plain tfjs sub-task model', async () => {
    const out = path.join(root, 'reuse-0-3');
    const summary = await reuseCommand({ run, classes: [0, 3], epochs: 2, standardRun, out, latencyRepeats: 2 }, silentLogger);
    const written = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    for (const key of SUMMARY_KEYS) expect(written, key).toHaveProperty(key);
    expect(written.classes).toEqual([0, 3]);
    expect(written.machine).toEqual(describeMachine());
    // M-ACC - m-ACC image by image over the sub-task's test images: the same loss, with its error.
    expect(written.pairedLoss.n).toBe(written.testSamples);
    expect(written.pairedLoss.difference).toBeCloseTo(written.standardModelAccuracy - written.accuracy, 12);
    expect(written.pairedLoss.standardError).toBeGreaterThanOrEqual(0);
    // The images that carry it, by their index in the whole test set: one each, in order.
    expect([written.disagreements.onlyStandard.length, written.disagreements.onlyModule.length]).toEqual([
      written.pairedLoss.onlyFirst,
      written.pairedLoss.onlySecond,
    ]);
    const carried = [...written.disagreements.onlyStandard, ...written.disagreements.onlyModule];
    expect(new Set(carried).size).toBe(carried.length);
    expect(Object.keys(written.latencyMs).sort()).toEqual(['model', 'module']);
    for (const part of ['module', 'model']) {
      expect(written.latencyMs[part].batch1).toBeGreaterThan(0);
      expect(written.latencyMs[part].batch128).toBeGreaterThan(0);
    }
    // Modules were computed on the way (no modules.json before) at the default threshold.
    expect(loadModules(run).threshold).toBe(0.9);
    expect(summary.kernelRate).toBeGreaterThan(0);
    expect(summary.kernelRate).toBeLessThanOrEqual(1);
    expect(summary.flopReduction).toBeCloseTo(1 - summary.flops / summary.modelFlops, 12);
    // The head adds N*M = 10*2 MACs to the mixed module.
    expect(summary.flops).toBeLessThanOrEqual(summary.modelFlops + 20);
    for (const acc of [summary.accuracy, summary.accuracyBeforeFineTune, summary.restrictedAccuracy, summary.standardModelAccuracy!]) {
      expect(acc).toBeGreaterThanOrEqual(0);
      expect(acc).toBeLessThanOrEqual(1);
    }
    expect(summary.testSamples).toBe(200); // the sample's test set has 100 per class
    // 600 balanced training samples: 60 per class, 10% of each class held out for validation.
    expect(summary.fineTune.trainSamples + summary.fineTune.validationSamples).toBe(120);
    expect(summary.fineTune.validationSamples).toBe(12);
    // The mixed module's batch norms were matched to the modular network (bn_statistics.ts).
    expect(summary.fineTune.bnStatistics).toBe('mean-variance');
    // The kept epoch has the lowest validation cross-entropy (ties: the later one).
    expect(summary.fineTune.selectBy).toBe('loss');
    const losses = summary.fineTune.history.map((h) => h.validationLoss);
    const lowest = Math.min(...losses);
    expect(summary.fineTune.bestEpoch).toBe(losses.lastIndexOf(lowest) + 1);
    expect(summary.fineTune.bestValidationLoss).toBe(lowest);
    for (const h of summary.fineTune.history) expect(h.validationLoss).toBeGreaterThan(0);
    // Every epoch's test accuracy is recorded (never used to choose); the model returned is the
    // chosen epoch's, so its test accuracy is that epoch's.
    expect(summary.fineTune.history[summary.fineTune.bestEpoch - 1]!.testAccuracy).toBe(summary.accuracy);

    // The exported model is plain tfjs: it loads with loadLayersModel and has no mask generators.
    const loaded = await loadLayersModel(fileHandler(out));
    expect(loaded.outputs).toHaveLength(1);
    expect(loaded.outputs[0]!.shape).toEqual([null, 2]);
    expect(loaded.layers.map((l) => l.getClassName())).not.toContain('MwtMaskGenerator');
    expect(countFlops(loaded).total).toBe(summary.flops);
    loaded.dispose();
  });

  it('chooses the epoch by validation accuracy when asked, and reloads the sub-task model with identical predictions', async () => {
    const { summary, model } = await reuse({
      run,
      classes: [7, 1, 5],
      epochs: 2,
      selectBy: 'accuracy',
      bnStatistics: 'none',
      latency: false,
    });
    expect(summary.classes).toEqual([7, 1, 5]);
    expect(summary.fineTune.bnStatistics).toBe('none');
    expect(summary.fineTune.selectBy).toBe('accuracy');
    const v = summary.fineTune.history.map((h) => h.validationAccuracy);
    expect(summary.fineTune.bestEpoch).toBe(v.lastIndexOf(Math.max(...v)) + 1);
    expect(summary.fineTune.bestValidationAccuracy).toBe(Math.max(...v));
    expect(summary.latencyMs).toBeUndefined();
    const dir = path.join(root, 'reload');
    await saveModel(model, dir);
    const loaded = await loadLayersModel(fileHandler(dir));
    const x = tf.randomNormal([16, 28, 28, 1]);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(b.shape).toEqual([16, 3]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it("--epochs 0: no fine-tuning, the mixed module's own logits of the classes, the restricted accuracy", async () => {
    const out = path.join(root, 'reuse-untuned');
    const summary = await reuseCommand({ run, classes: [9, 5], epochs: 0, out, latencyRepeats: 0 }, silentLogger);
    // The model's argmax is the restricted accuracy's, so all three figures are one.
    expect(summary.accuracy).toBe(summary.restrictedAccuracy);
    expect(summary.accuracyBeforeFineTune).toBe(summary.restrictedAccuracy);
    expect(summary.fineTune.epochs).toBe(0);
    expect(summary.fineTune.bestEpoch).toBe(0);
    expect(summary.fineTune.history).toEqual([]);
    expect(summary.fineTune.bestValidationAccuracy).toBeGreaterThanOrEqual(0);
    expect(summary.fineTune.bestValidationLoss).toBeGreaterThan(0);
    const loaded = await loadLayersModel(fileHandler(out));
    try {
      expect(loaded.outputs[0]!.shape).toEqual([null, 2]);
      expect(loaded.layers.at(-1)!.name).toBe(RESTRICTED_HEAD);
      expect(countFlops(loaded).total).toBe(summary.flops);
      // M logits instead of N, and no head on top: cheaper than the fine-tuning route's model.
      const withHead = await reuse({ run, classes: [9, 5], epochs: 1, latency: false });
      expect(summary.flops).toBeLessThan(withHead.summary.flops);
      expect(summary.restrictedAccuracy).toBe(withHead.summary.restrictedAccuracy);
      withHead.model.dispose();
    } finally {
      loaded.dispose();
    }
    expect(JSON.parse(fs.readFileSync(path.join(out, 'card.json'), 'utf8')).kind).toBe('subtask');
  });

  it('with another --threshold leaves RUN/modules as it was and writes the modules used to OUT/modules.json', async () => {
    const modulesDir = path.join(run, 'modules');
    const before = snapshot(modulesDir);
    expect(loadModules(run).threshold).toBe(0.9);
    const out = path.join(root, 'reuse-threshold');
    const summary = await reuseCommand({ run, classes: [1, 2], epochs: 1, threshold: 0.8, out, latencyRepeats: 0 }, silentLogger);
    expect(summary.threshold).toBe(0.8);
    expect(snapshot(modulesDir)).toEqual(before);
    const written = JSON.parse(fs.readFileSync(path.join(out, 'modules.json'), 'utf8'));
    expect(written.threshold).toBe(0.8);
    expect(written.modules).toHaveLength(10);
    // The same threshold as the run's: its modules are used, nothing is written beside the summary.
    const same = path.join(root, 'reuse-same-threshold');
    await reuseCommand({ run, classes: [1, 2], epochs: 1, threshold: 0.9, out: same, latencyRepeats: 0 }, silentLogger);
    expect(fs.existsSync(path.join(same, 'modules.json'))).toBe(false);
    expect(snapshot(modulesDir)).toEqual(before);
    // Again into OUT at the run's threshold: the modules.json of 0.8 would describe other modules
    // than the new model's, so it goes; summary.json comes last, after the card of the new model.
    await reuseCommand({ run, classes: [1, 2], epochs: 1, threshold: 0.9, out, latencyRepeats: 0 }, silentLogger);
    expect(fs.existsSync(path.join(out, 'modules.json'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).threshold).toBe(0.9);
    const writtenAt = (f: string) => fs.statSync(path.join(out, f)).mtimeMs;
    expect(writtenAt('card.json')).toBeGreaterThanOrEqual(writtenAt('weights.bin'));
    expect(writtenAt('summary.json')).toBeGreaterThanOrEqual(writtenAt('card.json'));
  });

  it('rejects bad classes and runs as usage errors naming the option', async () => {
    const out = path.join(root, 'bad');
    const call = (o: object) => reuseCommand({ run, classes: [0, 1], out, latencyRepeats: 0, ...o }, silentLogger);
    await expect(call({ classes: [4] })).rejects.toThrow(/^--classes: expected at least two classes/);
    await expect(call({ classes: [2, 2] })).rejects.toThrow(/^--classes: class 2 is listed twice/);
    await expect(call({ classes: [0, 10] })).rejects.toThrow(/^--classes: class 10 is outside 0\.\.9/);
    await expect(call({ classes: [0, 10] })).rejects.toBeInstanceOf(UsageError);
    await expect(call({ run: path.join(root, 'nope') })).rejects.toThrow(/^--run: /);
    await expect(call({ run: standardRun })).rejects.toThrow(/^--run: .*standard run/);
    await expect(call({ standardRun: run })).rejects.toThrow(/^--standard-run: .*modular run/);
    await expect(call({ threshold: 1.5 })).rejects.toThrow(/^--threshold: /);
    expect(fs.existsSync(path.join(out, 'summary.json'))).toBe(false);
  });
});

describe('mwt experiment reuse', () => {
  it('writes reuse.json, reuse.csv and reuse.md for seeded subsets of each size', async () => {
    const out = path.join(root, 'experiment');
    const result = await experimentReuseCommand({ run, standardRun, sizes: [2, 3], perSize: 1, epochs: 1, seed: 3, out }, silentLogger);
    expect(result.complete).toBe(true);
    expect(result.subtasks.map((s) => s.size)).toEqual([2, 3]);
    expect(result.bySize.map((s) => [s.size, s.subtasks, s.possible])).toEqual([
      [2, 1, 45],
      [3, 1, 120],
    ]);
    for (const s of result.subtasks) {
      expect(s.accuracyLoss).toBeCloseTo(s.modelAccuracy! - s.moduleAccuracy, 12);
      expect(s.accuracyLossSe).toEqual(expect.any(Number));
    }
    // One sub-task per size: the per-size error, rebuilt from the images each model alone gets
    // right and the test labels, is that sub-task's own paired error.
    for (const [k, size] of result.bySize.entries()) expect(size.accuracyLossSe).toBeCloseTo(result.subtasks[k]!.accuracyLossSe!, 12);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'reuse.json'), 'utf8')).subtasks).toHaveLength(2);
    const csvLines = fs.readFileSync(path.join(out, 'reuse.csv'), 'utf8').trim().split('\n');
    expect(csvLines).toHaveLength(3);
    expect(csvLines[0]).toBe(
      'size,subtasks,possible,kernelRate,flops,flopReduction,moduleAccuracy,modelAccuracy,accuracyLoss,restrictedAccuracy,accuracyLossSe',
    );
    const subtaskLines = fs.readFileSync(path.join(out, 'subtasks.csv'), 'utf8').trim().split('\n');
    expect(subtaskLines).toHaveLength(3);
    expect(subtaskLines[0]).toBe(
      'size,classes,kernelRate,flops,flopReduction,moduleAccuracy,modelAccuracy,accuracyLoss,restrictedAccuracy,accuracyLossSe,' +
        'accuracyBeforeFineTune,bestEpoch,parameters,latencyBatch1,latencyBatch128,seconds',
    );
    expect(subtaskLines[1]!.split(',').slice(0, 2)).toEqual(['2', `"${result.subtasks[0]!.classes.join(' ')}"`]);
    expect(fs.readFileSync(path.join(out, 'reuse.md'), 'utf8')).toMatch(/\| 3-class \| 1 of 120 \|.*\| -?\d+\.\d\d ± \d+\.\d\d \|/);
    await expect(experimentReuseCommand({ run, standardRun, sizes: [2, 11], out }, silentLogger)).rejects.toThrow(
      /^--sizes: the largest sub-task size is 10/,
    );
  });

  it('run again after an interruption, keeps the sub-tasks reuse.json holds and runs the rest', async () => {
    const out = path.join(root, 'experiment-resumed');
    const input = { run, standardRun, sizes: [2, 3] as [number, number], perSize: 1, epochs: 1, seed: 3, out };
    const file = path.join(out, 'reuse.json');
    // reuse.json is written before the first sub-task (the plan's size, for mwt experiment
    // status), then after each. Ctrl-C during the first sub-task: the sweep stops before the
    // second, the first kept.
    const seen: ExperimentReuseResult[] = [];
    const shouldStop = () => {
      if (!fs.existsSync(file)) return false;
      seen.push(JSON.parse(fs.readFileSync(file, 'utf8')) as ExperimentReuseResult);
      return seen.at(-1)!.subtasks.length > 0;
    };
    await expect(experimentReuseCommand(input, silentLogger, { shouldStop })).rejects.toThrow(
      `${out}: sub-task sweep interrupted after 1 of 2 sub-tasks (kept in reuse.json); run the same command again to continue`,
    );
    expect(seen[0]).toMatchObject({ planned: 2, complete: false, subtasks: [] });
    const stopped = JSON.parse(fs.readFileSync(file, 'utf8')) as ExperimentReuseResult;
    expect([stopped.complete, stopped.subtasks.length]).toEqual([false, 1]);
    // A marked figure shows whether the kept sub-task is kept or rerun.
    const interrupted = { ...stopped, subtasks: [{ ...stopped.subtasks[0]!, moduleAccuracy: 0.125 }] };
    fs.writeFileSync(file, JSON.stringify(interrupted));
    const messages: string[] = [];
    const resumed = await experimentReuseCommand(input, { ...silentLogger, info: (m: string) => messages.push(m) });
    expect(messages).toContain(`experiment reuse: 1 of 2 sub-tasks kept from ${file}`);
    expect(resumed.complete).toBe(true);
    expect(resumed.subtasks.map((s) => [s.size, s.moduleAccuracy === 0.125])).toEqual([
      [2, true],
      [3, false],
    ]);
    expect(resumed.subtasks[0]!.classes).toEqual(stopped.subtasks[0]!.classes);
    expect(resumed.bySize[0]!.moduleAccuracy).toBe(0.125);

    // A --parallel sweep can stop with a later sub-task finished and an earlier one not: kept too.
    fs.writeFileSync(file, JSON.stringify({ ...stopped, subtasks: [{ ...resumed.subtasks[1]!, moduleAccuracy: 0.25 }] }));
    const outOfOrder = await experimentReuseCommand(input, silentLogger);
    expect(outOfOrder.subtasks.map((s) => [s.size, s.moduleAccuracy === 0.25])).toEqual([
      [2, false],
      [3, true],
    ]);

    // Other settings (here the fine-tuning epochs) start over.
    fs.writeFileSync(file, JSON.stringify({ ...interrupted, settings: { ...interrupted.settings, epochs: 2 } }));
    const restarted = await experimentReuseCommand(input, silentLogger);
    expect(restarted.subtasks.map((s) => s.moduleAccuracy)).not.toContain(0.125);
    expect(restarted.subtasks).toHaveLength(2);
  });
});

describe('mwt experiment reuse without a standard run', () => {
  it('measures the same modules, leaves M-ACC and the loss out, and is not resumed by a sweep with one', async () => {
    const input = { run, sizes: [2, 2] as [number, number], perSize: 1, epochs: 1, seed: 3 };
    const out = path.join(root, 'experiment-no-standard');
    const alone = await experimentReuseCommand({ ...input, out }, silentLogger);
    const held = await experimentReuseCommand({ ...input, standardRun, out: path.join(root, 'experiment-held') }, silentLogger);
    expect(alone.standardRun).toBeNull();
    const [s] = alone.subtasks;
    expect([s!.accuracyLossSe, s!.disagreements, alone.bySize[0]!.accuracyLossSe]).toEqual([null, null, null]);
    expect([s!.modelAccuracy, s!.accuracyLoss, alone.bySize[0]!.modelAccuracy, alone.bySize[0]!.accuracyLoss]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    // The modules and their fine-tuning do not depend on the standard run.
    const moduleFigures = (r: ExperimentReuseResult) => r.subtasks.map((t) => [t.classes, t.kernelRate, t.flops, t.moduleAccuracy]);
    expect(moduleFigures(alone)).toEqual(moduleFigures(held));
    expect(held.subtasks[0]!.modelAccuracy).toEqual(expect.any(Number));
    const row = fs
      .readFileSync(path.join(out, 'reuse.md'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('| 2-class'));
    expect(
      row!
        .split('|')
        .map((c) => c.trim())
        .slice(6, 9),
    ).toEqual([(s!.moduleAccuracy * 100).toFixed(2), '-', '-']);
    const csvRow = fs.readFileSync(path.join(out, 'reuse.csv'), 'utf8').trim().split('\n')[1]!.split(',');
    expect(csvRow.slice(6, 9)).toEqual([String(s!.moduleAccuracy), '', '']);

    // An interrupted sweep without a standard run is not continued by one with a standard run.
    const file = path.join(out, 'reuse.json');
    fs.writeFileSync(file, JSON.stringify({ ...alone, complete: false, subtasks: [{ ...s!, moduleAccuracy: 0.125 }] }));
    const withStandard = await experimentReuseCommand({ ...input, standardRun, out }, silentLogger);
    expect(withStandard.subtasks[0]!.moduleAccuracy).not.toBe(0.125);
    expect(withStandard.standardRun).toBe(standardRun);
  });
});

describe('mwt experiment reuse --parallel', () => {
  const input = { run, standardRun, sizes: [2, 3] as [number, number], perSize: 1, epochs: 1, seed: 5 };
  const withoutTimes = (r: ExperimentReuseResult) => r.subtasks.map((s) => ({ ...s, seconds: 0 }));

  it('fine-tunes sub-tasks in two processes: the same figures, in the same order, as one process alone', async () => {
    const alone = await experimentReuseCommand({ ...input, out: path.join(root, 'sweep-alone') }, silentLogger);
    const out = path.join(root, 'sweep-parallel');
    const said: string[] = [];
    const both = await experimentReuseCommand({ ...input, out, parallel: true }, { ...silentLogger, info: (m: string) => said.push(m) });
    expect(both.complete).toBe(true);
    expect(withoutTimes(both)).toEqual(withoutTimes(alone));
    expect(both.bySize.map((s) => s.moduleAccuracy)).toEqual(alone.bySize.map((s) => s.moduleAccuracy));
    expect(JSON.parse(fs.readFileSync(path.join(out, 'reuse.json'), 'utf8')).subtasks).toEqual(both.subtasks);
    // The queue is gone once the sweep is complete; the second process's command heads its log.
    expect(fs.existsSync(path.join(out, PARTS_DIR))).toBe(false);
    const log = fs.readFileSync(path.join(out, 'worker.log'), 'utf8');
    // It runs on this process's backend, whichever was chosen here.
    expect(log).toMatch(new RegExp(`: mwt experiment reuse .*--sizes 2-3 .*--per-size 1 .*--backend ${tf.getBackend()} .*--worker\n`));
    expect(said).toContain(
      `experiment reuse: a second process fine-tunes sub-tasks beside this one (log: ${path.join(out, 'worker.log')})`,
    );
    // Every sub-task is said once, by whichever process ran it.
    expect(said.filter((m) => /^\[\d\/2\] classes /.test(m))).toHaveLength(2);
  });

  it('a worker takes only the sub-tasks no process has claimed, and leaves their figures in OUT/parts', async () => {
    const out = path.join(root, 'sweep-worker');
    await expect(experimentReuseCommand({ ...input, out, worker: true }, silentLogger)).rejects.toThrow(
      new UsageError(`--worker: ${path.join(out, PARTS_DIR)} does not exist; a worker is started by mwt experiment reuse --parallel`),
    );
    const queue = SubtaskQueue.create<ExperimentReuseResult['subtasks'][number]>(path.join(out, PARTS_DIR), [0]);
    const tensors = tf.memory().numTensors;
    const worked = await experimentReuseCommand({ ...input, out, worker: true }, silentLogger);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(worked.subtasks).toHaveLength(1);
    expect([...queue.results().keys()]).toEqual([1]);
    expect({ ...queue.results().get(1)!, seconds: 0 }).toEqual({ ...worked.subtasks[0]!, seconds: 0 });
    expect(queue.claim(1)).toBe(false);
    expect(fs.existsSync(path.join(out, 'reuse.json'))).toBe(false); // the coordinator's file
  });

  it("a worker takes the standard model's test logits the coordinator shared rather than computing them again", async () => {
    const out = path.join(root, 'sweep-shared-logits');
    const queue = SubtaskQueue.create<ExperimentReuseResult['subtasks'][number]>(path.join(out, PARTS_DIR), [0]);
    // Logits that put every test image in its own class: M-ACC 1 whatever the standard model says.
    const { labels } = loadDataset('fashion-mnist', SAMPLE, 'test');
    const perfect = new Float32Array(labels.length * 10);
    labels.forEach((label, i) => (perfect[i * 10 + label] = 1));
    queue.shareStandardLogits({ logits: perfect, width: 10 });
    expect(queue.sharedStandardLogits()).toEqual({ logits: perfect, width: 10 });
    const worked = await experimentReuseCommand({ ...input, out, worker: true }, silentLogger);
    expect(worked.subtasks[0]!.modelAccuracy).toBe(1);

    // Logits that do not fit the test set (a row short) are not used: the standard model's own.
    const own = await experimentReuseCommand({ ...input, out: path.join(root, 'sweep-own-logits'), sizes: [3, 3] }, silentLogger);
    const again = SubtaskQueue.create<ExperimentReuseResult['subtasks'][number]>(path.join(out, PARTS_DIR), [0]);
    again.shareStandardLogits({ logits: perfect.subarray(10), width: 10 });
    const recomputed = await experimentReuseCommand({ ...input, out, worker: true }, silentLogger);
    expect(recomputed.subtasks[0]!.classes).toEqual(own.subtasks[0]!.classes);
    expect(recomputed.subtasks[0]!.modelAccuracy).toBe(own.subtasks[0]!.modelAccuracy);
  });
});
