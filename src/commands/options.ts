/**
 * The options of every command but `mwt train` (src/train/options.ts), declared once: each field
 * is the zod schema the command validates with, carrying its --help line (src/cli/options.ts);
 * scripts/cli*.ts derive the flags, value parsers and defaults from these. tfjs-free.
 */
import { z } from 'zod';
import { DEFAULT_WIDTH, MODEL_NAMES } from '../../models/names.js';
import { backendOption, jsonOption, option, runDataDirOption, thresholdSchema, thresholdsOption, widthSchema } from '../cli/options.js';
import { parseClassList, parseModuleList, parseNumberList, parseSeedList, parseSizeRange, parseThresholds } from '../cli/parse.js';
import { BN_STATISTICS, DEFAULT_REUSE, EPOCH_SELECTIONS, HEAD_INITS } from '../reuse/defaults.js';
import { DEFAULT_BN_STATISTICS } from '../modularize/bn_statistics_options.js';
import { REPLACE_RULES } from '../modules/replace_rules.js';
import { trainOptionsSchema } from '../train/options.js';

const runDir = (help: string) => option(z.string().min(1, 'expected a run directory'), { help });
const outDir = option(z.string().min(1, 'expected an output directory'), { help: 'output directory' });
/** The module repository of `mwt modules`, `replace` and `compose`. */
const repoOption = option(z.string().min(1, 'expected a directory').optional(), {
  help: 'module repository (default: $MWT_REPO, else ~/.mwt/modules)',
});

// --- mwt modularize

export const modularizeOptionsSchema = z.object({
  run: runDir('run directory written by mwt train'),
  /** One threshold, or a list to sweep (paper RQ4). */
  threshold: thresholdsOption,
  keepGenerators: option(z.boolean().default(false), {
    help: 'keep the mask generators in the modules (exactly the modular computation)',
  }),
  /** Fold each class's mean masks into its module's batch norm (ignored with generators kept). */
  foldMasks: option(z.boolean().default(true), {
    help: "modules without their class's mean masks folded into batch norm (the paper's plain pruning)",
    negate: true,
  }),
  bnStatistics: option(z.enum(BN_STATISTICS).default(DEFAULT_BN_STATISTICS), {
    help: "what each module's batch norms are matched to: the modular network's mean-variance or mean on 512 class-balanced training images, or none",
  }),
  batchSize: option(z.number().int().positive().default(256), { help: 'inference batch size' }),
  /** The dataset directory, when not the one recorded in the run. */
  dataDir: runDataDirOption,
  /** Print the report as JSON on stdout instead of the table. */
  json: jsonOption,
  backend: backendOption,
});

// --- mwt reuse and mwt experiment reuse

/** Options shared by `mwt reuse` and `mwt experiment reuse`: the run, where the result goes and how to fine-tune. */
export const reuseSharedFields = {
  run: runDir('modular run directory written by mwt train'),
  epochs: option(z.number().int().nonnegative().default(DEFAULT_REUSE.epochs), {
    help: "fine-tuning epochs (0: none; the sub-task model is then the mixed module's own logits of the classes)",
  }),
  threshold: option(thresholdSchema.default(DEFAULT_REUSE.threshold), { help: 'module threshold in (0,1]', arg: '<tau>' }),
  lr: option(z.number().positive().default(DEFAULT_REUSE.lr), { help: 'fine-tuning learning rate (cosine-annealed)' }),
  batchSize: option(z.number().int().positive().default(DEFAULT_REUSE.batchSize), { help: 'fine-tuning batch size' }),
  headInit: option(z.enum(HEAD_INITS).default(DEFAULT_REUSE.headInit), {
    help: "the new head's start: classes (the targets' own logits) or random (the paper's)",
  }),
  bnStatistics: option(z.enum(BN_STATISTICS).default(DEFAULT_REUSE.bnStatistics), {
    help: "what the pruned network's batch norms are matched to before fine-tuning: the modular network's mean-variance or mean on the sub-task's images, or none",
  }),
  seed: option(z.number().int().default(DEFAULT_REUSE.seed), { help: 'random seed' }),
  dataDir: runDataDirOption,
  out: outDir,
  validationFraction: z
    .number()
    .gt(0, 'expected a number in (0, 1)')
    .lt(1, 'expected a number in (0, 1)')
    .default(DEFAULT_REUSE.validationFraction),
  selectBy: option(z.enum(EPOCH_SELECTIONS).default(DEFAULT_REUSE.selectBy), {
    help: 'what chooses the fine-tuning epoch on the validation split: loss (its cross-entropy) or accuracy',
  }),
  backend: backendOption,
  /** Print the result as JSON on stdout. */
  json: jsonOption,
};

