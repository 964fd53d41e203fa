/**
 * Building a trained run's modules: load the run's modular model and training set, one
 * inference pass for the sample masks, module masks and metrics for each threshold asked for,
 * then the modules of the chosen threshold built as real (pruned) networks and saved. The cards
 * beside them are the product layer's (src/modules/modularize_run.ts: `modularizeRun`, which
 * calls this with a `beforeReport` step).
 *
 * Output, under RUN/modules/ (written in RUN/modules.partial/, which replaces RUN/modules/ once
 * complete: a run modularized again keeps its old modules until the new ones are all there):
 *   modules.json      the report (ModulesReport); written last, so its presence means complete
 *   sweep.json        one SweepEntry per threshold, when several were given
 *   class-<k>/        module k as a tfjs LayersModel (model.json + weights.bin)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ensureBackend } from '../engine/index.js';
import { loadDataset } from '../data/load.js';
import { balancedSubset, normalize, type Dataset } from '../data/dataset.js';
import { bnTargets, matchBnStatistics } from './bn_statistics.js';
import { BN_STATISTICS_SAMPLES, DEFAULT_BN_STATISTICS, type BnStatistics } from './bn_statistics_options.js';
import { loadModel, saveModel } from '../io/model_io.js';
import { replaceDirectory, writeJsonAtomic } from '../io/atomic.js';
import { MODEL_DIR, MODULES_DIR, readRunInfo, RUN_FILE, type RunInfo } from '../train/run_info.js';
import { loggerFor, type Logger, type ProgressCallback } from '../log/logger.js';
import { checkWritableDir } from '../io/writable.js';
import { markInUse } from '../io/in_use.js';
import { InputError, UsageError } from '../errors.js';
import { DEFAULT_THRESHOLD, thresholdSchema } from '../cli/options.js';
import { collectSampleMasks, maskedLayersOf } from './sample_masks.js';
import { selectModuleMasks, type ModuleMask } from './module_masks.js';
import { modularityMetrics } from './metrics.js';
import { buildPrunedModel } from './prune.js';
import { classMeanMasks, foldMeanMasks } from './mask_folding.js';
import { countFlops } from './flops.js';
import { MODULES_FILE, writeModules, type ModuleEntry, type ModulesReport, type SweepEntry } from './modules_file.js';

export { MODULES_DIR } from '../train/run_info.js';
export { MODULES_FILE, loadModules, loadModule, writeModules } from './modules_file.js';
export type { ModuleEntry, ModulesReport, SweepEntry } from './modules_file.js';
export const SWEEP_FILE = 'sweep.json';
export { DEFAULT_THRESHOLD } from '../cli/options.js';

/** What `beforeReport` gets: the run and its saved modules, before modules.json is written. */
export interface SavedModules {
  runDir: string;
  info: RunInfo;
  /** Where the modules are being written (RUN/modules.partial, renamed to RUN/modules once complete). */
  outDir: string;
  threshold: number;
  modules: ModuleEntry[];
  /** The training set the masks were collected on (normalised as trained). */
  trainSet: Dataset;
  log: Logger;
}

export interface BuildModulesOptions {
  /** One threshold, or several to sweep (metrics for each; modules built for 0.9 if listed, else the last). */
  threshold?: number | number[];
  keepGenerators?: boolean;
  /**
   * Fold each class's mean masks into its module's batch norm (default true; not with generators,
   * which make the masks). False gives the paper's plain pruning: every kept kernel at mask 1.
   */
  foldMasks?: boolean;
  /**
   * What each module's batch norms are matched to (bn_statistics.ts): the modular network's
   * pre-BN mean and variance (default), the mean, or none (the statistics of the whole network).
   */
  bnStatistics?: BnStatistics;
  /** Backend to initialise; default: the one already in use, else the best available. */
  backend?: string;
  /** Images per inference batch. */
  batchSize?: number;
  /** The dataset directory, when not the one recorded in the run (moved data, another machine). */
  dataDir?: string;
  /** Where progress lines go; default stderr (nothing with `quiet`). */
  log?: Logger;
  quiet?: boolean;
  /** Progress of the inference pass that collects the sample masks. */
  onProgress?: ProgressCallback;
  /**
   * Runs after the module networks are saved and before modules.json, the file that marks the
   * folder complete, so that what else belongs beside each module (its card) is there when a
   * reader sees modules.json. Not called when `write` is false.
   */
  beforeReport?: (saved: SavedModules) => Promise<void>;
  /**
   * Write RUN/modules (default true). False computes the report (masks, metrics, module sizes)
   * and writes nothing: `mwt reuse` with another threshold than the run's modules, which must
   * not overwrite what `mwt modularize` wrote.
   */
  write?: boolean;
}

/** The threshold the modules are built for: 0.9 when swept, else the last one given. */
export function chosenThreshold(thresholds: number[]): number {
  if (thresholds.length === 0) throw new UsageError('--threshold: expected at least one value', { option: 'threshold' });
  return thresholds.includes(DEFAULT_THRESHOLD) ? DEFAULT_THRESHOLD : thresholds[thresholds.length - 1]!;
}

