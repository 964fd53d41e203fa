/**
 * `mwt experiment trends --model M --dataset D --data-dir DIR --epochs 30 --out OUT`: the paper's
 * trends for one model and dataset, in one command that can be stopped and rerun:
 *
 *   OUT/modular/    mwt train (modular), then mwt modularize --threshold 0.1,...,0.9 and the report
 *   OUT/standard/   mwt train --standard, the same settings (the accuracy the modular model is held to);
 *                   --standard-run DIR takes a finished one from elsewhere instead
 *   OUT/sizes/      mwt experiment reuse --sizes 2-5 --per-size 3 against the standard run
 *   OUT/trends.json the figures below; OUT/trends.md the same as Markdown tables
 *
 * Figures: accuracy of both models and the modular model's loss; kernel rate, cohesion loss and
 * coupling loss per epoch (paper Fig. 5); KRR, cohesion and coupling against tau (RQ4); reuse per
 * sub-task size (Tables 5-7). A step whose output is already there, made with the same settings,
 * is skipped; an interrupted training run continues from its checkpoint (train --resume).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { parseOptions, UsageError } from '../errors.js';
import { DATASETS } from '../data/load.js';
import { checkWritableDir } from '../io/writable.js';
import { whileInUse } from '../io/in_use.js';
import { writeExperimentRecord } from './experiment_record.js';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { readMetrics, type EpochMetrics } from '../train/train.js';
import { maskSettingsText, modelSettingsText, trainInputOf, trainStep } from './experiment_steps.js';
import { chosenThreshold, loadModules, SWEEP_FILE } from '../modularize/run.js';
import { modularizeRun } from '../modules/modularize_run.js';
import { readFormat, TRAIN_SUMMARY_FORMAT } from '../io/formats.js';
import { formatMachine } from '../engine/machine.js';
import type { SweepEntry } from '../modularize/modules_file.js';
import { modulesAreCurrent, MODULES_DIR, trainedTo, writtenAfterModels } from '../train/run_info.js';
import { experimentReuseCommand, formatReuseMarkdown, type ExperimentReuseResult, type SizeResult } from './experiment_reuse.js';
import { writeReport } from '../report/index.js';
import { ensureBackend } from '../engine/index.js';
import { besideTraining, startTrainingAside } from './train_aside.js';
import { DEFAULT_REUSE, recordedEpochSelection } from '../reuse/defaults.js';

import { experimentTrendsOptionsSchema } from './options.js';
import { resultSettings, type ResultSettings } from './result_settings.js';
import { pairedRunDifference } from './paired_runs.js';
import type { PairedDifference } from '../stats/paired.js';
export { experimentTrendsOptionsSchema, TREND_THRESHOLDS } from './options.js';

export type ExperimentTrendsInput = z.input<typeof experimentTrendsOptionsSchema>;
export type ExperimentTrendsOptions = z.output<typeof experimentTrendsOptionsSchema>;

export interface TrendEpoch {
  epoch: number;
  modularTestAccuracy: number;
  standardTestAccuracy: number | null;
  kernelRate: number | null;
  cohesionLoss: number | null;
  couplingLoss: number | null;
}

export interface TrendsResult {
  formatVersion: 1;
  model: string;
  dataset: string;
  settings: ResultSettings<ExperimentTrendsOptions>;
  standardAccuracy: number;
  modularAccuracy: number;
  /** standardAccuracy - modularAccuracy, as a fraction (positive: the modular model is worse). */
  accuracyLoss: number;
  /**
   * The same loss image by image (standard run first): the images only one model gets right, the
   * standard error of the loss over the test images and McNemar's p. Absent in files written
   * before 2026-12-07.
   */
  pairedLoss?: PairedDifference;
  /** The modules built (threshold 0.9 when swept). */
  modules: ModulesFigures;
  perEpoch: TrendEpoch[];
  sweep: ModulesFigures[];
  bySize: SizeResult[];
  /** Whole-model FLOPs (without the mask generators), for the sizes table. */
  modelFlops: number;
  reuseSettings: ExperimentReuseResult['settings'];
  /**
   * The machine each run trained on ("AMD EPYC (AVX-512), 2 cores"; null for a run whose summary
   * predates the record): the same seeded command gives other figures on another CPU
   * (src/engine/machine.ts), so a table without it cannot be checked again.
   */
  trainedOn: { modular: string | null; standard: string | null };
  /** Wall time of the steps run by this invocation (skipped steps cost nothing). */
  seconds: number;
}

export const TRENDS_FILE = 'trends.json';
export const TRENDS_MARKDOWN = 'trends.md';

const pct = (x: number) => (x * 100).toFixed(2);
const num = (x: number | null, digits = 3) => (x == null ? '-' : x.toFixed(digits));