export const reuseOptionsSchema = z.object({
  /** Target classes; their order is the order of the sub-task model's outputs. */
  classes: option(z.array(z.number().int('expected integer class numbers')).min(2, 'expected at least two classes'), {
    help: 'target classes, e.g. 0,3',
    arg: '<list>',
    parse: () => (v) => parseClassList(v),
  }),
  ...reuseSharedFields,
  standardRun: option(z.string().min(1).optional(), { help: 'a standard run, for its accuracy on the same classes (M-ACC)' }),
  /** Timed predict calls per batch size (after 2 warm-up calls); 0 skips latency. */
  latencyRepeats: option(z.number().int().min(0).default(10), { help: 'timed runs per batch size (0: skip latency)' }),
});

/** --sizes as parseSizeRange reads it: [2, 5] -> '2-5'. */
const formatSizeRange = ([lo, hi]: [number, number]) => `${lo}-${hi}`;

/** [smallest, largest] sub-task size, inclusive (mwt experiment reuse and trends). */
const sizeRangeSchema = z
  .tuple([z.number().int(), z.number().int()])
  .refine(([a, b]) => a >= 2 && b >= a, 'expected MIN-MAX with 2 <= MIN <= MAX, e.g. 2-5');

export const experimentReuseOptionsSchema = z.object({
  standardRun: option(z.string().min(1, 'expected a standard run directory').optional(), {
    help: "standard run for M-ACC (without one, M-ACC and the loss are left out: '-' in the tables)",
  }),
  sizes: option(sizeRangeSchema, {
    help: 'sub-task sizes, e.g. 2-9',
    arg: '<min-max>',
    parse: () => (v) => parseSizeRange(v),
    format: formatSizeRange,
  }),
  perSize: option(z.number().int().positive().default(10), { help: 'random class subsets per size' }),
  ...reuseSharedFields,
  /** Timed predict calls per batch size for each sub-task model; 0 (default) skips latency. */
  latencyRepeats: z.number().int().min(0).default(0),
  parallel: option(z.boolean().default(false), {
    help: 'fine-tune two sub-tasks at a time, the second process taking the next one free (log: OUT/worker.log); more throughput on 2+ cores',
  }),
  worker: option(z.boolean().default(false), {
    help: 'the second process of --parallel: takes free sub-tasks from OUT/parts, leaves their results there',
    hidden: true,
  }),
});

// --- mwt experiment trends

const train = trainOptionsSchema.shape;
/**
 * The training settings an experiment runner passes on to each of its `mwt train` runs (with the
 * model, data and backend; src/commands/experiment_steps.ts TRAINING_SETTINGS).
 */
export const experimentTrainingFields = {
  epochs: train.epochs,
  width: train.width,
  classifierInit: train.classifierInit,
  alpha: train.alpha,
  beta: train.beta,
  maskLrFactor: train.maskLrFactor,
  maskLossMean: train.maskLossMean,
  weightDecay: train.weightDecay,
  maskWeightDecay: train.maskWeightDecay,
  batchSize: train.batchSize,
  lr: train.lr,
  limit: train.limit,
};

/** What every training experiment starts with: the model, the data, and OUT (`holds`: what OUT holds). */
const experimentHeadFields = (holds: string) => ({
  model: train.model,
  dataset: train.dataset,
  dataDir: train.dataDir,
  out: option(z.string().min(1, 'expected an output directory'), { help: `experiment directory (${holds}); rerun to continue` }),
});

/** --seeds of the experiments that train at several seeds. */
const seedListOption = (fallback: number[], help: string) =>
  option(z.array(z.number().int()).min(1, 'expected at least one seed').default(fallback), {
    help,
    arg: '<list>',
    parse: () => (v) => parseSeedList(v),
  });

/** The swept thresholds of the paper's RQ4 (0.9 is the one modules are built for). */
export const TREND_THRESHOLDS = [0.1, 0.3, 0.5, 0.7, 0.9];

