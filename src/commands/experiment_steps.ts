/**
 * The steps the experiment runners (`mwt experiment trends`, `seeds`, `grid`) share: a
 * training run is trained once and skipped on a rerun, but only when it was trained with the same
 * settings, and a step's output counts as done only when it is newer than what it was made from.
 * So a long experiment stopped with Ctrl-C continues where it stopped, and a rerun with other
 * settings is refused instead of printing another experiment's figures under this one's name.
 */
import * as path from 'node:path';
import type { Logger } from '../log/logger.js';
import { InterruptedError, UsageError } from '../errors.js';
import { ensureBackend } from '../engine/index.js';
import { optionArgs } from '../cli/options.js';
import type { z } from 'zod';
import { differingSetting, holdsRun, train } from '../train/train.js';
import { modulesAreCurrent, MODULES_DIR, mtimeOf, trainedTo } from '../train/run_info.js';
import { loadModules, MODULES_FILE } from '../modularize/run.js';
import { modularizeRun } from '../modules/modularize_run.js';
import { besideTraining, startTrainingAside } from './train_aside.js';
import { reuseCommand } from './reuse.js';
import { DATASETS } from '../data/load.js';
import { readFormat, REUSE_SUMMARY_FORMAT } from '../io/formats.js';
import { startAside } from './aside.js';
import type { TrainOptionsInput } from '../train/options.js';
import { experimentTrainingFields, modularizeOptionsSchema, type experimentTrendsOptionsSchema } from './options.js';

/** Settings a run does not record as the command gave them. */
const NOT_COMPARED = ['out', 'resume', 'backend', 'dataDir'];
/** Settings a standard run does not use. */
const MASK_SETTINGS = ['alpha', 'beta', 'maskLrFactor', 'maskLossMean', 'maskWeightDecay'];

/**
 * A finished run is only skipped when it was trained with these settings. A standard run has no
 * masks, so alpha, beta and the mask rate do not matter for it (one standard run serves modular
 * runs with several betas).
 */
export function checkTrainedSettings(dir: string, input: TrainOptionsInput & { standard?: boolean }): void {
  const d = differingSetting(dir, input, new Set(input.standard ? [...NOT_COMPARED, ...MASK_SETTINGS] : NOT_COMPARED));
  if (d)
    throw new UsageError(
      `${d.flag}: ${dir} was trained with ${d.saved}, not ${d.given}; use another --out, or remove ${dir} to train it again`,
      {
        option: d.key,
      },
    );
}

/**
 * Trains `input.out` to `input.epochs` unless it is there already (with these settings); an
 * interrupted run continues from its checkpoint (input.resume is set by the caller when the
 * directory holds a run).
 */
export async function trainStep(
  input: TrainOptionsInput & { out: string; epochs: number; standard?: boolean },
  what: string,
  log: Logger,
  shouldStop?: () => boolean,
): Promise<void> {
  const dir = input.out;
  if (trainedTo(dir, input.epochs)) {
    checkTrainedSettings(dir, input);
    log.info(`${what}: ${dir} is trained (${input.epochs} epochs), skipped`);
    return;
  }
  log.info(`${what}: training ${input.standard ? 'the standard' : 'the modular'} model in ${dir}`);
  try {
    await train(input, { log, shouldStop });
  } catch (e) {
    if (e instanceof InterruptedError)
      throw new InterruptedError(`${dir}: training interrupted, checkpoint written; run the same command again to continue`);
    throw e;
  }
}

/** One training run of an experiment that trains several (`mwt experiment seeds`, `grid`). */
export interface ExperimentRun {
  input: TrainOptionsInput & { out: string; epochs: number };
  /** How the log names it ("seeds: seed 1"). */
  what: string;
  /** The log of the child process when it trains aside. */
  logFile: string;
}

/**
 * `--parallel` of the runners that train several runs: the runs not trained yet, two at a time,
 * the first of each pair here and the second in a child process. An odd one out is left to the
 * caller's loop, which trains every run in order (trainStep skips the finished ones).
 */