/** Modular and standard metrics side by side, one row per epoch of the modular run. */
export function trendEpochs(modular: EpochMetrics[], standard: EpochMetrics[]): TrendEpoch[] {
  const byEpoch = new Map(standard.map((m) => [m.epoch, m.testAccuracy]));
  return modular.map((m) => ({
    epoch: m.epoch,
    modularTestAccuracy: m.testAccuracy,
    standardTestAccuracy: byEpoch.get(m.epoch) ?? null,
    kernelRate: m.kernelRate,
    cohesionLoss: m.cohesionLoss,
    couplingLoss: m.couplingLoss,
  }));
}

/** A p-value in three decimals, or as 2.5e-5 where three decimals would read 0.000. */
const formatP = (p: number) => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));

/** What the test images alone could make of the loss: the images it rests on, its standard error, McNemar's p. */
function pairedLossLine(d: PairedDifference): string {
  return `The loss image by image, over the ${d.n} test images: only the standard model is right on ${d.onlyFirst}, only the modular model on ${d.onlySecond}; ± is the standard error of the loss over the images, and McNemar's exact p = ${formatP(d.p)} is the chance of a split at least this uneven were both models equally accurate.`;
}

/** The result as Markdown: the header figures, then one table per trend, in the paper's units. */
export function formatTrendsMarkdown(r: TrendsResult): string {
  const s = r.settings;
  const lines = [
    `# ${modelSettingsText(r.model, s)} on ${r.dataset}: ${s.epochs} epochs, ${maskSettingsText(s)}, seed ${s.seed}${s.limit != null ? `, ${s.limit} training images` : ''}`,
    '',
    `| standard accuracy | modular accuracy | loss (points) | KRR at tau ${r.modules.threshold} | cohesion | coupling |`,
    '|---:|---:|---:|---:|---:|---:|',
    `| ${pct(r.standardAccuracy)}% | ${pct(r.modularAccuracy)}% | ${pct(r.accuracyLoss)}${r.pairedLoss ? ` ± ${pct(r.pairedLoss.standardError)}` : ''} | ${pct(r.modules.kernelRetentionRate)}% | ${num(r.modules.cohesion, 4)} | ${num(r.modules.coupling, 4)} |`,
    '',
    ...(r.pairedLoss ? [pairedLossLine(r.pairedLoss), ''] : []),
    trainedOnLine(r.trainedOn),
    '',
    '## Per epoch (paper Fig. 5; kernel rate and losses on the training batches)',
    '',
    '| epoch | modular test acc (%) | standard test acc (%) | kernel rate | cohesion loss | coupling loss |',
    '|---:|---:|---:|---:|---:|---:|',
    ...r.perEpoch.map(
      (e) =>
        `| ${e.epoch} | ${pct(e.modularTestAccuracy)} | ${e.standardTestAccuracy == null ? '-' : pct(e.standardTestAccuracy)} | ${num(e.kernelRate)} | ${num(e.cohesionLoss)} | ${num(e.couplingLoss)} |`,
    ),
    '',
    '## Against the threshold tau (RQ4)',
    '',
    '| tau | KRR (%) | cohesion | coupling |',
    '|---:|---:|---:|---:|',
    ...[...r.sweep]
      .sort((a, b) => a.threshold - b.threshold)
      .map((p) => `| ${p.threshold} | ${pct(p.kernelRetentionRate)} | ${num(p.cohesion, 4)} | ${num(p.coupling, 4)} |`),
    '',
    '## Reuse by sub-task size (Tables 5-7)',
    '',
    formatReuseMarkdown({
      model: r.model,
      dataset: r.dataset,
      threshold: r.modules.threshold,
      modelFlops: r.modelFlops,
      bySize: r.bySize,
      settings: r.reuseSettings,
    }),
  ];
  return lines.join('\n');
}

/** "Trained on X." when both runs share a machine, else each run's (older summaries record none). */
export function trainedOnLine(t: TrendsResult['trainedOn']): string {
  const name = (m: string | null) => m ?? 'a machine its summary does not record';
  return t.modular === t.standard
    ? `Trained on ${name(t.modular)}.`
    : `Trained on ${name(t.modular)} (modular run) and ${name(t.standard)} (standard run).`;
}

/** The machine a run's summary.json records, formatted; null when it records none. */
function machineOfRun(runDir: string): string | null {
  const machine = readFormat(path.join(runDir, 'summary.json'), TRAIN_SUMMARY_FORMAT).machine;
  return machine ? formatMachine(machine) : null;
}

const sameSet = (a: number[], b: number[]) => a.length === b.length && a.every((x) => b.includes(x));

