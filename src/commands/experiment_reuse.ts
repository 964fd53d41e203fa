/**
 * `mwt experiment reuse --run DIR [--standard-run DIR2] --sizes 2-9 --per-size 10 [--seed S] --out OUT`:
 * the paper's Tables 5-7 for any dataset. For every sub-task size M, `perSize` random M-class
 * subsets (seeded; all of them when fewer exist), each reused as in `mwt reuse` (mixed module,
 * new head, fine-tuned, epoch chosen on validation data); per size, the means of kernel retention
 * rate, FLOPs and their reduction, the module's accuracy (m-ACC), the standard model's accuracy
 * restricted to the M classes (M-ACC) and the loss M-ACC - m-ACC. Without a standard run, M-ACC
 * and the loss are null ('-' in the tables): modules of runs along alpha or beta can then be
 * compared on the same sub-tasks without training a standard model for each budget.
 *
 * Writes OUT/reuse.json (every sub-task and the per-size means; rewritten after each sub-task,
 * `complete: false` until the end), OUT/reuse.csv (per size), OUT/subtasks.csv (per sub-task)
 * and OUT/reuse.md (the Markdown table); OUT/modules.json when --threshold differs from the
 * run's modules (RUN/modules is left as mwt modularize wrote it; see `mwt reuse`). Run again after
 * an interruption, the same command keeps the sub-tasks OUT/reuse.json already holds and runs
 * the rest (see `finishedSubtasks`). With --parallel a second process (`--worker`, log
 * OUT/worker.log) fine-tunes beside this one, both taking the next sub-task free from a queue in
 * OUT/parts (subtask_queue.ts); this process alone writes the outputs, from the results of both.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { mean } from 'mathjs';
import { z } from 'zod';
import { silentLogger, type Logger } from '../log/logger.js';
import { InterruptedError, parseOptions, UsageError } from '../errors.js';
import { checkWritableDir } from '../io/writable.js';
import { whileInUse } from '../io/in_use.js';
import { writeExperimentRecord } from './experiment_record.js';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { writtenAfterModels } from '../train/run_info.js';
import { closeReuseContext, openReuseContext, reuseSubtask, type Disagreements } from '../reuse/reuse.js';
import { meanPairedDifference } from '../stats/paired.js';
import { optionArgs } from '../cli/options.js';
import { startAside, type Aside } from './aside.js';
import { PARTS_DIR, SubtaskQueue } from './subtask_queue.js';
import { runOptionsAsUsage, subtaskSettings } from './reuse.js';
import { countSubsets, sampleSubsets } from '../reuse/subsets.js';
import { recordedEpochSelection } from '../reuse/defaults.js';
import type { LatencyMs } from '../reuse/latency.js';
import { MODULES_FILE, writeModules } from '../modularize/modules_file.js';

/** The option parser, where the CLI keeps it (it must load without tfjs). */
export { parseSizeRange } from '../cli/parse.js';

import { experimentReuseOptionsSchema } from './options.js';
import { resultSettings, type ResultSettings } from './result_settings.js';
export { experimentReuseOptionsSchema } from './options.js';

export type ExperimentReuseInput = z.input<typeof experimentReuseOptionsSchema>;
export type ExperimentReuseOptions = z.output<typeof experimentReuseOptionsSchema>;

/** The figures of one sub-task, and their means over the sub-tasks of one size. */
export interface ReuseFigures {
  kernelRate: number;
  flops: number;
  flopReduction: number;
  /** m-ACC: the fine-tuned sub-task model. */
  moduleAccuracy: number;
  /** M-ACC: the standard model, logits restricted to the classes; null without --standard-run. */
  modelAccuracy: number | null;
  /** modelAccuracy - moduleAccuracy (positive: the module is worse); null without --standard-run. */
  accuracyLoss: number | null;
  /** The mixed modules' own logits of the classes, not fine-tuned (what `mwt reuse --epochs 0` ships). */
  restrictedAccuracy: number;
}

