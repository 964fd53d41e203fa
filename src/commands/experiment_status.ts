/**
 * `mwt experiment status --out DIR`: where a long run stands, read from its files alone. A
 * 30-epoch experiment on full Fashion-MNIST takes hours and often more than one sitting (it
 * continues from its checkpoints when run again), so the questions are how far it got, how long
 * the rest takes at its pace, and whether a process is still at work on it. This answers them
 * without tfjs and without writing anything, at once, beside the run or after it stopped.
 *
 * DIR is anything an mwt command trains or sweeps into: a training run (`mwt train --out`) or the
 * OUT of `mwt experiment trends`, `seeds`, `grid` or `reuse` (known by its experiment.json), or a folder of
 * them (runs/), which gets the first line of each. Per training run: epochs done of those asked
 * for, its typical epoch (the median of the last three, so that an epoch spanning a pause does not
 * count) and the time left at that pace; per modular run whether its modules are built; per
 * sub-task sweep how many sub-tasks are finished of those planned. Whether a process is at work on
 * it comes from the in-use marks the writing commands leave (io/in_use.ts): running while the
 * marking process lives, stopped once it is gone. Without a mark (runs from before them) it says
 * when the files last changed, and that the run looks stopped when that is long ago for its pace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { median } from '../stats/median.js';
import { EPOCH_METRICS_FORMAT, readLines } from '../io/formats.js';
import { readJson, SUMMARY_FILE } from '../io/atomic.js';
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { InputError, parseOptions } from '../errors.js';
import {
  experimentGridOptionsSchema,
  experimentReuseOptionsSchema,
  experimentSeedsOptionsSchema,
  experimentStatusOptionsSchema,
  experimentTrendsOptionsSchema,
} from './options.js';
import { trainOptionsSchema } from '../train/options.js';
import { defaultOf, optionArgs, optionHelp } from '../cli/options.js';
import type { ExperimentReuseResult } from './experiment_reuse.js';
import { modelTimeOf, modulesAreCurrent, MODULES_DIR, MODULES_FILE, mtimeOf, readRunInfo, RUN_FILE, trainedTo } from '../train/run_info.js';
import { PARTS_DIR, SubtaskQueue } from './subtask_queue.js';
import { readExperimentRecord, type ExperimentName } from './experiment_record.js';
import { inUse, isAlive, type InUseState } from '../io/in_use.js';

export type ExperimentKind = 'train' | 'trends' | 'seeds' | 'grid' | 'reuse';

export interface RunProgress {
  dir: string;
  model: string;
  width: number;
  dataset: string;
  standard: boolean;
  epochsDone: number;
  epochs: number;
  /** Trained to `epochs`, its model written. */
  finished: boolean;
  /** The median of the last three epochs' seconds; null before the first epoch. */
  secondsPerEpoch: number | null;
  /** (epochs - epochsDone) x secondsPerEpoch; 0 when finished, null when not known. */
  secondsLeft: number | null;
}

export interface ModulesProgress {
  run: string;
  /** modules.json newer than the run's model. */
  built: boolean;
  /** The threshold the modules were cut at, when built. */
  threshold: number | null;
}

export interface SweepProgress {
  dir: string;
  finished: number;
  /** How many sub-tasks the sweep's plan holds (written when it starts); null in a file from before 2026-12-06. */
  planned: number | null;
  complete: boolean;
  /** The median seconds of a finished sub-task. */
  secondsPerSubtask: number | null;
  /** Sub-tasks being fine-tuned now (claimed by a live process, not finished), with their start (ms since 1970). */
  running: { classes: number[]; since: number }[];
}

export interface ExperimentStatus {
  out: string;
  kind: ExperimentKind;
  complete: boolean;
  runs: RunProgress[];
  modules: ModulesProgress[];
  sweeps: SweepProgress[];
  /** The sub-task model reused from each run (`mwt experiment seeds`, `grid --classes`: OUT/RUN-reuse), built or not. */
  reuses: { dir: string; built: boolean }[];
  /**
   * The processes that marked DIR or a run in it as theirs (io/in_use.ts), and whether each still
   * runs: what says for certain that the work goes on, where the file times can only suggest it.
   */
  inUse: (InUseState & { dir: string })[];
  /**
   * `mwt experiment seeds` and `grid`: how many training runs the command will make (its
   * experiment.json), where `runs` lists only those started; null when not known.
   */
  plannedRuns: number | null;
  /** When any file under DIR last changed (ms since 1970); null when it holds none. */
  lastWritten: number | null;
  /** Not complete: the command line that continues it (`mwt train ... --resume`, or the experiment's own command from its experiment.json). */
  resumeCommand?: string;
}