/** What the trends keep of a modularization, at one threshold. */
export type ModulesFigures = Pick<SweepEntry, 'threshold' | 'kernelRetentionRate' | 'cohesion' | 'coupling'>;

const figuresOf = (r: ModulesFigures): ModulesFigures => ({
  threshold: r.threshold,
  kernelRetentionRate: r.kernelRetentionRate,
  cohesion: r.cohesion,
  coupling: r.coupling,
});

/** The modules RUN/modules holds (modules.json) and its sweep, if any. */
function readModulesFigures(runDir: string): { built: ModulesFigures; sweep: SweepEntry[] | null } {
  const sweepFile = path.join(runDir, MODULES_DIR, SWEEP_FILE);
  return {
    built: figuresOf(loadModules(runDir)),
    sweep: fs.existsSync(sweepFile) ? readJson<SweepEntry[]>(sweepFile, 'threshold sweep') : null,
  };
}

/**
 * The paired accuracy loss: kept from an earlier trends.json written after both models (scoring
 * them again over the test images reloads both, 25-46 s on the 60-epoch ResCNN runs, for the same
 * figure), else scored now.
 */
async function currentPairedLoss(
  out: string,
  standardDir: string,
  modularDir: string,
  dataDir: string | undefined,
  log: Logger,
): Promise<PairedDifference> {
  const file = path.join(out, TRENDS_FILE);
  if (fs.existsSync(file) && writtenAfterModels(file, modularDir, standardDir)) {
    const earlier = readJson<Partial<TrendsResult>>(file, 'trends result').pairedLoss;
    if (earlier != null) {
      log.info(`trends: ${file} holds the paired loss of these models, kept`);
      return earlier;
    }
  }
  return pairedRunDifference(standardDir, modularDir, dataDir);
}

export interface TrendsHooks {
  /** Polled by training after every step; true stops it after a checkpoint (Ctrl-C), and a rerun continues. */
  shouldStop?: () => boolean;
}

export async function experimentTrendsCommand(input: ExperimentTrendsInput, log: Logger, hooks: TrendsHooks = {}): Promise<TrendsResult> {
  const opts = parseOptions(experimentTrendsOptionsSchema, input);
  checkWritableDir(opts.out, '--out');
  // Checked before hours of training, not when the reuse step gets there.
  const classes = DATASETS[opts.dataset].numClasses;
  if (opts.sizes[1] > classes)
    throw new UsageError(
      `--sizes: the largest sub-task size is ${classes} (${opts.dataset} has ${classes} classes), got ${opts.sizes.join('-')}`,
      {
        option: 'sizes',
      },
    );
  if (opts.standardRun != null && !trainedTo(opts.standardRun, opts.epochs))
    throw new UsageError(
      `--standard-run: ${opts.standardRun} holds no run trained for ${opts.epochs} epochs (expected a finished standard run)`,
      {
        option: 'standardRun',
      },
    );

  return whileInUse(opts.out, 'mwt experiment trends', () => runTrends(opts, log, hooks));
}

