/**
 * `mwt experiment seeds --model M --dataset D --data-dir DIR --epochs E --seeds 0,1,2 --out OUT
 * [--classes 0,1] [--reference ACC,KRR,COUPLING,REUSE]`: one setting at several training seeds, and
 * how far its figures move. For each seed:
 *
 *   OUT/seed-S/        mwt train (modular) with --seed S, then mwt modularize at --threshold
 *   OUT/seed-S-reuse/  mwt reuse --classes C --epochs --reuse-epochs (fine-tuning seed: reuse's default)
 *   OUT/seeds.json     per seed: accuracy, KRR, cohesion, coupling, reuse accuracy and FLOPs saved,
 *                      the machine; per figure the mean, sample standard deviation, min and max;
 *                      with --reference, how many seeds are at or past each figure and past all four
 *   OUT/seeds.md       the same as Markdown
 *   OUT/report.html    the first seed's report (mwt report) with every seed's curves and modules
 *                      side by side (--compare)
 *
 * Why: at a few epochs one seed is a draw (docs/modular-training.md: on three CPUs the same seeded
 * command gave coupling 0.36-0.48), so a figure to beat is held to the spread, not to one run.
 * A step already done with the same settings is skipped; an interrupted training run continues.
 */
import * as path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { parseOptions, UsageError } from '../errors.js';
import { checkWritableDir } from '../io/writable.js';
import { whileInUse } from '../io/in_use.js';
import { writeExperimentRecord } from './experiment_record.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { readFormat, REUSE_SUMMARY_FORMAT, TRAIN_SUMMARY_FORMAT } from '../io/formats.js';
import { formatMachine } from '../engine/machine.js';
import { loadModules } from '../modularize/run.js';
import {
  checkClasses,
  maskSettingsText,
  modelSettingsText,
  modularizeStep,
  reuseStep,
  trainAndModularizeInPairs,
  trainInputOf,
  trainStep,
  type ExperimentRun,
} from './experiment_steps.js';
import { writeReport } from '../report/index.js';
import { experimentSeedsOptionsSchema, REFERENCE_FIGURES } from './options.js';
import { resultSettings, type ResultSettings } from './result_settings.js';
import { figureSpread, type FigureSpread } from '../stats/spread.js';

export { experimentSeedsOptionsSchema, REFERENCE_FIGURES } from './options.js';
export type ExperimentSeedsInput = z.input<typeof experimentSeedsOptionsSchema>;
export type ExperimentSeedsOptions = z.output<typeof experimentSeedsOptionsSchema>;

/** One training seed's figures. */
export interface SeedRow {
  seed: number;
  /** Test accuracy of the modular model after the last epoch. */
  accuracy: number;
  kernelRetentionRate: number;
  cohesion: number;
  coupling: number;
  /** The fine-tuned sub-task model's test accuracy on --classes. */
  reuseAccuracy: number;
  reuseAccuracyBeforeFineTune: number | null;
  /** Fraction of the whole model's FLOPs the sub-task model does without. */
  flopReduction: number | null;
  /** formatMachine of the training run's summary; null when it records none. */
  machine: string | null;
}

export type SeedFigure = (typeof REFERENCE_FIGURES)[number] | 'cohesion';

export type { FigureSpread } from '../stats/spread.js';

export interface SeedsResult {
  formatVersion: 1;
  model: string;
  dataset: string;
  settings: ResultSettings<ExperimentSeedsOptions>;
  rows: SeedRow[];
  spread: Record<SeedFigure, FigureSpread>;
  /** With --reference: per figure, the seeds at or past it (accuracy and reuse >=, KRR and coupling <=). */
  againstReference: {
    reference: Record<(typeof REFERENCE_FIGURES)[number], number>;
    atOrPast: Record<(typeof REFERENCE_FIGURES)[number], number>;
    /** Seeds at or past all four figures. */
    allFour: number;
  } | null;
  seconds: number;
}

export const SEEDS_FILE = 'seeds.json';
export const SEEDS_MARKDOWN = 'seeds.md';
export const SEEDS_REPORT = 'report.html';
const FIGURES: SeedFigure[] = ['accuracy', 'kernelRetentionRate', 'cohesion', 'coupling', 'reuseAccuracy'];
/** Figures where lower is better (the rest: higher). */
const LOWER_IS_BETTER = new Set<SeedFigure>(['kernelRetentionRate', 'coupling']);