export function checkThreshold(t: number): void {
  if (!thresholdSchema.safeParse(t).success)
    throw new UsageError(`--threshold: expected numbers in (0, 1], got ${t}`, { option: 'threshold' });
}

/**
 * Checks that `runDir` holds a finished modular run; returns its description. `command` names
 * who asks, for the message (`mwt reuse needs a modular run`).
 */
export function readModularRun(runDir: string, command = 'mwt modularize'): RunInfo {
  if (!fs.existsSync(runDir)) throw new InputError('run', `directory ${runDir} does not exist`, runDir);
  if (!fs.existsSync(path.join(runDir, RUN_FILE)))
    throw new InputError('run', `${runDir} has no ${RUN_FILE} (expected a run directory written by mwt train)`, runDir);
  const info = readRunInfo(runDir);
  if (info.standard)
    throw new InputError('run', `${runDir} is a standard run (trained with --standard); ${command} needs a modular run`, runDir);
  checkTrainedModel(runDir, 'run');
  return info;
}

/** The run's final model is there, or one line says which file is missing and why that may be; `option` names the run's option (`run`). */
export function checkTrainedModel(runDir: string, option: string): void {
  const modelJson = path.join(runDir, MODEL_DIR, 'model.json');
  if (fs.existsSync(modelJson)) return;
  // summary.json is written after the model: with it, training finished and the model was lost since.
  if (fs.existsSync(path.join(runDir, 'summary.json')))
    throw new InputError(option, `${modelJson} is missing (training finished, but the model file was deleted or moved)`, modelJson);
  throw new InputError(
    option,
    `${runDir} has no ${MODEL_DIR}/model.json (training has not finished; finish it with mwt train --resume)`,
    modelJson,
  );
}

/** The run's training set as it was trained on: same subset (--limit, seed), same normalisation. */
export function loadTrainingSet(info: Pick<RunInfo, 'dataset' | 'dataDir' | 'limit' | 'options' | 'normalization'>): Dataset {
  let ds = loadDataset(info.dataset, info.dataDir, 'train');
  if (info.limit != null && info.limit < ds.count) ds = balancedSubset(ds, info.limit, info.options.seed);
  return normalize(ds, info.normalization);
}

function parametersWithoutGenerators(model: LayersModel): number {
  return model.layers.filter((l) => l.getClassName() !== 'MwtMaskGenerator').reduce((n, l) => n + l.countParams(), 0);
}

const seconds = (since: number) => (performance.now() - since) / 1000;