async function runTrends(opts: ExperimentTrendsOptions, log: Logger, hooks: TrendsHooks): Promise<TrendsResult> {
  const started = performance.now();
  writeExperimentRecord(opts.out, 'trends', opts);
  const modularDir = path.join(opts.out, 'modular');
  const standardDir = opts.standardRun ?? path.join(opts.out, 'standard');
  const sizesDir = path.join(opts.out, 'sizes');
  // --- the two training runs (train itself refuses to continue a run made with other settings)
  const modularInput = trainInputOf(opts, { out: modularDir, seed: opts.seed, standard: false });
  const standardInput = trainInputOf(opts, { out: standardDir, seed: opts.seed, standard: true });
  if (opts.parallel && !trainedTo(standardDir, opts.epochs)) {
    const aside = startTrainingAside(standardInput, path.join(opts.out, 'standard.log'), 'trends', log, hooks.shouldStop);
    await besideTraining(aside, () => trainStep(modularInput, 'trends', log, hooks.shouldStop), 'trends', log);
    log.info(`trends: ${standardDir} is trained (${opts.epochs} epochs)`);
  } else for (const input of [modularInput, standardInput]) await trainStep(input, 'trends', log, hooks.shouldStop);
  // Training starts its backend (wasm threads and all); when both runs were done already, start
  // it before the first tensor op (checking modules.json builds a model), or tfjs would stay on
  // the cpu backend it picks lazily.
  await ensureBackend(opts.backend);
  // What follows is stale when older than what it was made from (a run trained further by an
  // earlier invocation that stopped before modularizing, say): file times decide, not this call.

  // --- modules and the threshold sweep
  const wanted = [...new Set(opts.threshold)];
  const existing = modulesAreCurrent(modularDir) ? readModulesFigures(modularDir) : null;
  // A single threshold writes no sweep.json; one left by an earlier sweep then says nothing.
  const made =
    existing == null ? null : wanted.length > 1 && existing.sweep ? existing.sweep.map((p) => p.threshold) : [existing.built.threshold];
  let modules: ModulesFigures;
  let sweep: ModulesFigures[];
  let rebuiltOtherThreshold = false;
  if (existing == null || !sameSet(made!, wanted) || existing.built.threshold !== chosenThreshold(wanted)) {
    const report = await modularizeRun(modularDir, { threshold: wanted.length === 1 ? wanted[0]! : wanted, backend: opts.backend, log });
    modules = figuresOf(report);
    sweep = report.sweep?.map(figuresOf) ?? [modules];
    rebuiltOtherThreshold = existing?.built.threshold !== modules.threshold;
  } else {
    log.info(`trends: ${path.join(modularDir, MODULES_DIR)} holds modules for these thresholds, skipped`);
    modules = existing.built;
    sweep = wanted.length > 1 ? existing.sweep!.map(figuresOf) : [modules];
  }

  // --- reuse by sub-task size, against the standard run
  const reuseFile = path.join(sizesDir, 'reuse.json');
  const previous = fs.existsSync(reuseFile) ? readJson<ExperimentReuseResult>(reuseFile, 'reuse experiment') : null;
  const reuseInput = {
    run: modularDir,
    standardRun: standardDir,
    sizes: opts.sizes,
    perSize: opts.perSize,
    epochs: opts.reuseEpochs,
    threshold: modules.threshold,
    seed: opts.seed,
    backend: opts.backend,
    parallel: opts.parallel,
    out: sizesDir,
  };
  // Modules rebuilt at the same threshold from the same model are the same modules.
  const reuseUpToDate =
    !rebuiltOtherThreshold &&
    writtenAfterModels(reuseFile, modularDir, standardDir) &&
    previous?.complete === true &&
    previous.standardRun != null &&
    path.resolve(previous.standardRun) === path.resolve(standardDir) &&
    recordedEpochSelection(previous.settings) === DEFAULT_REUSE.selectBy &&
    previous.threshold === modules.threshold &&
    previous.settings.seed === opts.seed &&
    previous.settings.perSize === opts.perSize &&
    previous.settings.epochs === opts.reuseEpochs &&
    previous.settings.sizes?.[0] === opts.sizes[0] &&
    previous.settings.sizes?.[1] === opts.sizes[1];
  let reuse: ExperimentReuseResult;
  if (reuseUpToDate) {
    log.info(`trends: ${reuseFile} is complete with these settings, skipped`);
    reuse = previous;
  } else reuse = await experimentReuseCommand(reuseInput, log, { shouldStop: hooks.shouldStop });

  // --- the figures, then the report of the modular run (which draws them all)
  const modular = readMetrics(path.join(modularDir, 'metrics.jsonl'));
  const standard = readMetrics(path.join(standardDir, 'metrics.jsonl'));
  const pairedLoss = await currentPairedLoss(opts.out, standardDir, modularDir, opts.dataDir, log);
  const result: TrendsResult = {
    formatVersion: 1,
    model: opts.model,
    dataset: opts.dataset,
    settings: resultSettings(opts),
    standardAccuracy: standard[standard.length - 1]!.testAccuracy,
    modularAccuracy: modular[modular.length - 1]!.testAccuracy,
    accuracyLoss: standard[standard.length - 1]!.testAccuracy - modular[modular.length - 1]!.testAccuracy,
    pairedLoss,
    modules,
    perEpoch: trendEpochs(modular, standard),
    sweep,
    bySize: reuse.bySize,
    modelFlops: reuse.modelFlops,
    reuseSettings: reuse.settings,
    trainedOn: { modular: machineOfRun(modularDir), standard: machineOfRun(standardDir) },
    seconds: (performance.now() - started) / 1000,
  };
  writeJsonAtomic(path.join(opts.out, TRENDS_FILE), result);
  writeFileAtomic(path.join(opts.out, TRENDS_MARKDOWN), formatTrendsMarkdown(result));
  const written = writeReport({ run: modularDir, standardRun: standardDir, reuse: [sizesDir] });
  log.info(
    `trends: standard ${pct(result.standardAccuracy)}%, modular ${pct(result.modularAccuracy)}%, loss ${pct(result.accuracyLoss)} ± ${pct(pairedLoss.standardError)} points (McNemar p ${formatP(pairedLoss.p)}), KRR ${pct(modules.kernelRetentionRate)}%, cohesion ${num(modules.cohesion)}, coupling ${num(modules.coupling)}; ${path.join(opts.out, TRENDS_MARKDOWN)}, report ${written.file}`,
  );
  if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  return result;
}