export const experimentTrendsOptionsSchema = z.object({
  ...experimentHeadFields('modular/, standard/, sizes/, trends.md, trends.json'),
  ...experimentTrainingFields,
  seed: train.seed,
  augment: train.augment,
  threshold: option(z.array(thresholdSchema).min(1, 'expected at least one threshold').default(TREND_THRESHOLDS), {
    help: 'thresholds to sweep (comma-separated); modules are built for 0.9 when listed',
    arg: '<taus>',
    parse: () => (v) => [parseThresholds(v)].flat(),
  }),
  sizes: option(sizeRangeSchema.default([2, 5]), {
    help: 'sub-task sizes to reuse',
    arg: '<min-max>',
    parse: () => (v) => parseSizeRange(v),
    format: formatSizeRange,
  }),
  perSize: option(z.number().int().positive().default(3), { help: 'random class subsets per size' }),
  standardRun: option(z.string().min(1, 'expected a run directory').optional(), {
    help: 'a finished standard run to hold the modular model to, instead of training OUT/standard (same settings; alpha, beta and the mask rate do not matter)',
    arg: '<dir>',
  }),
  reuseEpochs: option(z.number().int().positive().default(DEFAULT_REUSE.epochs), { help: 'fine-tuning epochs of each sub-task' }),
  parallel: option(z.boolean().default(false), {
    help: 'train the standard run in a second process beside the modular one (log: OUT/standard.log), then fine-tune two sub-tasks at a time (log: OUT/sizes/worker.log); more throughput on 2+ cores',
  }),
  backend: backendOption,
  json: jsonOption,
});

// --- mwt experiment seeds

/** The issue-15 figures a run is held to: higher accuracy and reuse are better, lower KRR and coupling. */
export const REFERENCE_FIGURES = ['accuracy', 'kernelRetentionRate', 'coupling', 'reuseAccuracy'] as const;

/** The classes of the sub-task `mwt experiment seeds` and `grid` reuse from every run. */
const classListSchema = z.array(z.number().int()).min(2, 'expected at least two classes');
const classListArg = { arg: '<list>', parse: () => (v: string) => parseClassList(v) };
const reuseEpochsOption = option(z.number().int().positive().default(DEFAULT_REUSE.epochs), { help: 'fine-tuning epochs of the sub-task' });

export const experimentSeedsOptionsSchema = z.object({
  ...experimentHeadFields('seed-S/, seed-S-reuse/, seeds.md, seeds.json'),
  seeds: seedListOption([0, 1, 2], 'training seeds (comma-separated)'),
  ...experimentTrainingFields,
  augment: train.augment,
  threshold: option(thresholdSchema.default(DEFAULT_REUSE.threshold), { help: 'module threshold in (0,1]', arg: '<tau>' }),
  classes: option(classListSchema.default([0, 1]), { help: 'classes of the reused sub-task', ...classListArg }),
  reuseEpochs: reuseEpochsOption,
  reference: option(z.array(z.number()).length(4, 'expected four numbers: accuracy,KRR,coupling,reuse accuracy').optional(), {
    help: 'figures to hold each seed to: accuracy,KRR,coupling,reuse accuracy (e.g. 0.873,0.705,0.647,0.994)',
    arg: '<list>',
    parse: () => (v) => v.split(',').map((x) => (x.trim() === '' ? NaN : Number(x))),
  }),
  parallel: option(z.boolean().default(false), {
    help: 'train, then modularize, two seeds at a time, the second in another process (log: OUT/seed-S.log); more throughput on 2+ cores',
  }),
  backend: backendOption,
  json: jsonOption,
});

// --- mwt experiment grid

/** A list of loss weights to sweep (the grid's --alpha and --beta), each as `mwt train` takes it. */
const weightList = (flag: string, what: string, sweep: number[]) =>
  option(z.array(z.number().min(0, `expected weights >= 0`)).min(1, 'expected at least one weight').default(sweep), {
    help: `${what} to sweep (comma-separated)`,
    arg: '<list>',
    parse: () => (v) => parseNumberList(v, flag, `weights such as ${sweep.join(',')}`),
  });

/** The paper's Figure 6: alpha over these at beta 1.5, then beta over BETA_SWEEP at alpha 0.5. */
export const ALPHA_SWEEP = [0.3, 0.5, 0.7, 0.9];
export const BETA_SWEEP = [1.2, 1.5, 1.7, 2.0];