/** Mean, sample sd, min and max of each figure over the rows. Pure. */
export function spreadOf(rows: SeedRow[]): Record<SeedFigure, FigureSpread> {
  if (rows.length === 0) throw new Error('spreadOf: no rows');
  const out = {} as Record<SeedFigure, FigureSpread>;
  for (const f of FIGURES) out[f] = figureSpread(rows.map((r) => r[f]));
  return out;
}

/** How many rows are at or past each reference figure, and past all four. Pure. */
export function countAgainst(rows: SeedRow[], reference: number[]): NonNullable<SeedsResult['againstReference']> {
  const ref = Object.fromEntries(REFERENCE_FIGURES.map((f, i) => [f, reference[i]!])) as Record<(typeof REFERENCE_FIGURES)[number], number>;
  const meets = (r: SeedRow, f: (typeof REFERENCE_FIGURES)[number]) => (LOWER_IS_BETTER.has(f) ? r[f] <= ref[f] : r[f] >= ref[f]);
  const atOrPast = Object.fromEntries(REFERENCE_FIGURES.map((f) => [f, rows.filter((r) => meets(r, f)).length])) as Record<
    (typeof REFERENCE_FIGURES)[number],
    number
  >;
  return { reference: ref, atOrPast, allFour: rows.filter((r) => REFERENCE_FIGURES.every((f) => meets(r, f))).length };
}

const LABELS: Record<SeedFigure, string> = {
  accuracy: 'accuracy',
  kernelRetentionRate: 'KRR',
  cohesion: 'cohesion',
  coupling: 'coupling',
  reuseAccuracy: 'reuse accuracy',
};