/** Every key of ReuseFigures (written as a Record, so the compiler names one left out). */
const REUSE_FIGURES = Object.keys({
  kernelRate: 0,
  flops: 0,
  flopReduction: 0,
  moduleAccuracy: 0,
  modelAccuracy: 0,
  accuracyLoss: 0,
  restrictedAccuracy: 0,
} satisfies Record<keyof ReuseFigures, 0>) as (keyof ReuseFigures)[];

export interface SubtaskResult extends ReuseFigures {
  size: number;
  classes: number[];
  /**
   * The standard error of accuracyLoss over the sub-task's test images, paired image by image
   * (src/stats/paired.ts); null without a standard run, absent in files written before 2026-12-07.
   */
  accuracyLossSe?: number | null;
  /** The test images only one of the two models gets right, for the per-size error; null without a standard run, absent in older files. */
  disagreements?: Disagreements | null;
  accuracyBeforeFineTune: number;
  bestEpoch: number;
  parameters: number;
  latencyMs?: LatencyMs;
  seconds: number;
}

export interface SizeResult extends ReuseFigures {
  size: number;
  subtasks: number;
  /**
   * The standard error of accuracyLoss, the mean over these sub-tasks, over the draw of test
   * images: sub-tasks of one size share classes, so their errors are not independent and the
   * shared images are counted once (`meanPairedDifference`). Null where a sub-task has no
   * per-image record (no standard run, or an older file).
   */
  accuracyLossSe?: number | null;
  /** C(N, size): how many sub-tasks of this size exist. */
  possible: number;
}

export interface ExperimentReuseResult {
  run: string;
  /** Null when the sweep ran without one (no M-ACC). */
  standardRun: string | null;
  model: string;
  dataset: string;
  backend: string;
  threshold: number;
  modelFlops: number;
  modelParameters: number;
  settings: ResultSettings<ExperimentReuseOptions, 'run' | 'standardRun'>;
  /** How many sub-tasks the plan holds (files written before 2026-12-06 lack it). */
  planned: number;
  complete: boolean;
  bySize: SizeResult[];
  subtasks: SubtaskResult[];
  seconds: number;
}

/** The mean, or null when a value is missing (a figure the sweep could not measure has no mean). */
const meanOrNull = (values: (number | null)[]): number | null =>
  values.every((v) => v != null) ? (mean(values as number[]) as number) : null;

/**
 * The standard error of the mean loss of sub-tasks scored on one test set whose labels are
 * `testLabels`: each sub-task's images are those of its classes, its per-image difference 1 where
 * only the standard model is right, -1 where only the module is. Null where one lacks the record.
 */
export function meanLossStandardError(group: SubtaskResult[], testLabels: ArrayLike<number> | undefined): number | null {
  if (!testLabels || group.length === 0 || group.some((s) => s.disagreements == null)) return null;
  const tasks = group.map(({ classes, disagreements }) => {
    const wanted = new Set(classes);
    const sign = new Map<number, number>([
      ...disagreements!.onlyStandard.map((i): [number, number] => [i, 1]),
      ...disagreements!.onlyModule.map((i): [number, number] => [i, -1]),
    ]);
    const images: number[] = [];
    for (let i = 0; i < testLabels.length; i++) if (wanted.has(testLabels[i]!)) images.push(i);
    return { images, differences: images.map((i) => sign.get(i) ?? 0) };
  });
  return meanPairedDifference(tasks).standardError;
}

/** The per-size means; with the test set's labels, the loss's standard error too. */
export function summarizeBySize(subtasks: SubtaskResult[], numClasses: number, testLabels?: ArrayLike<number>): SizeResult[] {
  const sizes = [...new Set(subtasks.map((s) => s.size))].sort((a, b) => a - b);
  return sizes.map((size) => {
    const group = subtasks.filter((s) => s.size === size);
    const figures = Object.fromEntries(REUSE_FIGURES.map((key) => [key, meanOrNull(group.map((s) => s[key]))])) as unknown as ReuseFigures;
    return {
      size,
      subtasks: group.length,
      possible: countSubsets(numClasses, size),
      ...figures,
      accuracyLossSe: meanLossStandardError(group, testLabels),
    };
  });
}