/** What a finished sweep, trends or seeds experiment writes last. */
const RESULT_FILE: Record<Exclude<ExperimentKind, 'train'>, string> = {
  trends: 'trends.json',
  seeds: 'seeds.json',
  grid: 'grid.json',
  reuse: 'reuse.json',
};

/** The kind of run or experiment DIR holds, by the files each command writes first. */
export function kindOf(dir: string): ExperimentKind {
  const has = (...parts: string[]) => fs.existsSync(path.join(dir, ...parts));
  if (!fs.existsSync(dir)) throw new InputError('out', `directory ${dir} does not exist`, dir);
  if (!fs.statSync(dir).isDirectory()) throw new InputError('out', `${dir} is a file, not a run or experiment directory`, dir);
  if (has(RUN_FILE)) return 'train';
  const record = readExperimentRecord(dir);
  if (record) return record.experiment;
  // Folders of an mwt from before experiment.json, by the files each command writes. (A modular
  // run beside a standard one alone is not enough: the demo's folder holds those too.)
  if (has(RESULT_FILE.trends) || has('sizes') || has('standard.log')) return 'trends';
  if (seedDirs(dir).length > 0) return 'seeds';
  if (has(RESULT_FILE.reuse) || has(PARTS_DIR)) return 'reuse';
  throw new InputError(
    'out',
    `${dir} holds no mwt run or experiment (expected run.json, experiment.json, trends.json, seed-S/ or reuse.json in it, or folders that hold them)`,
    dir,
  );
}

/** How many training runs the seeds or grid experiment in `dir` makes, from its experiment.json; null without one. */
function plannedRunsOf(dir: string): number | null {
  const record = readExperimentRecord(dir);
  const count = (key: string) => {
    const value = record?.options[key];
    return Array.isArray(value) ? value.length : null;
  };
  const [seeds, alphas, betas] = [count('seeds'), count('alpha'), count('beta')];
  if (seeds == null) return null;
  if (record?.experiment !== 'grid') return seeds;
  return alphas == null || betas == null ? null : alphas * betas * seeds;
}

/** The training runs of `mwt experiment grid` (aA-bB-sS), in name order. */
function gridRunDirs(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /^a.+-b.+-s-?\d+$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/** The sub-task model reused from each run (RUN-reuse, by `mwt experiment seeds` and `grid --classes`), built or not. */
const reusesOf = (runDirs: string[]) =>
  runDirs.map((d) => ({ dir: `${d}-reuse`, built: fs.existsSync(path.join(`${d}-reuse`, SUMMARY_FILE)) }));

/** The training runs of `mwt experiment seeds`, seed-0, seed-1, ... in seed order. */
function seedDirs(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /^seed-\d+$/.test(name))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((name) => path.join(dir, name));
}

export function runProgress(dir: string): RunProgress {
  const info = readRunInfo(dir);
  const metricsFile = path.join(dir, 'metrics.jsonl');
  const metrics = fs.existsSync(metricsFile) ? (readLines(metricsFile, EPOCH_METRICS_FORMAT) as { epoch: number; seconds: number }[]) : [];
  const epochs = info.options.epochs;
  const finished = trainedTo(dir, epochs);
  const epochsDone = metrics.at(-1)?.epoch ?? 0;
  const recent = metrics.slice(-3).map((m) => m.seconds);
  const secondsPerEpoch = recent.length > 0 ? median(recent) : null;
  const left = Math.max(0, epochs - epochsDone);
  return {
    dir,
    model: info.spec.name,
    width: info.spec.width ?? 1,
    dataset: info.dataset,
    standard: info.standard,
    epochsDone,
    epochs,
    finished,
    secondsPerEpoch,
    secondsLeft: finished ? 0 : secondsPerEpoch == null ? null : left * secondsPerEpoch,
  };
}

export function modulesProgress(run: string): ModulesProgress {
  const built = modulesAreCurrent(run);
  const file = path.join(run, MODULES_DIR, MODULES_FILE);
  return { run, built, threshold: built ? readJson<{ threshold: number }>(file, 'modules').threshold : null };
}