async function trainInPairs(runs: ExperimentRun[], log: Logger, shouldStop?: () => boolean): Promise<void> {
  const untrained = runs.filter((r) => !trainedTo(r.input.out, r.input.epochs));
  for (let i = 0; i + 1 < untrained.length; i += 2) {
    const [here, there] = [untrained[i]!, untrained[i + 1]!];
    const aside = startTrainingAside(there.input, there.logFile, there.what, log, shouldStop);
    await besideTraining(aside, () => trainStep(here.input, here.what, log, shouldStop), there.what, log);
  }
}

/** Whether `dir` holds modules at `threshold` newer than its model (file times decide). */
function modulesDone(dir: string, threshold: number): boolean {
  return modulesAreCurrent(dir) && loadModules(dir).threshold === threshold;
}

/** Cuts the run in `dir` into modules at `threshold`, unless they are there already (modulesDone). */
export async function modularizeStep(
  dir: string,
  threshold: number,
  backend: TrainOptionsInput['backend'],
  what: string,
  log: Logger,
): Promise<void> {
  // modulesDone builds the model to check the modules fit the run: start the backend before that
  // first tensor op, or after a skipped training run tfjs would stay on the cpu backend it picks
  // lazily.
  await ensureBackend(backend);
  if (modulesDone(dir, threshold)) log.info(`${what}: ${dir} holds modules at tau ${threshold}, skipped`);
  else await modularizeRun(dir, { threshold, backend, log });
}

/** Refuses --classes that are not distinct classes of the dataset, before hours of training rather than at the reuse step. */
export function checkClasses(dataset: keyof typeof DATASETS, classes: number[]): void {
  const n = DATASETS[dataset].numClasses;
  if (classes.some((c) => c < 0 || c >= n) || new Set(classes).size !== classes.length)
    throw new UsageError(`--classes: expected distinct classes in 0..${n - 1} (${dataset}), got ${classes.join(',')}`, {
      option: 'classes',
    });
}

/** The sub-task an experiment reuses from each of its runs (`mwt experiment seeds`, `grid --classes`). */
export interface ReuseStepSettings {
  classes: number[];
  threshold: number;
  reuseEpochs: number;
  backend?: TrainOptionsInput['backend'];
}

/**
 * Reuses `classes` from the modules of the run in `runDir` into `reuseDir` (mwt reuse, no latency
 * timing), unless `reuseDir` holds a sub-task model of those classes, threshold and fine-tuning
 * epochs newer than the modules.
 */
export async function reuseStep(runDir: string, reuseDir: string, s: ReuseStepSettings, what: string, log: Logger): Promise<void> {
  const reuseFile = path.join(reuseDir, 'summary.json');
  const done =
    mtimeOf(reuseFile) >= mtimeOf(path.join(runDir, MODULES_DIR, MODULES_FILE)) &&
    (() => {
      const r = readFormat(reuseFile, REUSE_SUMMARY_FORMAT);
      const fineTune = r.fineTune as { epochs?: number } | undefined;
      return r.classes.join(',') === s.classes.join(',') && r.threshold === s.threshold && fineTune?.epochs === s.reuseEpochs;
    })();
  if (done) {
    log.info(`${what}: ${reuseFile} is there with these settings, skipped`);
    return;
  }
  await reuseCommand(
    {
      run: runDir,
      classes: s.classes,
      threshold: s.threshold,
      epochs: s.reuseEpochs,
      backend: s.backend,
      out: reuseDir,
      latencyRepeats: 0,
    },
    log,
  );
}

/**
 * `--parallel` of `mwt experiment seeds` and `grid`: the runs trained two at a time
 * (trainInPairs), then the trained runs whose modules are not done cut into modules two at a
 * time, the first of each pair here and the second in a child process (`mwt modularize`, its
 * output appended to the run's log). Counting kernels over the training set is as much a chain of
 * small ops as training is, so a second process fills the idle core here too. What is left (an
 * odd one out, a run whose child failed) is the caller's loop's, whose steps skip what is done; an
 * interrupt stops both processes.
 */
