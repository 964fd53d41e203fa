/**
 * Modular (or standard) training, top to bottom: setup, data, model, resume-or-scratch, then
 * the epoch loop with schedule, steps, evaluation, metrics and checkpoints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { BackendName } from '../engine/index.js';
import { describeParallelism, initTrainingBackend } from './parallel/parallelism.js';
import { buildModel, DEFAULT_CLASSIFIER_INIT, isModelName } from '../../models/registry.js';
import { loadDataset, DATASETS } from '../data/load.js';
import { balancedSubset, channelStats, normalize, type Dataset } from '../data/dataset.js';
import { BatchIterator } from '../data/batches.js';
import { appendLine, writeFileAtomic } from '../io/atomic.js';
import { EPOCH_METRICS_FORMAT, formatLine, readLines, TRAIN_SUMMARY_FORMAT, writeFormat } from '../io/formats.js';
import { saveModel } from '../io/model_io.js';
import { parseTrainOptions, type TrainOptions, type TrainOptionsInput } from './options.js';
import { createStepper, type Stepper } from './stepper.js';
import { STAT, STAT_LENGTH } from '../losses/objective.js';
import { checkInputShape, evaluate } from './evaluate.js';
import { cosineLearningRate } from './schedule.js';
import { median } from '../stats/median.js';
import { CHECKPOINT_FILE, hasCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { seedGlobalRandom } from './random.js';
import { MODEL_DIR, MODULES_DIR, readRunInfo, recordedSettings, RUN_FILE, writeRunInfo, type RunInfo } from './run_info.js';
import { checkWritableDir } from '../io/writable.js';
import { whileInUse } from '../io/in_use.js';
import { loggerFor, type Logger, type ProgressCallback } from '../log/logger.js';
import { flagOf, InputError, InterruptedError, UsageError } from '../errors.js';
import { disposeOptimizer } from './dispose_optimizer.js';
import { describeMachine, type Machine } from '../engine/machine.js';

export interface EpochMetrics {
  epoch: number;
  trainAccuracy: number;
  testAccuracy: number;
  ceLoss: number;
  cohesionLoss: number | null;
  couplingLoss: number | null;
  kernelRate: number | null;
  seconds: number;
  imagesPerSecond: number;
  learningRate: number;
}

export interface TrainSummary {
  model: string;
  dataset: string;
  standard: boolean;
  epochs: number;
  backend: BackendName;
  testAccuracy: number;
  kernelRate: number | null;
  /** Medians over the epochs in metrics.jsonl. */
  secondsPerEpoch: number;
  imagesPerSecond: number;
  options: TrainOptions;
  /** The figures above depend on it (src/engine/machine.ts). */
  machine: Machine;
}

export interface TrainHooks {
  log?: Logger;
  /** Polled after every step; true stops the run after a checkpoint (SIGINT and SIGTERM handling). */
  shouldStop?: () => boolean;
  /** Called after every step (epoch and step 1-based), e.g. to watch tf.memory(). */
  onStep?: (epoch: number, step: number) => void;
  /** Progress of training steps and of the test-set evaluation after each epoch. */
  onProgress?: ProgressCallback;
}

export { InterruptedError } from '../errors.js';

/** Loads train/test data, applies --limit, normalises both with the training statistics. */
export function prepareData(opts: Pick<TrainOptions, 'dataset' | 'dataDir' | 'limit' | 'seed'>): {
  train: Dataset;
  test: Dataset;
  stats: ReturnType<typeof channelStats>;
} {
  let train = loadDataset(opts.dataset, opts.dataDir, 'train');
  const test = loadDataset(opts.dataset, opts.dataDir, 'test');
  if (opts.limit != null && opts.limit < train.count) train = balancedSubset(train, opts.limit, opts.seed);
  const stats = channelStats(train);
  return { train: normalize(train, stats), test: normalize(test, stats), stats };
}

function toMetrics(sums: number[], modular: boolean) {
  const n = Math.max(sums[STAT.samples]!, 1);
  return {
    trainAccuracy: sums[STAT.correct]! / n,
    // Per-step means weighted by batch size.
    ceLoss: sums[STAT.ce]! / n,
    cohesionLoss: modular ? sums[STAT.cohesion]! / n : null,
    couplingLoss: modular ? sums[STAT.coupling]! / n : null,
    kernelRate: modular && sums[STAT.maskEntries]! > 0 ? sums[STAT.activeMask]! / sums[STAT.maskEntries]! : null,
  };
}