export function sweepProgress(dir: string): SweepProgress {
  const file = path.join(dir, RESULT_FILE.reuse);
  const running = (SubtaskQueue.open<unknown>(path.join(dir, PARTS_DIR))?.running() ?? [])
    .filter((claim) => isAlive(claim) !== false)
    .map((claim) => ({ classes: claim.classes, since: Date.parse(claim.since) }));
  if (!fs.existsSync(file)) return { dir, finished: 0, planned: null, complete: false, secondsPerSubtask: null, running };
  const sweep = readJson<Pick<ExperimentReuseResult, 'complete' | 'subtasks'> & { planned?: number }>(file, 'reuse experiment');
  const seconds = sweep.subtasks.map((s) => s.seconds);
  return {
    dir,
    finished: sweep.subtasks.length,
    planned: sweep.planned ?? (sweep.complete ? sweep.subtasks.length : null),
    complete: sweep.complete === true,
    secondsPerSubtask: seconds.length > 0 ? median(seconds) : null,
    running,
  };
}

/** The newest modification time of any file under `dir` (ms); null when there is none. */
function newestFile(dir: string): number | null {
  let newest: number | null = null;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    const t = entry.isDirectory() ? newestFile(file) : entry.isFile() ? mtimeOf(file) : null;
    if (t != null && (newest == null || t > newest)) newest = t;
  }
  return newest;
}

/** Whether `file` (an experiment's result) is newer than everything it was made from. */
function resultIsCurrent(file: string, runs: RunProgress[], sweeps: SweepProgress[]): boolean {
  const made = Math.max(...runs.map((r) => modelTimeOf(r.dir)), ...sweeps.map((s) => mtimeOf(path.join(s.dir, RESULT_FILE.reuse))));
  return mtimeOf(file) >= made && runs.every((r) => r.finished) && sweeps.every((s) => s.complete);
}

/** Where and how far the run or experiment in `out` is; `kind` when the caller has read it already. */
export function experimentStatus(out: string, kind: ExperimentKind = kindOf(out)): ExperimentStatus {
  const status: ExperimentStatus = {
    out,
    kind,
    complete: false,
    runs: [],
    modules: [],
    sweeps: [],
    reuses: [],
    inUse: [],
    plannedRuns: null,
    lastWritten: newestFile(out),
  };
  const join = (...parts: string[]) => path.join(out, ...parts);
  const trainingRuns = (dirs: string[]) => dirs.filter((d) => fs.existsSync(path.join(d, RUN_FILE))).map(runProgress);
  switch (kind) {
    case 'train':
      status.runs = [runProgress(out)];
      if (!status.runs[0]!.standard) status.modules = [modulesProgress(out)];
      status.complete = status.runs[0]!.finished;
      if (!status.complete) status.resumeCommand = resumeCommand(out);
      return withMarks(status);
    case 'trends':
      status.runs = trainingRuns([join('modular'), join('standard')]);
      status.modules = status.runs.filter((r) => !r.standard).map((r) => modulesProgress(r.dir));
      status.sweeps = [sweepProgress(join('sizes'))];
      break;
    case 'seeds': {
      const seeds = seedDirs(out);
      status.runs = trainingRuns(seeds);
      status.modules = status.runs.map((r) => modulesProgress(r.dir));
      status.reuses = reusesOf(seeds);
      status.plannedRuns = plannedRunsOf(out);
      break;
    }
    case 'grid':
      status.runs = trainingRuns(gridRunDirs(out));
      status.modules = status.runs.map((r) => modulesProgress(r.dir));
      // With --classes, each run's sub-task model (OUT/aA-bB-sS-reuse).
      if (readExperimentRecord(out)?.options.classes != null) status.reuses = reusesOf(status.runs.map((r) => r.dir));
      status.plannedRuns = plannedRunsOf(out);
      break;
    case 'reuse':
      status.sweeps = [sweepProgress(out)];
      break;
  }
  status.complete = resultIsCurrent(join(RESULT_FILE[kind]), status.runs, status.sweeps);
  if (!status.complete) status.resumeCommand = continueCommand(out) ?? undefined;
  return withMarks(status);
}

/** The in-use marks on DIR and on the runs and sweeps in it (io/in_use.ts), each directory once. */
function withMarks(status: ExperimentStatus): ExperimentStatus {
  const dirs = new Set([status.out, ...status.runs.map((r) => r.dir), ...status.sweeps.map((s) => s.dir)]);
  // inUse reads no mark (null) where a directory or its mark is missing.
  status.inUse = [...dirs].flatMap((dir) => {
    const mark = inUse(dir);
    return mark ? [{ dir, ...mark }] : [];
  });
  return status;
}

/**
 * Settings a rerun may leave out or change (the defaults take over), how a command prints, and
 * --out, given apart.
 */
const NOT_REPEATED = new Set(['out', 'resume', 'overwrite', 'quiet', 'json', 'verbose', 'worker', 'backend', 'threads', 'workers']);