export const experimentGridOptionsSchema = z.object({
  ...experimentHeadFields('aA-bB-sS/ per run, grid.md, grid.json, report.html'),
  ...experimentTrainingFields,
  alpha: weightList('--alpha', 'cohesion loss weights', ALPHA_SWEEP),
  beta: weightList('--beta', 'coupling loss weights', [1.5]),
  seeds: seedListOption([0], 'training seeds (comma-separated); each point is trained at every seed'),
  augment: train.augment,
  threshold: option(thresholdSchema.default(DEFAULT_REUSE.threshold), { help: 'module threshold in (0,1]', arg: '<tau>' }),
  classes: option(classListSchema.optional(), {
    help: "a sub-task reused from every run (OUT/aA-bB-sS-reuse); its model's accuracy and the FLOPs it saves join the grid's figures",
    ...classListArg,
  }),
  reuseEpochs: reuseEpochsOption,
  parallel: option(z.boolean().default(false), {
    help: 'train, then modularize, two runs at a time, the second in another process (log: OUT/RUN.log); more throughput on 2+ cores',
  }),
  backend: backendOption,
  json: jsonOption,
});

// --- mwt experiment status

export const experimentStatusOptionsSchema = z.object({
  out: option(z.string().min(1, 'expected a directory'), {
    help: 'a training run, the OUT of mwt experiment trends, seeds, grid or reuse, or a folder of them (one line each)',
    arg: '<dir>',
  }),
  json: jsonOption,
});

// --- mwt report

const collect = (value: string, previous: unknown) => [...((previous as string[] | undefined) ?? []), value];
/** As `collect`, a comma-separated value giving several paths. */
const collectList = (value: string, previous: unknown) => [
  ...((previous as string[] | undefined) ?? []),
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
];
const paths = z.union([z.string().min(1), z.array(z.string().min(1))]).optional();

export const reportOptionsSchema = z.object({
  /** Run directory written by `mwt train` (modular run, usually). */
  run: option(z.string().min(1), { help: 'run directory written by mwt train' }),
  /** A standard run of the same model and data, drawn beside the modular curves. */
  standardRun: option(z.string().min(1).optional(), { help: 'a standard run to draw beside the modular one' }),
  /** Runs drawn beside RUN, one line each (paper Fig. 6): directories written by mwt train. */
  compare: option(paths, {
    help: 'another run to draw beside RUN, one line each (repeatable, or comma-separated)',
    arg: '<dir>',
    parse: () => collectList,
  }),
  /** RUN and the --compare runs that differ only in their seed drawn as one line, their per-epoch mean. */
  meanOverSeeds: option(z.boolean().default(false), {
    help: 'draw RUN and the --compare runs that differ only in their seed as one line, their per-epoch mean',
  }),
  /** Reuse results besides RUN/reuse*: directories holding summary.json / reuse.json, or JSON files. */
  reuse: option(z.union([z.string().min(1), z.array(z.string().min(1))]).optional(), {
    help: 'reuse output directory or JSON (repeatable)',
    arg: '<path>',
    parse: () => collect,
  }),
  /** Outputs of `mwt replace`: directories holding summary.json, or the file. */
  replace: option(paths, { help: 'mwt replace output directory (repeatable, or comma-separated)', arg: '<dir>', parse: () => collectList }),
  /** Outputs of `mwt compose`: directories holding summary.json, or the file. */
  compose: option(paths, { help: 'mwt compose output directory (repeatable, or comma-separated)', arg: '<dir>', parse: () => collectList }),
  /** A module repository whose modules the report lists (no default: listed only when given). */
  repo: option(z.string().min(1, 'expected a directory').optional(), { help: 'module repository to list (mwt modules add)', arg: '<dir>' }),
  /** Output file (default RUN/report.html); an existing directory gets report.html inside. */
  out: option(z.string().min(1).optional(), { help: 'output file (default RUN/report.html)', arg: '<file>' }),
  /** The --compare runs also as Markdown tables (summary, then each measure at a few epochs). */
  markdown: option(z.string().min(1, 'expected a file').optional(), {
    help: 'also write the --compare runs as Markdown tables to this file',
    arg: '<file>',
  }),
});

// --- mwt bench