export async function train(input: TrainOptionsInput, hooks: TrainHooks = {}): Promise<TrainSummary> {
  // The data directory is recorded absolute, so modularize and reuse find it from any directory.
  const parsed = parseTrainOptions(input);
  const opts = { ...parsed, dataDir: path.resolve(parsed.dataDir) };
  const log = loggerFor({ ...hooks, quiet: opts.quiet });
  checkOutDir(opts);
  return whileInUse(opts.out, 'mwt train', () => trainIn(opts, log, hooks));
}

async function trainIn(opts: TrainOptions, log: Logger, hooks: TrainHooks): Promise<TrainSummary> {
  // --- data (before the backend: a wrong path fails fast)
  const { train: trainSet, test: testSet, stats } = prepareData(opts);
  const parallelism = await initTrainingBackend(opts);
  const { backend, workers } = parallelism;
  log.info(`backend: ${describeParallelism(parallelism)}`);
  const info = DATASETS[opts.dataset];
  const augment = opts.augment ?? (trainSet.shape[0] === 32 && trainSet.shape[2] === 3);
  log.info(
    `data: ${opts.dataset} ${trainSet.count} train / ${testSet.count} test, ${trainSet.shape.join('x')}, ${trainSet.numClasses} classes${augment ? ', augmented' : ''}`,
  );

  // Checked before anything in --out changes: an --overwrite that cannot train loses nothing.
  const stepsPerEpoch = Math.floor(trainSet.count / opts.batchSize);
  if (stepsPerEpoch === 0) throw new InputError('batchSize', `${opts.batchSize} is larger than the ${trainSet.count} training samples`);

  // --- model, optimizer, resume-or-scratch
  const resuming = opts.resume && hasCheckpoint(opts.out);
  if (opts.resume && !resuming) log.info(`--resume: no checkpoint in ${opts.out}, starting from scratch`);
  const rng = seedGlobalRandom(opts.seed);
  const spec = {
    name: opts.model as RunInfo['spec']['name'],
    numClasses: trainSet.numClasses,
    inputShape: trainSet.shape,
    width: opts.width,
  };
  const optimizer = tf.train.momentum(opts.lr, opts.momentum, true);
  let model: LayersModel;
  let state = { epoch: 0, step: 0, partial: null as number[] | null };
  if (resuming) {
    const ckpt = await loadCheckpoint(opts.out, optimizer);
    model = ckpt.model;
    state = { epoch: ckpt.state.epoch, step: ckpt.state.step, partial: ckpt.state.partial };
    seedGlobalRandom(opts.seed, ckpt.state.rngState);
    keepMetricsUpTo(path.join(opts.out, 'metrics.jsonl'), state.epoch);
    log.info(`resumed from ${path.relative(process.cwd(), ckpt.dir) || ckpt.dir} (epoch ${state.epoch + 1}, step ${state.step})`);
  } else {
    model = buildModel(opts.model, { ...spec, classifierInit: opts.classifierInit, form: opts.standard ? 'standard' : 'modular' }).model;
    // Only now, with data and model in hand, is the old run (--overwrite) replaced.
    removeRun(opts.out);
  }
  // The model, optimizer and replicas belong to this run: freed however it ends.
  let stepper: Stepper | null = null;
  try {
    if (state.epoch > opts.epochs)
      throw new UsageError(
        `--epochs: the run in ${opts.out} has already trained ${state.epoch} epochs; resume with --epochs ${state.epoch} or more`,
      );
    checkInputShape(model, trainSet.shape, `${opts.dataset} in ${opts.dataDir}`);
    const modular = model.outputs.length > 1;
    writeRunInfo(opts.out, {
      spec,
      standard: opts.standard,
      dataset: opts.dataset,
      dataDir: opts.dataDir,
      limit: opts.limit,
      normalization: stats,
      classNames: info.classNames,
      options: opts,
    });
    log.info(
      `model: ${opts.model} (${opts.standard ? 'standard' : 'modular'}, width ${opts.width}), ${model.countParams().toLocaleString('en')} parameters`,
    );

    // Pad crops with black pixels as torchvision does before normalising: raw 0 -> -mean/std.
    const padValue = stats.mean.map((m, c) => -m / stats.std[c]!);
    const batches = new BatchIterator(trainSet, {
      batchSize: opts.batchSize,
      shuffle: true,
      seed: opts.seed,
      augment: augment ? { padValue } : false,
      lastBatch: 'drop',
    });
    const metricsFile = path.join(opts.out, 'metrics.jsonl');
    // Replicas start from the (possibly resumed) model and optimizer state.
    stepper = await createStepper(model, optimizer, {
      step: {
        numClasses: trainSet.numClasses,
        alpha: opts.alpha,
        beta: opts.beta,
        maskLrFactor: opts.maskLrFactor,
        weightDecay: opts.weightDecay,
        maskWeightDecay: opts.maskWeightDecay,
        maskLossMean: opts.maskLossMean,
      },
      model: { ...spec, form: modular ? 'modular' : 'standard' },
      replicas: workers,
      momentum: opts.momentum,
      maxBatchSize: opts.batchSize,
    });
    for (let epoch = state.epoch; epoch < opts.epochs; epoch++) {
      const lr = cosineLearningRate(opts.lr, epoch, opts.epochs);
      optimizer.setLearningRate(lr);
      const skip = epoch === state.epoch ? state.step : 0;
      let sums = tf.tensor1d(epoch === state.epoch && state.partial ? state.partial : new Array(STAT_LENGTH).fill(0));
      const bar = log.epochProgress(epoch + 1, opts.epochs, stepsPerEpoch, opts.batchSize);
      const started = performance.now();
      let stepIndex = 0;
      for (const batch of batches.epoch(epoch)) {
        if (stepIndex < skip) {
          stepIndex++;
          continue;
        } // resumed mid-epoch: same order, same augmentation
        const stats = stepper.step(batch.x, batch.y, batch.size);
        const next = tf.add(sums, stats);
        tf.dispose([sums, stats]);
        sums = next as tf.Tensor1D;
        stepIndex++;
        // Steps are synchronous; yield to the event loop so signal handlers (SIGINT, SIGTERM) can run.
        await new Promise((resolve) => setImmediate(resolve));
        const stopping = hooks.shouldStop?.() === true;
        // Read back rarely (a sync point), but always before anything is saved.
        if (stepIndex % 10 === 0 || stepIndex === stepsPerEpoch || stopping) {
          const s = Array.from(sums.dataSync());
          if (![STAT.ce, STAT.cohesion, STAT.coupling].every((k) => Number.isFinite(s[k]!))) {
            sums.dispose();
            bar.stop();
            throw new Error(
              `training diverged: loss is not finite at epoch ${epoch + 1}, step ${stepIndex}; the last good checkpoint in ${opts.out} is kept (try a lower --lr)`,
            );
          }
          bar.update(stepIndex, toMetrics(s, modular));
        }
        hooks.onStep?.(epoch + 1, stepIndex);
        if (stopping) {
          const partial = Array.from(sums.dataSync());
          sums.dispose();
          await saveCheckpoint(opts.out, model, optimizer, { epoch, step: stepIndex, rngState: rng.state(), partial });
          bar.stop();
          throw new InterruptedError(`interrupted at epoch ${epoch + 1}, step ${stepIndex}; checkpoint written, continue with --resume`);
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const trainStats = toMetrics(Array.from(sums.dataSync()), modular);
      sums.dispose();
      bar.stop();
      const test = evaluate(
        model,
        testSet,
        undefined,
        log.task('evaluate', testSet.count, `epoch ${epoch + 1}/${opts.epochs}: test accuracy on ${testSet.count} images`),
      );
      const trained = (stepsPerEpoch - skip) * opts.batchSize;
      const metrics: EpochMetrics = {
        epoch: epoch + 1,
        ...trainStats,
        testAccuracy: test.accuracy,
        seconds,
        imagesPerSecond: trained / seconds,
        learningRate: lr,
      };
      appendLine(metricsFile, formatLine(EPOCH_METRICS_FORMAT, metrics));
      log.epochDone(metrics);
      await saveCheckpoint(opts.out, model, optimizer, { epoch: epoch + 1, step: 0, rngState: rng.state(), partial: null });
    }

    await saveModel(model, path.join(opts.out, MODEL_DIR));
    const all = readMetrics(metricsFile);
    const last = all[all.length - 1];
    const final = last ?? { testAccuracy: evaluate(model, testSet).accuracy, kernelRate: null };
    const summary: TrainSummary = {
      model: opts.model,
      dataset: opts.dataset,
      standard: opts.standard,
      epochs: opts.epochs,
      backend,
      testAccuracy: final.testAccuracy,
      kernelRate: modular ? (last?.kernelRate ?? null) : null,
      secondsPerEpoch: typicalOf(all.map((m) => m.seconds)),
      imagesPerSecond: typicalOf(all.map((m) => m.imagesPerSecond)),
      options: opts,
      machine: describeMachine(),
    };
    writeFormat(path.join(opts.out, 'summary.json'), TRAIN_SUMMARY_FORMAT, summary);
    log.info(
      `done: test accuracy ${(summary.testAccuracy * 100).toFixed(2)}%${summary.kernelRate != null ? `, kernel rate ${summary.kernelRate.toFixed(3)}` : ''}; run in ${opts.out}`,
    );
    return summary;
  } finally {
    await stepper?.dispose();
    model.dispose();
    disposeOptimizer(optimizer);
  }
}

/** What `mwt train` writes in a run directory; --overwrite removes exactly these. */
const RUN_ENTRIES = [
  RUN_FILE,
  'metrics.jsonl',
  'summary.json',
  CHECKPOINT_FILE,
  'checkpoints',
  MODEL_DIR,
  MODULES_DIR,
  `${MODULES_DIR}.partial`, // what a killed mwt modularize left (src/modularize/run.ts)
  `${MODULES_DIR}.old`,
  'report.html',
];

/** A directory holds a run when any of train's own files is there. */
export function holdsRun(dir: string): boolean {
  return RUN_ENTRIES.some((f) => fs.existsSync(path.join(dir, f)));
}

/**
 * Before any work: --out can be written, and an existing run is only continued (--resume) or
 * replaced (--overwrite) when asked for, never silently deleted.
 */
function checkOutDir(opts: TrainOptions): void {
  if (opts.resume && opts.overwrite)
    throw new UsageError('--resume and --overwrite: choose one (continue the run in --out, or replace it)');
  if (!opts.resume && !opts.overwrite && holdsRun(opts.out)) {
    throw new UsageError(`--out: ${opts.out} already holds a run; pass --resume to continue it or --overwrite to replace it`);
  }
  checkWritableDir(opts.out, '--out');
  if (opts.resume && hasCheckpoint(opts.out) && fs.existsSync(path.join(opts.out, RUN_FILE))) checkResumeSettings(opts);
}

/**
 * What a resumed run may change: how long it trains, where and how it computes, and the
 * learning rate (the way out of a diverged run: lower --lr, then --resume).
 */
const CHANGEABLE_ON_RESUME: ReadonlySet<string> = new Set<keyof TrainOptions>([
  'epochs',
  'lr',
  'backend',
  'threads',
  'workers',
  'quiet',
  'resume',
  'overwrite',
  'dataDir',
  'out',
]);

/**
 * A resumed run continues the model and data it was started with: any other setting that
 * differs from run.json's (the resolved settings of the run's start) is refused, naming it.
 */
function checkResumeSettings(opts: TrainOptions): void {
  const d = differingSetting(opts.out, opts, CHANGEABLE_ON_RESUME);
  if (d)
    throw new UsageError(
      `${d.flag}: the run in ${opts.out} was started with ${d.saved}, not ${d.given}; resume with the same value, or pass --overwrite to start a new run`,
    );
}

/**
 * The first of `settings` (other than `ignored`) that the run in `runDir` was started with
 * another value of (run.json's resolved settings), as flag and printed values; null if none.
 */
export function differingSetting(
  runDir: string,
  settings: Record<string, unknown>,
  ignored: ReadonlySet<string>,
): { key: string; flag: string; saved: string; given: string } | null {
  const saved = recordedSettings(readRunInfo(runDir).options as Record<string, unknown>);
  // Settings as the run records them: the model's own classifier init when none is given. Runs
  // started before 2026-12-05 recorded it only when given, and the default they used then is not
  // known (VGG16's and ResCNN's changed), so theirs is not compared.
  const given: Record<string, unknown> = { ...settings };
  if (given.classifierInit === undefined && typeof given.model === 'string' && isModelName(given.model))
    given.classifierInit = DEFAULT_CLASSIFIER_INIT[given.model];
  if (saved.classifierInit === undefined) delete given.classifierInit;
  const shown = (v: unknown) => (v === undefined ? 'unset' : JSON.stringify(v));
  for (const [key, value] of Object.entries(given)) {
    if (ignored.has(key) || isDeepStrictEqual(saved[key], value)) continue;
    return { key, flag: flagOf(key), saved: shown(saved[key]), given: shown(value) };
  }
  return null;
}

function removeRun(dir: string): void {
  for (const f of RUN_ENTRIES) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
}

/** Drops metric lines of epochs after the checkpoint, so a resumed epoch is not logged twice. */
function keepMetricsUpTo(file: string, epochsDone: number): void {
  const kept = readMetrics(file).filter((m) => m.epoch <= epochsDone);
  writeFileAtomic(file, kept.map((m) => formatLine(EPOCH_METRICS_FORMAT, m) + '\n').join(''));
}

export function readMetrics(file: string): EpochMetrics[] {
  return readLines(file, EPOCH_METRICS_FORMAT) as EpochMetrics[];
}

/**
 * The median, not the mean: an epoch that spans a pause (a stopped process, a run continued in
 * another session) or the tail of an epoch resumed mid-way would pull a mean far from a typical epoch.
 */
const typicalOf = (xs: number[]): number => (xs.length ? median(xs) : 0);
