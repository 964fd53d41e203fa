/**
 * On-demand reuse, end to end (paper section 3.4): for M target classes of a modularized run,
 * build the mixed module, append a new head, fine-tune it on those classes' training samples,
 * and measure what it costs and how well it does against the whole model.
 *
 * A ReuseContext holds what every sub-task of one run shares (trained model, modules, data, the
 * reference model's cost, the standard model's test logits), so a sweep over many class subsets
 * loads them once. `reuse()` is the one-call form for a single sub-task.
 *
 * "The model" in every comparison is the full network without mask generators: the cost of
 * reusing the whole model, the same as the standard model's (the generators' extra cost is
 * reported separately as modularModelFlops).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ensureBackend } from '../engine/index.js';
import { buildModel } from '../../models/registry.js';
import { loadDataset } from '../data/load.js';
import { balancedSubset, normalize, selectClasses, splitValidation, type Dataset } from '../data/dataset.js';
import { loadModel } from '../io/model_io.js';
import { MODEL_DIR, readRunInfo, type RunInfo } from '../train/run_info.js';
import { evaluate } from '../train/evaluate.js';
import { seedGlobalRandom } from '../train/random.js';
import {
  checkTrainedModel,
  loadModules,
  loadTrainingSet,
  maskedLayersOf,
  buildModules,
  readModularRun,
  MODULES_DIR,
  MODULES_FILE,
  type ModulesReport,
} from '../modularize/index.js';
import { loggerFor, type Logger, type ProgressCallback } from '../log/logger.js';
import { countFlops, countParameters } from '../modularize/flops.js';
import { compareLatencies, type LatencyMs, type LatencyOptions } from './latency.js';
import { kernelRetentionRate, keptKernels, mixedModuleKeep, validateClasses } from './mixed_module.js';
import { appendSubtaskHead, type HeadInit } from './subtask_model.js';
import { buildMixedModule, restrictLogits } from './restricted_model.js';
import { meanMasks } from '../modularize/mask_folding.js';
import { bnTargets, matchBnStatistics } from '../modularize/bn_statistics.js';
import { BN_STATISTICS_SAMPLES } from '../modularize/bn_statistics_options.js';
import { fineTune, type FineTuneEpoch, type FineTuneResult } from './fine_tune.js';
import { accuracyOf, correctPerImage, predictLogits, restrictedAccuracy, restrictedCorrectFromLogits } from './restricted_accuracy.js';
import { pairedDifference, type PairedDifference } from '../stats/paired.js';
import { InputError } from '../errors.js';
import { DEFAULT_REUSE, type BnStatistics, type EpochSelection } from './defaults.js';
import { describeMachine, type Machine } from '../engine/machine.js';

export { DEFAULT_REUSE } from './defaults.js';

export interface ReuseContextOptions {
  /** A modular run directory (written by mwt train). */
  run: string;
  /**
   * Module threshold tau; RUN/modules/modules.json is used when it was made with this one. With
   * another, the run is modularized again in memory (RUN/modules stays as mwt modularize wrote
   * it; the context's `recomputedModules` says so, and `mwt reuse` saves them as OUT/modules.json).
   */
  threshold?: number;
  /** A standard run of the same model and dataset, for M-ACC. */
  standardRun?: string;
  /**
   * That run's test logits computed already (a sweep's second process gets them from the first),
   * so they are not computed again; used only when they fit the test set (one row per image).
   */
  standardTestLogits?: StandardTestLogits;
  /** Data directory, when not the one recorded in run.json. */
  dataDir?: string;
  /** Backend to initialise; default: the one in use, else the best available. */
  backend?: string;
  /** Where progress lines go; default stderr (nothing with `quiet`). */
  log?: Logger;
  quiet?: boolean;
  /** Progress of mask collection, fine-tuning, evaluation and latency timing. */
  onProgress?: ProgressCallback;
}

export interface ReuseContext {
  runDir: string;
  info: RunInfo;
  backend: string;
  /** The trained modular model (with generators). */
  trained: LayersModel;
  modules: ModulesReport;
  /** True when `modules` were computed here, with another threshold than RUN/modules/modules.json's, and saved nowhere. */
  recomputedModules: boolean;
  /** Full kernel count per masked conv. */
  maskedKernels: Record<string, number>;
  /** The run's training set (same subset and normalisation as in training) and the test set. */
  train: Dataset;
  test: Dataset;
  /** The full network without generators (random weights: only its cost is used). */
  reference: { model: LayersModel; flops: number; parameters: number };
  modularModelFlops: number;
  standard?: { runDir: string; labels: Int32Array } & StandardTestLogits;
}

