/**
 * OUT/experiment.json: which experiment an OUT holds and the settings it was started with, written
 * when `mwt experiment trends`, `seeds`, `grid` or `reuse` starts. Such an experiment takes hours and is
 * continued by running the same command again; with this record `mwt experiment status` knows
 * what the folder is without guessing from the files present, and prints that command.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJson, writeJsonAtomic } from '../io/atomic.js';

export const EXPERIMENT_FILE = 'experiment.json';

export type ExperimentName = 'trends' | 'seeds' | 'grid' | 'reuse';

export interface ExperimentRecord {
  formatVersion: 1;
  experiment: ExperimentName;
  /** The command's resolved options (its parsed input). */
  options: Record<string, unknown>;
}

export function writeExperimentRecord(out: string, experiment: ExperimentName, options: Record<string, unknown>): void {
  const record: ExperimentRecord = { formatVersion: 1, experiment, options };
  writeJsonAtomic(path.join(out, EXPERIMENT_FILE), record);
}

/** The record in `dir`, or null where there is none (an OUT of an mwt from before 2026-12-06). */
export function readExperimentRecord(dir: string): ExperimentRecord | null {
  const file = path.join(dir, EXPERIMENT_FILE);
  return fs.existsSync(file) ? readJson<ExperimentRecord>(file, 'experiment record') : null;
}