export async function buildModules(runDir: string, opts: BuildModulesOptions = {}): Promise<ModulesReport & { sweep?: SweepEntry[] }> {
  const started = performance.now();
  const thresholds = Array.isArray(opts.threshold) ? opts.threshold : [opts.threshold ?? DEFAULT_THRESHOLD];
  thresholds.forEach(checkThreshold);
  const tau = chosenThreshold(thresholds);
  const recorded = readModularRun(runDir);
  const info = opts.dataDir ? { ...recorded, dataDir: opts.dataDir } : recorded;
  const outDir = path.join(runDir, MODULES_DIR);
  const write = opts.write !== false;
  const stageDir = `${outDir}.partial`;
  if (write) checkWritableDir(outDir, '--run');
  const log = loggerFor(opts);
  await ensureBackend(opts.backend);
  // Refused while a run trains in runDir (its model is not the one to cut yet) or another
  // modularize writes there.
  const release = write ? markInUse(runDir, 'mwt modularize', '--run') : () => {};

  // --- load
  let trained: LayersModel | null = null;
  try {
    trained = await loadModel(path.join(runDir, MODEL_DIR));
    const layers = maskedLayersOf(trained);
    const trainSet = loadTrainingSet(info);
    const loadSeconds = seconds(started);
    log.info(
      `modularize: ${info.spec.name} on ${trainSet.count} ${info.dataset} training samples, ${layers.length} masked convs, threshold ${thresholds.join(', ')}`,
    );

    // --- one inference pass: sample masks
    const masks = collectSampleMasks(trained, trainSet, {
      batchSize: opts.batchSize,
      progress: log.task('collect-masks', trainSet.count, `sample masks of ${trainSet.count} training images`),
    });
    log.info(
      `sample masks: ${masks.seconds.toFixed(1)} s (${(trainSet.count / masks.seconds).toFixed(0)} img/s), modular model train accuracy ${(masks.accuracy * 100).toFixed(2)}%`,
    );

    // --- module masks and metrics per threshold
    const metricsStarted = performance.now();
    const sweep: SweepEntry[] = [];
    let chosen: { modules: ModuleMask[]; metrics: ReturnType<typeof modularityMetrics> } | null = null;
    for (const t of thresholds) {
      const t0 = performance.now();
      const modules = selectModuleMasks(layers, masks.usage, masks.samples, t);
      const isChosen = t === tau && chosen == null;
      const metrics = modularityMetrics(masks, modules, { perLayer: isChosen });
      const loweredLayers = modules.reduce((n, m) => n + Object.values(m.thresholds).filter((x) => x < t).length, 0);
      sweep.push({
        threshold: t,
        kernelRetentionRate: metrics.kernelRetentionRate,
        cohesion: metrics.cohesion,
        coupling: metrics.coupling,
        loweredLayers,
        seconds: seconds(t0),
      });
      if (isChosen) chosen = { modules, metrics };
    }
    const metricsSeconds = seconds(metricsStarted);
    masks.bits = null; // the bit rows can be large; nothing needs them any more

    // --- modules as networks
    const modulesStarted = performance.now();
    if (write) {
      fs.rmSync(stageDir, { recursive: true, force: true }); // what a killed run left
      fs.mkdirSync(stageDir, { recursive: true });
    }
    const entries: ModuleEntry[] = [];
    const fold = opts.keepGenerators !== true && opts.foldMasks !== false;
    // Every module is matched on the same class-balanced images of all classes: a module answers
    // for any image (replace, compose), and the modular network's moments are measured once.
    // Modules that are not saved (write: false, only their sizes are wanted) are not matched.
    const bnStatistics = opts.bnStatistics ?? DEFAULT_BN_STATISTICS;
    const matching =
      write && bnStatistics !== 'none'
        ? { match: bnStatistics, images: balancedSubset(trainSet, BN_STATISTICS_SAMPLES, info.options.seed) }
        : null;
    const targets = matching ? bnTargets(trained, matching.images) : null;
    for (const [i, m] of chosen!.modules.entries()) {
      const built = buildPrunedModel(info.spec, trained, m.keep, { keepGenerators: opts.keepGenerators === true });
      // Without generators each kept kernel would fire as if its mask were 1: the module runs at
      // the scale its class's images see in the modular model instead (docs/modules.md).
      if (fold) foldMeanMasks(built.model, m.keep, classMeanMasks(masks, m.class));
      if (matching && targets) matchBnStatistics(built.model, targets, m.keep, matching.images, matching.match);
      const dir = `class-${m.class}`;
      if (write) await saveModel(built.model, path.join(stageDir, dir));
      const mm = chosen!.metrics.modules[i]!;
      entries.push({
        class: m.class,
        className: info.classNames?.[m.class] ?? String(m.class),
        kernelRate: mm.kernelRate,
        cohesion: mm.cohesion,
        coupling: mm.coupling,
        kernels: Object.values(m.keep).reduce((n, k) => n + k.length, 0),
        kernelsPerLayer: Object.fromEntries(Object.entries(m.keep).map(([conv, k]) => [conv, k.length])),
        mask: m.keep,
        loweredThresholds: Object.fromEntries(Object.entries(m.thresholds).filter(([, x]) => x < tau)),
        layers: mm.layers ?? {},
        parameters: built.model.countParams(),
        flops: countFlops(built.model).total,
        dir,
      });
      built.model.dispose();
    }
    if (write && opts.beforeReport)
      await opts.beforeReport({ runDir, info, outDir: stageDir, threshold: tau, modules: entries, trainSet, log });
    const modulesSeconds = seconds(modulesStarted);

    const modelFlops = countFlops(trained);
    const report: ModulesReport = {
      run: runDir,
      model: info.spec.name,
      dataset: info.dataset,
      threshold: tau,
      keepGenerators: opts.keepGenerators === true,
      foldedMasks: fold,
      bnStatistics: matching?.match ?? 'none',
      kernelRetentionRate: chosen!.metrics.kernelRetentionRate,
      cohesion: chosen!.metrics.cohesion,
      coupling: chosen!.metrics.coupling,
      seconds: seconds(started),
      timings: { load: loadSeconds, inference: masks.seconds, metrics: metricsSeconds, modules: modulesSeconds },
      samples: trainSet.count,
      trainAccuracy: masks.accuracy,
      modelParameters: trained.countParams(),
      modelParametersWithoutGenerators: parametersWithoutGenerators(trained),
      modelFlops: modelFlops.total,
      modelFlopsWithoutGenerators: modelFlops.withoutGenerators,
      maskedKernels: masks.totalKernels,
      layers: chosen!.metrics.layers ?? [],
      modules: entries,
    };
    if (write) {
      if (thresholds.length > 1) writeJsonAtomic(path.join(stageDir, SWEEP_FILE), sweep);
      writeModules(path.join(stageDir, MODULES_FILE), report);
      replaceDirectory(stageDir, outDir);
      log.info(`modules: ${entries.length} written to ${outDir} in ${report.seconds.toFixed(1)} s`);
    } else log.info(`modules: ${entries.length} computed in ${report.seconds.toFixed(1)} s (not written to ${outDir})`);
    return thresholds.length > 1 ? { ...report, sweep } : report;
  } catch (e) {
    // The old modules, if any, stay as they were; the half-written new ones go.
    if (write) fs.rmSync(stageDir, { recursive: true, force: true });
    throw e;
  } finally {
    trained?.dispose();
    release();
  }
}