export const benchOptionsSchema = z.object({
  model: option(z.enum(MODEL_NAMES), { help: `zoo model: ${MODEL_NAMES.join(', ')}` }),
  width: option(widthSchema.default(DEFAULT_WIDTH), { help: 'channel multiplier' }),
  batchSize: option(z.number().int().positive().default(64), { help: 'batch size' }),
  /** Timed steps per form; the median is reported. */
  steps: option(z.number().int().min(1).default(5), { help: 'timed steps per form (median reported)' }),
  /** Untimed steps before timing. */
  warmup: option(z.number().int().min(0).default(2), { help: 'untimed steps first' }),
  /** Also write the result to this JSON file (here --json names a file, not the common flag). */
  json: option(z.string().min(1).optional(), { help: 'also write the result to this JSON file', arg: '<file>' }),
  /**
   * wasm threads per replica (1 = tfjs' single-threaded build). Default as `mwt train`: one per
   * core without workers, else 1; MWT_WASM_THREADS overrides the default.
   */
  threads: option(z.number().int().min(1).max(8).optional(), { help: 'wasm threads per replica (default as mwt train)' }),
  /** Data-parallel replicas (main thread + workers, one core each). Default as `mwt train`. */
  workers: option(z.number().int().min(1).max(16).optional(), { help: 'data-parallel replicas, one core each (default as mwt train)' }),
  backend: backendOption,
});

// --- mwt serve

export const DEFAULT_PORT = 8080;
/** Loopback by default: the page and the modules are for this machine unless --host says otherwise. */
export const DEFAULT_HOST = '127.0.0.1';

export const serveOptionsSchema = z.object({
  run: option(z.string().min(1).optional(), { help: 'a run cut into modules by mwt modularize' }),
  repo: option(z.string().min(1).optional(), { help: 'a module repository (mwt modules add)' }),
  port: option(z.number().int().default(DEFAULT_PORT), { help: 'TCP port (0: any free port)' }),
  host: option(z.string().min(1).default(DEFAULT_HOST), { help: 'address to listen on (default: loopback only)', arg: '<address>' }),
  /** The built page (default: the package's dist/web). */
  appDir: z.string().min(1).optional(),
  backend: backendOption,
  json: jsonOption,
});

// --- mwt modules, replace, compose

/** Options every `mwt modules` subcommand takes. */
export const modulesCommonFields = { repo: repoOption, json: jsonOption };

export const searchOptionsSchema = z.object({
  dataset: option(z.string().min(1).optional(), { help: 'dataset the module was trained on', arg: '<name>' }),
  class: option(
    z.union([z.number().int().min(0, 'expected a class number or name'), z.string().min(1, 'expected a class number or name')]).optional(),
    { help: 'class name (case-insensitive) or number', arg: '<name|k>', parse: () => (v) => v },
  ),
  model: option(z.string().min(1).optional(), { help: 'zoo model', arg: '<name>' }),
  maxFlops: option(z.number().positive('expected a positive number').optional(), { help: 'at most this many MACs per sample', arg: '<f>' }),
  minF1: option(z.number().min(0, 'expected a number in [0, 1]').max(1, 'expected a number in [0, 1]').optional(), {
    help: 'at least this test F1 for the class (every class without --class)',
  }),
  ...modulesCommonFields,
});

export const replaceOptionsSchema = z.object({
  run: runDir('the weak run (written by mwt train)'),
  class: option(z.number().int('expected a class number').min(0, 'expected a class number'), { help: 'the class to replace', arg: '<k>' }),
  module: option(z.string().min(1, 'expected a module id or directory'), {
    help: 'module id in the repository, or a module directory',
    arg: '<id|dir>',
  }),
  out: outDir,
  rule: option(z.enum(REPLACE_RULES).default('calibrated'), {
    help: 'how the module decides class K',
    arg: '<rule>',
    commanderChoices: true,
  }),
  dataDir: runDataDirOption,
  repo: repoOption,
  backend: backendOption,
  json: jsonOption,
});

export const composeOptionsSchema = z.object({
  modules: option(z.array(z.string().min(1)).min(2, 'expected at least two module ids, comma-separated'), {
    help: 'comma-separated module ids (or directories)',
    arg: '<list>',
    parse: () => parseModuleList,
  }),
  out: outDir,
  pick: option(z.enum(['best-f1']).optional(), {
    help: 'choose among several modules of one class',
    arg: '<rule>',
    commanderChoices: true,
  }),
  calibrate: option(z.boolean().default(false), { help: 'fit a scale and offset per module score on training images' }),
  calibrationPerClass: option(z.number().int().positive().default(200), { help: 'training images per class for --calibrate' }),
  dataDir: option(z.string().min(1).optional(), { help: 'dataset directory, when not the one recorded in the modules' }),
  repo: repoOption,
  backend: backendOption,
  json: jsonOption,
});