const pct = (x: number) => (x * 100).toFixed(2);
/** A figure in %, or '-' where it was not measured (M-ACC without a standard run, not fine-tuned in old files). */
const pctOrDash = (x: number | null | undefined) => (x != null && Number.isFinite(x) ? pct(x) : '-');

/** The per-size table in the paper's units: % for rates and accuracies, millions for FLOPs, points for the loss. */
export function formatReuseMarkdown(
  result: Pick<ExperimentReuseResult, 'model' | 'dataset' | 'threshold' | 'modelFlops' | 'bySize' | 'settings'>,
): string {
  const lines = [
    `Reuse of ${result.model} modules on ${result.dataset} sub-tasks (threshold ${result.threshold}, ${
      result.settings.epochs === 0
        ? "no fine-tuning: each sub-task model is its mixed module's own logits of the classes"
        : `${result.settings.epochs} fine-tuning epochs, lr ${result.settings.lr}, epoch chosen by ${recordedEpochSelection(result.settings)} on a ${result.settings.validationFraction * 100}% validation split`
    }; seed ${result.settings.seed}).`,
    `Whole model: ${(result.modelFlops / 1e6).toFixed(2)} M FLOPs (multiply-accumulates). KRR: kernel retention rate (Table 5); FLOPs and reduction (Table 6); m-ACC module, M-ACC standard model restricted to the sub-task's classes, loss = M-ACC - m-ACC in points (Table 7); not fine-tuned: the mixed module's own logits of the classes, before any training (\`mwt reuse --epochs 0\`).`,
    '',
    '| sub-task | sub-tasks run | KRR (%) | FLOPs (M) | reduction (%) | m-ACC (%) | M-ACC (%) | loss (pp) | not fine-tuned (%) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...result.bySize.map(
      (s) =>
        `| ${s.size}-class | ${s.subtasks} of ${s.possible} | ${pct(s.kernelRate)} | ${(s.flops / 1e6).toFixed(2)} | ${pct(s.flopReduction)} | ${pct(s.moduleAccuracy)} | ${pctOrDash(s.modelAccuracy)} | ${pctOrDash(s.accuracyLoss)}${s.accuracyLossSe != null ? ` ± ${pct(s.accuracyLossSe)}` : ''} | ${pctOrDash(s.restrictedAccuracy)} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}

function csv(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown) => (Array.isArray(v) ? `"${v.join(' ')}"` : v == null ? '' : String(v));
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

function writeOutputs(out: string, result: ExperimentReuseResult): void {
  writeJsonAtomic(path.join(out, 'reuse.json'), result);
  writeFileAtomic(
    path.join(out, 'reuse.csv'),
    csv(result.bySize as unknown as Record<string, unknown>[], ['size', 'subtasks', 'possible', ...REUSE_FIGURES, 'accuracyLossSe']),
  );
  writeFileAtomic(
    path.join(out, 'subtasks.csv'),
    csv(
      result.subtasks.map((s) => ({ ...s, latencyBatch1: s.latencyMs?.batch1, latencyBatch128: s.latencyMs?.batch128 })),
      [
        'size',
        'classes',
        ...REUSE_FIGURES,
        'accuracyLossSe',
        'accuracyBeforeFineTune',
        'bestEpoch',
        'parameters',
        'latencyBatch1',
        'latencyBatch128',
        'seconds',
      ],
    ),
  );
  writeFileAtomic(path.join(out, 'reuse.md'), formatReuseMarkdown(result));
}

/**
 * The sub-tasks an interrupted run of the same experiment finished, to keep rather than repeat
 * (one takes minutes on a full dataset), by their index in this plan: those of OUT/reuse.json
 * when it is incomplete, was written after both runs' models, and was made from the same runs,
 * threshold and settings (the plan is seeded, so the same settings give the same sub-tasks; a
 * --parallel sweep may have finished them out of order). Anything else starts over.
 */
function finishedSubtasks(
  file: string,
  current: ExperimentReuseResult,
  plan: { size: number; classes: number[] }[],
): Map<number, SubtaskResult> {
  const kept = new Map<number, SubtaskResult>();
  if (!fs.existsSync(file)) return kept;
  if (!writtenAfterModels(file, current.run, current.standardRun)) return kept;
  const previous = readJson<ExperimentReuseResult>(file, 'reuse experiment');
  const sameExperiment =
    previous.complete === false &&
    path.resolve(previous.run) === path.resolve(current.run) &&
    sameOptionalDir(previous.standardRun, current.standardRun) &&
    previous.threshold === current.threshold &&
    // Through JSON, as the file went: keys of undefined settings are not in it.
    isDeepStrictEqual(previous.settings, JSON.parse(JSON.stringify(current.settings)));
  if (!sameExperiment) return kept;
  for (const s of previous.subtasks) {
    const i = plan.findIndex((p) => p.size === s.size && isDeepStrictEqual(p.classes, s.classes));
    if (i >= 0) kept.set(i, s);
  }
  return kept;
}

/** The same directory, or both absent (older files wrote no null: undefined counts as absent). */
const sameOptionalDir = (a: string | null | undefined, b: string | null): boolean =>
  a == null || b == null ? a == null && b == null : path.resolve(a) === path.resolve(b);

export interface ExperimentReuseHooks {
  /** Polled between sub-tasks (Ctrl-C): stop there, reuse.json holding the finished ones. */
  shouldStop?: () => boolean;
}

/** One line of the log for a finished sub-task. */
function subtaskLine(i: number, total: number, s: SubtaskResult, where = ''): string {
  return `[${i + 1}/${total}] classes ${s.classes.join(',')}: KRR ${pct(s.kernelRate)}%, FLOPs ${s.flopReduction >= 0 ? '-' : '+'}${pct(Math.abs(s.flopReduction))}%, m-ACC ${pct(s.moduleAccuracy)}%${s.modelAccuracy != null ? ` vs M-ACC ${pct(s.modelAccuracy)}%` : ''}${s.accuracyLossSe != null ? ` (loss ${pct(s.accuracyLoss!)} ± ${pct(s.accuracyLossSe)} points)` : ''} (${s.seconds.toFixed(1)} s${where})`;
}

export async function experimentReuseCommand(
  input: ExperimentReuseInput,
  log: Logger,
  hooks: ExperimentReuseHooks = {},
): Promise<ExperimentReuseResult> {
  const opts = parseOptions(experimentReuseOptionsSchema, input);
  checkWritableDir(opts.out, '--out');
  const partsDir = path.join(opts.out, PARTS_DIR);
  if (opts.worker) {
    const coordinatorQueue = SubtaskQueue.open<SubtaskResult>(partsDir);
    if (coordinatorQueue == null)
      throw new UsageError(`--worker: ${partsDir} does not exist; a worker is started by mwt experiment reuse --parallel`);
    // The second process works in the coordinator's OUT, under the coordinator's mark.
    return runSweep(input, opts, log, hooks, partsDir, coordinatorQueue);
  }
  return whileInUse(opts.out, 'mwt experiment reuse', () => runSweep(input, opts, log, hooks, partsDir, null));
}

/** The sweep; `coordinatorQueue` is the queue of OUT/parts when this is a --worker, else null. */
async function runSweep(
  input: ExperimentReuseInput,
  opts: ExperimentReuseOptions,
  log: Logger,
  hooks: ExperimentReuseHooks,
  partsDir: string,
  coordinatorQueue: SubtaskQueue<SubtaskResult> | null,
): Promise<ExperimentReuseResult> {
  const started = performance.now();
  if (!coordinatorQueue) writeExperimentRecord(opts.out, 'reuse', opts);
  let ctx;
  try {
    ctx = await openReuseContext({
      run: opts.run,
      standardRun: opts.standardRun,
      standardTestLogits: coordinatorQueue?.sharedStandardLogits(),
      threshold: opts.threshold,
      dataDir: opts.dataDir,
      backend: opts.backend,
      log,
    });
  } catch (e) {
    throw runOptionsAsUsage(e);
  }
  const context = ctx;
  let aside: Aside | null = null;
  try {
    const n = context.info.spec.numClasses;
    const [lo, hi] = opts.sizes;
    if (hi > n) throw new UsageError(`--sizes: the largest sub-task size is ${n} (the run has ${n} classes), got ${lo}-${hi}`);
    const plan: { size: number; classes: number[] }[] = [];
    for (let size = lo; size <= hi; size++)
      for (const classes of sampleSubsets(n, size, opts.perSize, `${opts.seed}:${size}`)) plan.push({ size, classes });

    const runSubtask = (i: number): SubtaskResult => {
      const { size, classes } = plan[i]!;
      const { summary, model } = reuseSubtask(context, { classes, ...subtaskSettings(opts), log: silentLogger });
      model.dispose();
      const modelAccuracy = summary.standardModelAccuracy ?? null;
      return {
        size,
        classes,
        kernelRate: summary.kernelRate,
        flops: summary.flops,
        flopReduction: summary.flopReduction,
        moduleAccuracy: summary.accuracy,
        modelAccuracy,
        accuracyLoss: modelAccuracy != null ? modelAccuracy - summary.accuracy : null,
        accuracyLossSe: summary.pairedLoss?.standardError ?? null,
        disagreements: summary.disagreements ?? null,
        restrictedAccuracy: summary.restrictedAccuracy,
        accuracyBeforeFineTune: summary.accuracyBeforeFineTune,
        bestEpoch: summary.fineTune.bestEpoch,
        parameters: summary.parameters,
        latencyMs: summary.latencyMs?.module,
        seconds: summary.seconds,
      };
    };
    // Between sub-tasks (each runs synchronously): yield once so a pending Ctrl-C reaches its handler.
    const stopRequested = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return hooks.shouldStop?.() === true;
    };

    const result: ExperimentReuseResult = {
      run: opts.run,
      standardRun: opts.standardRun ?? null,
      model: context.info.spec.name,
      dataset: context.info.dataset,
      backend: context.backend,
      threshold: context.modules.threshold,
      modelFlops: context.reference.flops,
      modelParameters: context.reference.parameters,
      settings: resultSettings(opts, 'run', 'standardRun'),
      planned: plan.length,
      complete: false,
      bySize: [],
      subtasks: [],
      seconds: 0,
    };

    // Runs, in the plan's order, each sub-task not finished that `claim` wins; false when stopped.
    const finished = new Map<number, SubtaskResult>();
    const runFree = async (claim: (i: number) => boolean, ran: (i: number, subtask: SubtaskResult) => void): Promise<boolean> => {
      for (const i of plan.keys()) {
        if (finished.has(i)) continue;
        if (await stopRequested()) return false;
        if (!claim(i)) continue;
        ran(i, runSubtask(i));
      }
      return true;
    };

    if (coordinatorQueue) {
      // The coordinator records these (from OUT/parts); what this returns is only what it ran.
      const queue = coordinatorQueue;
      log.info(`experiment reuse: the second process of a --parallel sweep of ${plan.length} sub-tasks`);
      const completed = await runFree(
        (i) => queue.claim(i, plan[i]!.classes),
        (i, subtask) => {
          queue.finish(i, subtask);
          result.subtasks.push(subtask);
          log.info(subtaskLine(i, plan.length, subtask));
        },
      );
      if (!completed) throw new InterruptedError(`${opts.out}: second process interrupted between sub-tasks`);
      result.seconds = (performance.now() - started) / 1000;
      return result;
    }

    if (context.recomputedModules) writeModules(path.join(opts.out, MODULES_FILE), context.modules);
    log.info(`experiment reuse: ${plan.length} sub-tasks, sizes ${lo}-${hi}, up to ${opts.perSize} per size`);
    const reuseFile = path.join(opts.out, 'reuse.json');
    for (const [i, kept] of finishedSubtasks(reuseFile, result, plan)) finished.set(i, kept);
    if (finished.size > 0) log.info(`experiment reuse: ${finished.size} of ${plan.length} sub-tasks kept from ${reuseFile}`);
    // reuse.json lists the finished sub-tasks in the plan's order, whichever process ran them.
    const record = () => {
      result.subtasks = plan.flatMap((_, i) => finished.get(i) ?? []);
      result.bySize = summarizeBySize(result.subtasks, n, context.standard?.labels);
      result.seconds = (performance.now() - started) / 1000;
      writeOutputs(opts.out, result);
    };

    // --parallel: a second process takes sub-tasks from the same queue.
    const queue = opts.parallel && finished.size < plan.length ? SubtaskQueue.create<SubtaskResult>(partsDir, finished.keys()) : null;
    const collect = () => {
      if (!queue) return;
      for (const [i, r] of queue.results()) {
        if (finished.has(i)) continue;
        finished.set(i, r);
        log.info(subtaskLine(i, plan.length, r, ', second process'));
      }
    };
    const ranHere = (i: number, subtask: SubtaskResult) => {
      finished.set(i, subtask);
      queue?.finish(i, subtask);
      log.info(subtaskLine(i, plan.length, subtask));
      collect();
      record();
    };
    if (queue) {
      if (context.standard) queue.shareStandardLogits(context.standard);
      const logFile = path.join(opts.out, 'worker.log');
      aside = startAside({
        args: ['experiment', 'reuse', ...workerArgs({ ...input, backend: context.backend as ExperimentReuseInput['backend'] })],
        logFile,
        subject: opts.out,
        what: 'experiment reuse',
        log,
        afterFailure: 'this process runs the sub-tasks it leaves',
      });
      log.info(`experiment reuse: a second process fine-tunes sub-tasks beside this one (log: ${logFile})`);
    }

    record(); // the plan's size, for mwt experiment status, before the first sub-task is done
    let completed = await runFree(queue ? (i) => queue.claim(i, plan[i]!.classes) : () => true, ranHere);
    if (aside) {
      if (aside.running()) log.info(`experiment reuse: waiting for the second process (log: ${aside.logFile})`);
      await (completed ? aside.done.catch(() => {}) : aside.stop());
      collect();
      record();
      // What it claimed and did not finish (it failed, or was stopped) is run here.
      if (completed) completed = await runFree(() => true, ranHere);
    }
    if (!completed)
      throw new InterruptedError(
        `${opts.out}: sub-task sweep interrupted after ${finished.size} of ${plan.length} sub-tasks (kept in reuse.json); run the same command again to continue`,
      );
    queue?.remove();
    result.complete = true;
    record();
    if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else log.info(formatReuseMarkdown(result));
    return result;
  } finally {
    if (aside?.running()) await aside.stop();
    closeReuseContext(context);
  }
}

/** The command line of the second process: this sweep's own options (its backend the one in use here), as the worker. */
function workerArgs(input: ExperimentReuseInput): string[] {
  const own = { ...input, parallel: undefined, json: undefined, worker: true };
  try {
    return optionArgs(own, experimentReuseOptionsSchema.shape);
  } catch (e) {
    throw new UsageError(`--parallel: ${(e as Error).message}, so the second process cannot be given it`);
  }
}