export async function trainAndModularizeInPairs(
  runs: ExperimentRun[],
  threshold: number,
  backend: TrainOptionsInput['backend'],
  log: Logger,
  shouldStop?: () => boolean,
): Promise<void> {
  await trainInPairs(runs, log, shouldStop);
  await ensureBackend(backend); // before modulesDone's first tensor op, as in modularizeStep
  const pending = runs.filter((r) => trainedTo(r.input.out, r.input.epochs) && !modulesDone(r.input.out, threshold));
  for (let i = 0; i + 1 < pending.length; i += 2) {
    const [here, there] = [pending[i]!, pending[i + 1]!];
    const dir = there.input.out;
    const aside = startAside({
      args: ['modularize', ...optionArgs({ run: dir, threshold, backend }, modularizeOptionsSchema.shape)],
      logFile: there.logFile,
      subject: dir,
      what: there.what,
      log,
      shouldStop,
      afterFailure: 'this process modularizes it after the others',
    });
    log.info(`${there.what}: modularizing ${dir} at tau ${threshold} in a second process (log: ${there.logFile})`);
    try {
      await modularizeStep(here.input.out, threshold, backend, here.what, log);
    } catch (e) {
      await aside.stop();
      throw e;
    }
    // A failure was said when it happened; the caller's loop tries that run again here.
    await aside.done.catch((e: unknown) => {
      if (e instanceof InterruptedError) throw e;
    });
    if (shouldStop?.()) throw new InterruptedError(`${dir}: modularizing interrupted; run the same command again to continue`);
  }
}

/** What an experiment runner passes on to each of its training runs (the seed is the run's own). */
const TRAINING_SETTINGS = [
  'model',
  'dataset',
  'dataDir',
  ...(Object.keys(experimentTrainingFields) as (keyof typeof experimentTrainingFields)[]),
  'augment',
  'backend',
] as const;
type TrainingSettings = Pick<z.output<typeof experimentTrendsOptionsSchema>, (typeof TRAINING_SETTINGS)[number]>;

/**
 * The model as the headings of trends.md and seeds.md give it: name, width, a chosen classifier
 * init and a weight decay (absent from results written before it existed).
 */
export function modelSettingsText(model: string, s: Pick<TrainingSettings, 'width' | 'classifierInit'> & { weightDecay?: number }): string {
  const init = s.classifierInit ? `, ${s.classifierInit} classifier` : '';
  const decay = s.weightDecay ? `, weight decay ${s.weightDecay}` : '';
  return `${model} (width ${s.width}${init}${decay})`;
}

/**
 * The loss settings of a modular run, as the headings of trends.md and seeds.md give them, with
 * the generators' weight decay wherever anything decays (theirs is 0 unless given, whatever the
 * model's is).
 */
export function maskSettingsText(
  s: Pick<TrainingSettings, 'alpha' | 'beta' | 'maskLrFactor' | 'maskLossMean'> & { weightDecay?: number; maskWeightDecay?: number },
): string {
  const mean = s.maskLossMean === 'pairs' ? ', mask losses averaged over sample pairs' : '';
  const maskDecay = s.maskWeightDecay ?? 0;
  const decay = maskDecay || s.weightDecay ? `, mask weight decay ${maskDecay}` : '';
  return `alpha ${s.alpha}, beta ${s.beta}, mask lr x${s.maskLrFactor}${mean}${decay}`;
}

/** The `mwt train` input of one run of an experiment; a directory holding a run is continued. */
export function trainInputOf(opts: TrainingSettings, run: { out: string; seed: number; standard: boolean }) {
  const settings = Object.fromEntries(TRAINING_SETTINGS.map((key) => [key, opts[key]])) as TrainingSettings;
  return { ...settings, seed: run.seed, standard: run.standard, out: run.out, resume: holdsRun(run.out) };
}