/**
 * `words` with --out `dir` and each of `options` (a command's resolved settings) that differs from
 * its default, shell-quoted; `isDefault` names values a flag's absence gives besides its default.
 */
function commandLine(
  words: string[],
  dir: string,
  options: Record<string, unknown>,
  shape: Record<string, z.ZodType>,
  isDefault: (key: string, value: unknown) => boolean = () => false,
): string {
  const values: Record<string, unknown> = { out: dir };
  for (const [key, value] of Object.entries(options)) {
    const schema = shape[key];
    // Settings with no flag (momentum) can only have been their default.
    if (schema == null || optionHelp(schema) == null || NOT_REPEATED.has(key) || value === undefined) continue;
    if (isDeepStrictEqual(defaultOf(schema), value) || isDefault(key, value)) continue;
    values[key] = value;
  }
  return [...words, ...optionArgs(values, shape)].map(shellQuote).join(' ');
}

/**
 * `mwt train` refuses to continue a run unless given the settings it started with; this is that
 * command, from run.json: each recorded setting that differs from its default, and --resume.
 */
export function resumeCommand(dir: string): string {
  const options = readRunInfo(dir).options as Record<string, unknown>;
  // augment: true is what a colour dataset gets without the flag (only --no-augment exists).
  return (
    commandLine(['mwt', 'train'], dir, options, trainOptionsSchema.shape, (key, value) => key === 'augment' && value === true) + ' --resume'
  );
}

const EXPERIMENT_SHAPE: Record<ExperimentName, Record<string, z.ZodType>> = {
  trends: experimentTrendsOptionsSchema.shape,
  seeds: experimentSeedsOptionsSchema.shape,
  grid: experimentGridOptionsSchema.shape,
  reuse: experimentReuseOptionsSchema.shape,
};

/** The command that continues the experiment in `dir`, from its experiment.json; null without one. */
export function continueCommand(dir: string): string | null {
  const record = readExperimentRecord(dir);
  return record && commandLine(['mwt', 'experiment', record.experiment], dir, record.options, EXPERIMENT_SHAPE[record.experiment]);
}

/** An argument as a POSIX shell reads it back: bare when plain, else in single quotes. */
function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return "'" + arg.split("'").join("'\\''") + "'";
}

/** "3 h 12 min", "14 min", "4 min 25 s", "40 s": seconds only where they are worth reading. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * How long without a file written before a run that is not complete looks stopped: three of its
 * slowest steps (an epoch, a sub-task), and at least ten minutes (modularizing writes nothing
 * until it is done).
 */
export function quietLimitSeconds(status: ExperimentStatus): number {
  const steps = [
    ...status.runs.filter((r) => !r.finished).map((r) => r.secondsPerEpoch ?? 0),
    ...status.sweeps.filter((s) => !s.complete).map((s) => s.secondsPerSubtask ?? 0),
  ];
  return Math.max(600, 3 * Math.max(0, ...steps));
}

const COMMAND: Record<ExperimentKind, string> = {
  train: 'mwt train',
  trends: 'mwt experiment trends',
  seeds: 'mwt experiment seeds',
  grid: 'mwt experiment grid',
  reuse: 'mwt experiment reuse',
};

/** The time from `since` to `now` (both ms since 1970), in words. */
const elapsed = (since: number, now: number) => formatDuration(Math.max(0, (now - since) / 1000));

/**
 * Complete, running or stopped, in words. A live in-use mark says for certain that a process works
 * on it, and a dead one that it stopped; without marks (runs from before 2026-12-06) only the file
 * times can suggest it.
 */
function stateOf(status: ExperimentStatus, now: number): string {
  if (status.complete) return 'complete';
  const quiet = status.lastWritten == null ? null : Math.max(0, (now - status.lastWritten) / 1000);
  const written = quiet == null ? '' : ` (last written ${formatDuration(quiet)} ago)`;
  const continueHint = status.resumeCommand
    ? `Continue it with: ${status.resumeCommand}`
    : `Run the same ${COMMAND[status.kind]} command again to continue`;
  const describe = (m: ExperimentStatus['inUse'][number]) =>
    `${m.command}${m.dir === status.out ? '' : ` in ${m.dir}`} (process ${m.pid}${m.alive === null ? ` on ${m.host}` : ''}, for ${elapsed(Date.parse(m.since), now)})`;
  // A process that marked DIR and a run inside it (trends trains its modular run itself) is named once.
  const processes = status.inUse.filter((m, i, all) => all.findIndex((o) => o.pid === m.pid && o.host === m.host) === i);
  const marked = (alive: boolean | null) => processes.filter((m) => m.alive === alive).map(describe);
  if (marked(true).length > 0) return `running: ${marked(true).join(', ')}${written}`;
  if (marked(null).length > 0)
    return `marked as running on another host, which cannot be checked from here: ${marked(null).join(', ')}${written}`;
  if (marked(false).length > 0) return `not complete, and stopped: ${marked(false).join(', ')} ended without finishing. ${continueHint}`;
  if (quiet != null && quiet > quietLimitSeconds(status))
    return `not complete, and nothing written for ${formatDuration(quiet)}: stopped? ${continueHint}`;
  return `in progress${written}`;
}