/** A standard model's logits over the test set, one row of `width` per image. */
export interface StandardTestLogits {
  logits: Float32Array;
  width: number;
}

function sameThreshold(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-9;
}

/**
 * RUN/modules/modules.json when made with `threshold`; else the run modularized now: into
 * RUN/modules when it has none, in memory only when it has modules of another threshold (those
 * are mwt modularize's output and stay as they are).
 */
async function modulesFor(runDir: string, threshold: number, log: Logger): Promise<{ modules: ModulesReport; recomputed: boolean }> {
  if (fs.existsSync(path.join(runDir, MODULES_DIR, MODULES_FILE))) {
    const existing = loadModules(runDir);
    if (sameThreshold(existing.threshold, threshold)) {
      log.info(`modules: using ${path.join(runDir, MODULES_DIR, MODULES_FILE)} (threshold ${threshold})`);
      return { modules: existing, recomputed: false };
    }
    log.info(
      `modules: ${MODULES_FILE} was made with threshold ${existing.threshold}, modularizing again with ${threshold} (${path.join(runDir, MODULES_DIR)} is left as it is)`,
    );
    return { modules: await buildModules(runDir, { threshold, log, write: false }), recomputed: true };
  }
  log.info(`modules: none in ${runDir}, modularizing with threshold ${threshold}`);
  // No cards on the way: they cost one inference pass per module; `mwt modularize` writes them.
  return { modules: await buildModules(runDir, { threshold, log }), recomputed: false };
}

function loadTestSet(info: RunInfo): Dataset {
  return normalize(loadDataset(info.dataset, info.dataDir, 'test'), info.normalization);
}

/** Checks that `runDir` is a finished standard run comparable with the modular run. */
function readStandardRun(runDir: string, modular: RunInfo): RunInfo {
  if (!fs.existsSync(runDir)) throw new InputError('standardRun', `directory ${runDir} does not exist`, runDir);
  const info = readRunInfo(runDir);
  if (!info.standard) throw new InputError('standardRun', `${runDir} is a modular run; expected one trained with --standard`, runDir);
  if (info.dataset !== modular.dataset)
    throw new InputError('standardRun', `${runDir} was trained on ${info.dataset}, the modular run on ${modular.dataset}`, runDir);
  if (info.spec.numClasses !== modular.spec.numClasses)
    throw new InputError(
      'standardRun',
      `${runDir} has ${info.spec.numClasses} classes, the modular run ${modular.spec.numClasses}`,
      runDir,
    );
  checkTrainedModel(runDir, 'standardRun');
  return info;
}

/** The standard model's logits over the whole test set, normalised with its run's own statistics. */
async function standardLogits(runDir: string, info: RunInfo, given?: StandardTestLogits): Promise<NonNullable<ReuseContext['standard']>> {
  const test = loadTestSet(info);
  if (given && given.width > 0 && given.logits.length === test.count * given.width) return { runDir, ...given, labels: test.labels };
  const model = await loadModel(path.join(runDir, MODEL_DIR));
  try {
    const { logits, width } = predictLogits(model, test);
    return { runDir, logits, width, labels: test.labels };
  } finally {
    model.dispose();
  }
}

export async function openReuseContext(opts: ReuseContextOptions): Promise<ReuseContext> {
  const log = loggerFor(opts);
  const threshold = opts.threshold ?? DEFAULT_REUSE.threshold;
  await ensureBackend(opts.backend);
  // Every check on the inputs first, so a bad option fails before minutes of work.
  const withDataDir = (info: RunInfo) => (opts.dataDir ? { ...info, dataDir: opts.dataDir } : info);
  const info = withDataDir(readModularRun(opts.run, 'mwt reuse'));
  const standardInfo = opts.standardRun ? withDataDir(readStandardRun(opts.standardRun, info)) : undefined;
  const { modules, recomputed } = await modulesFor(opts.run, threshold, log);
  const standard = standardInfo ? await standardLogits(opts.standardRun!, standardInfo, opts.standardTestLogits) : undefined;
  const train = loadTrainingSet(info);
  const test = loadTestSet(info);
  const trained = await loadModel(path.join(opts.run, MODEL_DIR));
  const reference = buildModel(info.spec.name, { ...info.spec, form: 'standard' }).model;
  const ctx: ReuseContext = {
    runDir: opts.run,
    info,
    backend: tf.getBackend(),
    trained,
    modules,
    recomputedModules: recomputed,
    maskedKernels: Object.fromEntries(maskedLayersOf(trained).map((l) => [l.name, l.kernels])),
    train,
    test,
    reference: { model: reference, flops: countFlops(reference).total, parameters: countParameters(reference).total },
    modularModelFlops: countFlops(trained).total,
    standard,
  };
  log.info(
    `reuse: ${info.spec.name} on ${info.dataset} (${ctx.train.count} train / ${ctx.test.count} test), modules at threshold ${modules.threshold}, backend ${ctx.backend}`,
  );
  return ctx;
}