/** The result as Markdown: one row per seed, then the spread, then the reference counts. */
export function formatSeedsMarkdown(r: SeedsResult): string {
  const s = r.settings;
  const f4 = (x: number) => x.toFixed(4);
  const machines = [...new Set(r.rows.map((row) => row.machine ?? 'a machine its summary does not record'))];
  const lines = [
    `# ${modelSettingsText(r.model, s)} on ${r.dataset}: ${s.epochs} epochs, ${maskSettingsText(s)}${s.limit != null ? `, ${s.limit} training images` : ''}, seeds ${s.seeds.join(', ')}`,
    '',
    `Modules at tau ${s.threshold}; reuse of classes ${s.classes.join(',')}, ${s.reuseEpochs} fine-tuning epochs. Trained on ${machines.join('; ')}.`,
    '',
    '| seed | accuracy | KRR | cohesion | coupling | reuse accuracy | before fine-tuning | FLOPs saved |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map(
      (row) =>
        `| ${row.seed} | ${f4(row.accuracy)} | ${f4(row.kernelRetentionRate)} | ${f4(row.cohesion)} | ${f4(row.coupling)} | ${f4(row.reuseAccuracy)} | ${row.reuseAccuracyBeforeFineTune == null ? '-' : f4(row.reuseAccuracyBeforeFineTune)} | ${row.flopReduction == null ? '-' : `${(row.flopReduction * 100).toFixed(1)}%`} |`,
    ),
    '',
    '| figure | mean | sd | min | max |',
    '|---|---:|---:|---:|---:|',
    ...FIGURES.map((f) => {
      const p = r.spread[f];
      return `| ${LABELS[f]} | ${f4(p.mean)} | ${f4(p.sd)} | ${f4(p.min)} | ${f4(p.max)} |`;
    }),
  ];
  const a = r.againstReference;
  if (a) {
    lines.push(
      '',
      `Against the reference (accuracy and reuse at or above, KRR and coupling at or below), of ${r.rows.length} seeds:`,
      '',
      '| figure | reference | mean | seeds at or past it |',
      '|---|---:|---:|---:|',
      ...REFERENCE_FIGURES.map((f) => `| ${LABELS[f]} | ${a.reference[f]} | ${f4(r.spread[f].mean)} | ${a.atOrPast[f]} |`),
      `| all four | | | ${a.allFour} |`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The figures of one seed, read back from what its steps wrote. */
function rowOf(seed: number, runDir: string, reuseDir: string): SeedRow {
  const trained = readFormat(path.join(runDir, 'summary.json'), TRAIN_SUMMARY_FORMAT);
  const modules = loadModules(runDir);
  const reused = readFormat(path.join(reuseDir, 'summary.json'), REUSE_SUMMARY_FORMAT);
  return {
    seed,
    accuracy: trained.testAccuracy,
    kernelRetentionRate: modules.kernelRetentionRate,
    cohesion: modules.cohesion,
    coupling: modules.coupling,
    reuseAccuracy: reused.accuracy,
    reuseAccuracyBeforeFineTune: reused.accuracyBeforeFineTune ?? null,
    flopReduction: reused.flopReduction ?? null,
    machine: trained.machine ? formatMachine(trained.machine) : null,
  };
}

export interface SeedsHooks {
  /** Polled by training after every step; true stops it after a checkpoint (Ctrl-C), and a rerun continues. */
  shouldStop?: () => boolean;
}

export async function experimentSeedsCommand(input: ExperimentSeedsInput, log: Logger, hooks: SeedsHooks = {}): Promise<SeedsResult> {
  const opts = parseOptions(experimentSeedsOptionsSchema, input);
  checkClasses(opts.dataset, opts.classes);
  if (new Set(opts.seeds).size !== opts.seeds.length)
    throw new UsageError(`--seeds: expected distinct seeds, got ${opts.seeds.join(',')}`, { option: 'seeds' });
  checkWritableDir(opts.out, '--out');
  return whileInUse(opts.out, 'mwt experiment seeds', () => runSeeds(opts, log, hooks));
}

async function runSeeds(opts: ExperimentSeedsOptions, log: Logger, hooks: SeedsHooks): Promise<SeedsResult> {
  const started = performance.now();
  writeExperimentRecord(opts.out, 'seeds', opts);
  const runDirOf = (seed: number) => path.join(opts.out, `seed-${seed}`);
  const runs: ExperimentRun[] = opts.seeds.map((seed) => ({
    input: trainInputOf(opts, { out: runDirOf(seed), seed, standard: false }),
    what: `seeds: seed ${seed}`,
    logFile: path.join(opts.out, `seed-${seed}.log`),
  }));
  if (opts.parallel) await trainAndModularizeInPairs(runs, opts.threshold, opts.backend, log, hooks.shouldStop);
  const rows: SeedRow[] = [];
  for (const [i, seed] of opts.seeds.entries()) {
    const run = runs[i]!;
    const runDir = runDirOf(seed);
    const reuseDir = path.join(opts.out, `seed-${seed}-reuse`);
    await trainStep(run.input, run.what, log, hooks.shouldStop);

    // What follows is stale when older than what it was made from (file times decide).
    await modularizeStep(runDir, opts.threshold, opts.backend, run.what, log);
    await reuseStep(runDir, reuseDir, opts, run.what, log);
    rows.push(rowOf(seed, runDir, reuseDir));
  }

  const result: SeedsResult = {
    formatVersion: 1,
    model: opts.model,
    dataset: opts.dataset,
    settings: resultSettings(opts),
    rows,
    spread: spreadOf(rows),
    againstReference: opts.reference ? countAgainst(rows, opts.reference) : null,
    seconds: (performance.now() - started) / 1000,
  };
  writeJsonAtomic(path.join(opts.out, SEEDS_FILE), result);
  writeFileAtomic(path.join(opts.out, SEEDS_MARKDOWN), formatSeedsMarkdown(result));
  const runDirs = opts.seeds.map((seed) => path.join(opts.out, `seed-${seed}`));
  const report = writeReport({
    run: runDirs[0]!,
    compare: runDirs.slice(1),
    reuse: [path.join(opts.out, `seed-${opts.seeds[0]}-reuse`)],
    out: path.join(opts.out, SEEDS_REPORT),
  });
  const sp = result.spread;
  log.info(
    `seeds: accuracy ${sp.accuracy.mean.toFixed(3)} (sd ${sp.accuracy.sd.toFixed(3)}), KRR ${sp.kernelRetentionRate.mean.toFixed(3)}, coupling ${sp.coupling.mean.toFixed(3)}, reuse ${sp.reuseAccuracy.mean.toFixed(4)}` +
      (result.againstReference ? `; ${result.againstReference.allFour} of ${rows.length} seeds at or past the reference on all four` : '') +
      `; ${path.join(opts.out, SEEDS_MARKDOWN)}, report ${report.file}`,
  );
  if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  return result;
}