/** The status as lines for a terminal; `now` in ms since 1970. */
export function formatExperimentStatus(status: ExperimentStatus, now: number): string {
  const lines: string[] = [];
  const state = stateOf(status, now);
  lines.push(`${status.out}: ${COMMAND[status.kind]}, ${state}`);
  if (status.plannedRuns != null && status.runs.length < status.plannedRuns)
    lines.push(`  training runs: ${status.runs.length} of ${status.plannedRuns} started`);
  for (const r of status.runs) {
    const pace = r.secondsPerEpoch == null ? '' : `, ${formatDuration(r.secondsPerEpoch)} an epoch`;
    const left = r.finished || r.secondsLeft == null ? '' : `, about ${formatDuration(r.secondsLeft)} left`;
    lines.push(
      `  ${r.standard ? 'standard' : 'modular'} ${r.model} w${r.width} on ${r.dataset} (${r.dir}): ${
        r.finished ? `trained, ${r.epochs} epochs` : `epoch ${r.epochsDone} of ${r.epochs} done`
      }${pace}${left}`,
    );
  }
  for (const m of status.modules) lines.push(`  modules of ${m.run}: ${m.built ? `built at threshold ${m.threshold}` : 'not built yet'}`);
  for (const s of status.sweeps) {
    const of = s.planned == null ? '' : ` of ${s.planned}`;
    const pace = s.secondsPerSubtask == null ? '' : `, ${formatDuration(s.secondsPerSubtask)} each`;
    const tasks = s.running.map((r) => `${r.classes.join(',')} (for ${elapsed(r.since, now)})`);
    const running = tasks.length > 0 ? `; fine-tuning now: ${tasks.join(', ')}` : '';
    lines.push(
      `  sub-tasks (${s.dir}): ${s.complete ? `all ${s.finished} finished` : s.planned == null && s.finished === 0 && running === '' ? 'not started' : `${s.finished}${of} finished${pace}${running}`}`,
    );
  }
  if (status.reuses.length > 0)
    lines.push(
      `  sub-task models: ${status.reuses.filter((r) => r.built).length} of ${status.reuses.length} ${status.kind === 'grid' ? 'runs' : 'seeds'} built`,
    );
  return lines.join('\n');
}

/** The kind of run or experiment `dir` holds, or null when it holds none `experimentStatus` reads. */
function kindIfAny(dir: string): ExperimentKind | null {
  try {
    return kindOf(dir);
  } catch {
    return null;
  }
}

/**
 * The status of every run and experiment directly inside `dir` (a folder of runs such as runs/),
 * in name order: what is running and what stopped, at a glance.
 */
export function experimentStatuses(dir: string): ExperimentStatus[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dir, e.name))
    .sort()
    .flatMap((inside) => {
      const kind = kindIfAny(inside);
      return kind ? [experimentStatus(inside, kind)] : [];
    });
}

export type ExperimentStatusInput = z.input<typeof experimentStatusOptionsSchema>;

/**
 * `mwt experiment status`: the status on stdout, as lines or (--json) as JSON. Given a folder of
 * runs rather than one, the first line of each run's status (--json: all of them).
 */
export function experimentStatusCommand(input: ExperimentStatusInput): ExperimentStatus | ExperimentStatus[] {
  const opts = parseOptions(experimentStatusOptionsSchema, input);
  const kind = kindIfAny(opts.out);
  const inside = kind == null && fs.existsSync(opts.out) && fs.statSync(opts.out).isDirectory() ? experimentStatuses(opts.out) : [];
  // A directory that is neither (nor a folder of them) gets kindOf's error here.
  const result = inside.length > 0 ? inside : experimentStatus(opts.out, kind ?? undefined);
  const now = Date.now();
  const text = Array.isArray(result)
    ? result.map((s) => formatExperimentStatus(s, now).split('\n')[0]).join('\n')
    : formatExperimentStatus(result, now);
  process.stdout.write((opts.json ? JSON.stringify(result, null, 2) : text) + '\n');
  return result;
}