export function closeReuseContext(ctx: ReuseContext): void {
  ctx.trained.dispose();
  ctx.reference.model.dispose();
}

export interface SubtaskOptions {
  classes: number[];
  epochs?: number;
  lr?: number;
  batchSize?: number;
  /** How the new head starts (see appendSubtaskHead); default: the target classes' own logits. */
  headInit?: HeadInit;
  /** What the mixed module's batch norms are matched to (see bn_statistics.ts); default mean-variance. */
  bnStatistics?: BnStatistics;
  momentum?: number;
  /** Fraction of the sub-task's training samples held out to choose the epoch. */
  validationFraction?: number;
  /** What chooses the epoch on that split: its cross-entropy (default) or accuracy. */
  selectBy?: EpochSelection;
  seed?: number;
  /** Latency settings, or false to skip measuring (sweeps). */
  latency?: LatencyOptions | false;
  log?: Logger;
  quiet?: boolean;
  onProgress?: ProgressCallback;
}

/** Indices in the whole test set of the images only one model gets right (the standard model against the sub-task model). */
export interface Disagreements {
  onlyStandard: number[];
  onlyModule: number[];
}

export interface ReuseSummary {
  run: string;
  standardRun?: string;
  model: string;
  dataset: string;
  backend: string;
  classes: number[];
  classNames: string[];
  threshold: number;
  /** Kept kernels of the mixed module / all masked kernels. */
  kernelRate: number;
  kernels: number;
  /** MACs per sample (see flops.ts): the sub-task model (mixed module + head), and the model. */
  flops: number;
  modelFlops: number;
  /** 1 - flops / modelFlops. */
  flopReduction: number;
  /** The trained modular model including its mask generators. */
  modularModelFlops: number;
  /** All weights (tfjs countParams, BN moving statistics included). */
  parameters: number;
  modelParameters: number;
  /** The mixed module's own N logits restricted to the M targets: no training needed. */
  restrictedAccuracy: number;
  /** Sub-task model with its random head, before fine-tuning. */
  accuracyBeforeFineTune: number;
  /** Sub-task model after fine-tuning (the epoch chosen on validation data). */
  accuracy: number;
  /** M-ACC: the standard model's logits restricted to the M targets. */
  standardModelAccuracy?: number;
  /**
   * M-ACC - m-ACC image by image, the standard model first (src/stats/paired.ts): the standard
   * error of the loss over the sub-task's test images and McNemar's p. With a standard run only;
   * absent in files written before 2026-12-07.
   */
  pairedLoss?: PairedDifference;
  /** Which test images carry `pairedLoss`, so that sub-tasks sharing images can be averaged with one error. */
  disagreements?: Disagreements;
  latencyMs?: { module: LatencyMs; model: LatencyMs };
  /** Module latency / model latency, to set against flops / modelFlops. */
  latencyRatio?: LatencyMs;
  flopRatio: number;
  testSamples: number;
  fineTune: {
    epochs: number;
    lr: number;
    batchSize: number;
    headInit: HeadInit;
    /** Absent in results written before 2026-12-05: none. */
    bnStatistics?: BnStatistics;
    momentum: number;
    nesterov: true;
    schedule: 'cosine';
    validationFraction: number;
    selectBy: EpochSelection;
    seed: number;
    trainSamples: number;
    validationSamples: number;
    bestEpoch: number;
    bestValidationAccuracy: number;
    bestValidationLoss: number;
    history: FineTuneEpoch[];
  };
  seconds: number;
  /** The accuracies above depend on it (src/engine/machine.ts). */
  machine: Machine;
}

/**
 * Whether the standard model gets each of the sub-task's test images right, from its precomputed
 * test logits, with the images' indices in the whole test set (the order selectClasses keeps them).
 */
