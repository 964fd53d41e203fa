/**
 * RUN/modules/modules.json, the report `mwt modularize` writes last (its presence means the
 * modules are complete): its types, and writing and reading it (format: src/io/formats.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { loadModel } from '../io/model_io.js';
import { MODULES_FORMAT, readFormat, writeFormat } from '../io/formats.js';
import { MODULES_DIR, MODULES_FILE, readRunInfo, type RunInfo } from '../train/run_info.js';
import { buildModel } from '../../models/registry.js';
import type { LayerBreakdown, LayerMetrics } from './metrics.js';
import { InputError } from '../errors.js';
import type { BnStatistics } from './bn_statistics_options.js';

export { MODULES_FILE };

export interface ModuleEntry {
  class: number;
  className: string;
  /** Kept kernels / masked kernels of the model. */
  kernelRate: number;
  cohesion: number;
  /** Mean JI with each other module. */
  coupling: number;
  /** Kept kernels over all masked convs. */
  kernels: number;
  /** Kept kernel count per masked conv. */
  kernelsPerLayer: Record<string, number>;
  /** Kept kernel indices per masked conv (full-model numbering): the module's mask. */
  mask: Record<string, number[]>;
  /** Per masked conv, the threshold used where the fallback lowered it below `threshold`. */
  loweredThresholds: Record<string, number>;
  /** Per masked conv: kernel rate and cohesion of this module on that layer alone. */
  layers: Record<string, LayerBreakdown>;
  parameters: number;
  /** Multiply-accumulates per sample (src/modularize/flops.ts convention). */
  flops: number;
  /** The module's directory, relative to RUN/modules. */
  dir: string;
}

export interface ModulesReport {
  run: string;
  model: string;
  dataset: string;
  threshold: number;
  keepGenerators: boolean;
  /**
   * Each module's batch norm holds its class's mean masks (gamma and beta times the mean mask of
   * each kept kernel over the class's training images); false with generators, which make the masks.
   */
  foldedMasks?: boolean;
  /** What each module's batch norms were matched to (bn_statistics.ts); absent in files written before 2026-12-05: none. */
  bnStatistics?: BnStatistics;
  kernelRetentionRate: number;
  cohesion: number;
  coupling: number;
  /** Wall time of the whole modularization, loading included. */
  seconds: number;
  timings: { load: number; inference: number; metrics: number; modules: number };
  /** Training samples the masks came from. */
  samples: number;
  /** Accuracy of the modular model on those samples (from the same pass). */
  trainAccuracy: number;
  /** The modular model's parameters, and without its mask generators. */
  modelParameters: number;
  modelParametersWithoutGenerators: number;
  /** The modular model's MACs per sample, and without its mask generators. */
  modelFlops: number;
  modelFlopsWithoutGenerators: number;
  maskedKernels: number;
  /** Per masked conv, averaged over modules. */
  layers: LayerMetrics[];
  modules: ModuleEntry[];
}

export interface SweepEntry {
  threshold: number;
  kernelRetentionRate: number;
  cohesion: number;
  coupling: number;
  /** Module-layer pairs where the fallback lowered the threshold. */
  loweredLayers: number;
  seconds: number;
}

/** Writes a modules report (RUN/modules/modules.json, or OUT/modules.json of mwt reuse) in its format. */
export function writeModules(file: string, report: ModulesReport): void {
  writeFormat(file, MODULES_FORMAT, report);
}

/** Reads RUN/modules/modules.json. */
export function loadModules(runDir: string): ModulesReport {
  const file = path.join(runDir, MODULES_DIR, MODULES_FILE);
  if (!fs.existsSync(file)) throw new Error(`${file} not found: run \`mwt modularize --run ${runDir}\` first`);
  const report = readFormat(file, MODULES_FORMAT) as unknown as ModulesReport;
  checkModulesMatchRun(file, report, readRunInfo(runDir), runDir);
  return report;
}

/** Modules copied from another run (another model, dataset or width) must not be pruned into this one. */
function checkModulesMatchRun(file: string, report: ModulesReport, info: RunInfo, runDir: string): void {
  const { spec } = info;
  const kernels = buildModel(spec.name, { ...spec, form: 'standard' });
  const expected = Object.values(kernels.maskedKernels).reduce((a, b) => a + b, 0);
  kernels.model.dispose();
  if (
    report.model !== spec.name ||
    report.dataset !== info.dataset ||
    report.modules.length !== spec.numClasses ||
    report.maskedKernels !== expected
  ) {
    throw new Error(
      `${file}: modules of ${report.model} on ${report.dataset} (${report.modules.length} classes, ${report.maskedKernels} masked kernels), ` +
        `but ${runDir} holds ${spec.name} on ${info.dataset} (${spec.numClasses} classes, ${expected} masked kernels): run \`mwt modularize --run ${runDir}\` again`,
    );
  }
}

/** Loads module `k` of a modularized run as a LayersModel. */
export async function loadModule(runDir: string, k: number): Promise<LayersModel> {
  const report = loadModules(runDir);
  const entry = report.modules.find((m) => m.class === k);
  if (!entry) throw new InputError('class', `run ${runDir} has no module for class ${k} (classes 0..${report.modules.length - 1})`);
  return loadModel(path.join(runDir, MODULES_DIR, entry.dir));
}
