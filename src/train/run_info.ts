/**
 * `OUT/run.json`: everything later commands need to use a trained run (model spec, dataset,
 * normalisation statistics, options), so modularize and reuse never ask for them again. Its
 * format (schema and version) is src/io/formats.ts.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { ModelSpec } from '../../models/registry.js';
import type { ChannelStats } from '../data/dataset.js';
import type { DatasetName } from '../data/load.js';
import { readFormat, RUN_INFO_FORMAT, TRAIN_SUMMARY_FORMAT, writeFormat } from '../io/formats.js';
import { SUMMARY_FILE } from '../io/atomic.js';
import type { TrainOptions } from './options.js';
import { InputError } from '../errors.js';

export interface RunInfo {
  spec: ModelSpec;
  standard: boolean;
  dataset: DatasetName;
  dataDir: string;
  limit?: number;
  normalization: ChannelStats;
  classNames?: string[];
  options: TrainOptions;
}

export const RUN_FILE = 'run.json';
export const MODEL_DIR = 'model';
/** Where `mwt modularize` puts the run's modules. */
export const MODULES_DIR = 'modules';
/** What `mwt modularize` writes last in MODULES_DIR: the modules' figures and threshold. */
export const MODULES_FILE = 'modules.json';

/**
 * A run's recorded options with what runs from before an option existed did without naming it:
 * their generators trained at the model's rate, the mask losses were averaged class by class, no
 * weight decayed, and the generators decayed as the model did.
 * (The classifier init is not filled in: the default of runs from before 2026-12-05 is not known,
 * VGG16's and ResCNN's having changed.)
 */
export function recordedSettings(options: Record<string, unknown>): Record<string, unknown> {
  const settings = { maskLrFactor: 1, maskLossMean: 'classes', weightDecay: 0, ...options };
  return { maskWeightDecay: settings.weightDecay, ...settings };
}

export function writeRunInfo(runDir: string, info: RunInfo): void {
  writeFormat(path.join(runDir, RUN_FILE), RUN_INFO_FORMAT, info);
}

/** Modification time in ms; -Infinity for a missing file (older than anything). */
export const mtimeOf = (file: string) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : -Infinity);

/** When a run's model was last written: what its modules, sweeps and sub-tasks must be newer than. */
export const modelTimeOf = (runDir: string) => mtimeOf(path.join(runDir, MODEL_DIR, 'model.json'));

/** Whether `file` was written after the models of these runs (null: no such run), so what it holds was made from them. */
export const writtenAfterModels = (file: string, ...runDirs: (string | null)[]): boolean =>
  mtimeOf(file) >= Math.max(...runDirs.map((dir) => (dir == null ? -Infinity : modelTimeOf(dir))));

/** Modules cut from the run's current model: RUN/modules/modules.json written after the model. */
export function modulesAreCurrent(runDir: string): boolean {
  const model = modelTimeOf(runDir);
  return model > -Infinity && mtimeOf(path.join(runDir, MODULES_DIR, MODULES_FILE)) >= model;
}

/** A run trained to `epochs` (its summary says so); anything else is (re)started or continued with --resume. */
export function trainedTo(runDir: string, epochs: number): boolean {
  const file = path.join(runDir, SUMMARY_FILE);
  return fs.existsSync(file) && readFormat(file, TRAIN_SUMMARY_FORMAT).epochs === epochs;
}

export function readRunInfo(runDir: string): RunInfo {
  if (!fs.existsSync(runDir)) throw new InputError('run', `directory ${runDir} does not exist`, runDir);
  return readFormat(path.join(runDir, RUN_FILE), RUN_INFO_FORMAT) as unknown as RunInfo;
}