function standardCorrect(std: NonNullable<ReuseContext['standard']>, classes: number[]): { correct: Uint8Array; images: number[] } {
  const rank = new Map(classes.map((c, k) => [c, k]));
  const rows: number[] = [];
  const labels: number[] = [];
  const images: number[] = [];
  for (let i = 0; i < std.labels.length; i++) {
    const k = rank.get(std.labels[i]!);
    if (k == null) continue;
    for (let j = 0; j < std.width; j++) rows.push(std.logits[i * std.width + j]!);
    labels.push(k);
    images.push(i);
  }
  return { correct: restrictedCorrectFromLogits(rows, std.width, labels, classes), images };
}

/** The test images (indices in the whole test set) that only one of the two models gets right. */
function disagreementsOf(images: number[], standard: ArrayLike<number>, module: ArrayLike<number>): Disagreements {
  const onlyStandard: number[] = [];
  const onlyModule: number[] = [];
  images.forEach((image, j) => {
    if (standard[j] && !module[j]) onlyStandard.push(image);
    else if (module[j] && !standard[j]) onlyModule.push(image);
  });
  return { onlyStandard, onlyModule };
}

/** One sub-task: returns the summary and the fine-tuned sub-task model (the caller disposes it). */
export function reuseSubtask(ctx: ReuseContext, opts: SubtaskOptions): { summary: ReuseSummary; model: LayersModel } {
  const started = performance.now();
  const log = loggerFor(opts);
  const settings = {
    epochs: opts.epochs ?? DEFAULT_REUSE.epochs,
    lr: opts.lr ?? DEFAULT_REUSE.lr,
    batchSize: opts.batchSize ?? DEFAULT_REUSE.batchSize,
    headInit: opts.headInit ?? DEFAULT_REUSE.headInit,
    bnStatistics: opts.bnStatistics ?? DEFAULT_REUSE.bnStatistics,
    momentum: opts.momentum ?? DEFAULT_REUSE.momentum,
    validationFraction: opts.validationFraction ?? DEFAULT_REUSE.validationFraction,
    selectBy: opts.selectBy ?? DEFAULT_REUSE.selectBy,
    seed: opts.seed ?? DEFAULT_REUSE.seed,
  };
  const { spec } = ctx.info;
  const classes = validateClasses(opts.classes, spec.numClasses);
  const keep = mixedModuleKeep(ctx.modules.modules, classes);
  const kernelRate = kernelRetentionRate(keep, ctx.maskedKernels);

  seedGlobalRandom(settings.seed); // dropout in fine-tuning draws from Math.random
  const subtaskTrain = selectClasses(ctx.train, classes);
  const { train, validation } = splitValidation(subtaskTrain, settings.validationFraction, settings.seed);
  // Over the fine-tuning split only, not the per-class means modularize folded into the modules
  // (all training images of each class): the validation images that choose the epoch stay unseen.
  const mixedModule = buildMixedModule(spec, ctx.trained, keep, meanMasks(ctx.trained, train));
  let model: LayersModel | null = null;
  try {
    // A class-balanced subset of the fine-tuning split: its validation images stay unseen.
    if (settings.bnStatistics !== 'none') {
      const images = balancedSubset(train, BN_STATISTICS_SAMPLES, settings.seed);
      matchBnStatistics(mixedModule, bnTargets(ctx.trained, images), keep, images, settings.bnStatistics);
    }
    const test = selectClasses(ctx.test, classes);
    const restricted = restrictedAccuracy(mixedModule, test, classes);
    // --epochs 0: no head to train. The sub-task model is the mixed module's own logits of the
    // classes (restricted_model.ts, what `mwt serve`'s page builds), and M logits cost less than N.
    const trainingFree = settings.epochs === 0;
    model = trainingFree ? restrictLogits(mixedModule, classes) : appendSubtaskHead(mixedModule, classes, settings.seed, settings.headInit);
    const before = evaluate(model, test).accuracy;
    const names = classes.map((c) => ctx.info.classNames?.[c] ?? String(c));
    log.info(
      `sub-task ${names.join(', ')}: kernel rate ${(kernelRate * 100).toFixed(2)}%, mixed module restricted accuracy ${(restricted * 100).toFixed(2)}%` +
        (trainingFree ? ', no fine-tuning (--epochs 0)' : `, before fine-tuning ${(before * 100).toFixed(2)}%`),
    );

    const augment = ctx.info.options.augment ?? (spec.inputShape[0] === 32 && spec.inputShape[2] === 3);
    const tuned = trainingFree
      ? untuned(model, validation)
      : fineTune(model, train, validation, { ...settings, augment, log, monitor: test });
    // Image by image: the accuracy and, with a standard run, the loss against it come from one pass.
    const correct = correctPerImage(model, test);
    const accuracy = accuracyOf(correct);

    const flops = countFlops(model).total;
    const summary: ReuseSummary = {
      run: ctx.runDir,
      model: spec.name,
      dataset: ctx.info.dataset,
      backend: ctx.backend,
      classes,
      classNames: names,
      threshold: ctx.modules.threshold,
      kernelRate,
      kernels: keptKernels(keep),
      flops,
      modelFlops: ctx.reference.flops,
      flopReduction: 1 - flops / ctx.reference.flops,
      modularModelFlops: ctx.modularModelFlops,
      parameters: countParameters(model).total,
      modelParameters: ctx.reference.parameters,
      restrictedAccuracy: restricted,
      accuracyBeforeFineTune: before,
      accuracy,
      flopRatio: flops / ctx.reference.flops,
      testSamples: test.count,
      fineTune: {
        ...settings,
        nesterov: true,
        schedule: 'cosine',
        trainSamples: train.count,
        validationSamples: validation.count,
        bestEpoch: tuned.bestEpoch,
        bestValidationAccuracy: tuned.bestValidationAccuracy,
        bestValidationLoss: tuned.bestValidationLoss,
        history: tuned.history,
      },
      seconds: 0,
      machine: describeMachine(),
    };
    if (ctx.standard) {
      // The standard model's test images of these classes, in the order selectClasses keeps them.
      const standard = standardCorrect(ctx.standard, classes);
      summary.standardRun = ctx.standard.runDir;
      summary.standardModelAccuracy = accuracyOf(standard.correct);
      summary.pairedLoss = pairedDifference(standard.correct, correct);
      summary.disagreements = disagreementsOf(standard.images, standard.correct, correct);
    }
    if (opts.latency !== false) {
      const latency = { warmup: 2, repeats: 10, ...(opts.latency || {}) };
      // Two models, warm-up and timed calls, at batch 1 and 128.
      const progress = log.task('latency', 2 * 2 * (latency.warmup + latency.repeats), 'latency of the sub-task model and the whole model');
      let calls = 0;
      const [module, whole] = compareLatencies([model, ctx.reference.model], { ...latency, onCall: () => progress.update(++calls) });
      progress.stop();
      summary.latencyMs = { module: module!, model: whole! };
      summary.latencyRatio = { batch1: module!.batch1 / whole!.batch1, batch128: module!.batch128 / whole!.batch128 };
    }
    summary.seconds = (performance.now() - started) / 1000;
    log.info(
      `sub-task accuracy ${(accuracy * 100).toFixed(2)}% (${trainingFree ? 'not fine-tuned' : `epoch ${tuned.bestEpoch} by validation`})` +
        (summary.standardModelAccuracy != null
          ? `, standard model ${(summary.standardModelAccuracy * 100).toFixed(2)}% (loss ${(summary.pairedLoss!.difference * 100).toFixed(2)} ± ${(summary.pairedLoss!.standardError * 100).toFixed(2)} points over the ${test.count} test images)`
          : '') +
        `; ${(flops / 1e6).toFixed(2)} M MACs vs ${(ctx.reference.flops / 1e6).toFixed(2)} M (${summary.flopReduction >= 0 ? '-' : '+'}${Math.abs(summary.flopReduction * 100).toFixed(1)}%)`,
    );
    return { summary, model };
  } catch (e) {
    (model ?? mixedModule).dispose();
    throw e;
  }
}

/** What fineTune reports, for a model not fine-tuned (--epochs 0): epoch 0, its figures on the validation split. */
function untuned(model: LayersModel, validation: Dataset): FineTuneResult {
  const v = evaluate(model, validation);
  return { history: [], bestEpoch: 0, bestValidationAccuracy: v.accuracy, bestValidationLoss: v.loss };
}

export type ReuseOptions = ReuseContextOptions & SubtaskOptions;

/**
 * One sub-task in one call: open the run, build + fine-tune + measure, release the run.
 * `recomputedModules` is there when the modules were made here with another threshold than the run's (see ReuseContext).
 */
export async function reuse(opts: ReuseOptions): Promise<{ summary: ReuseSummary; model: LayersModel; recomputedModules?: ModulesReport }> {
  const ctx = await openReuseContext(opts);
  try {
    const result = reuseSubtask(ctx, opts);
    return ctx.recomputedModules ? { ...result, recomputedModules: ctx.modules } : result;
  } finally {
    closeReuseContext(ctx);
  }
}
