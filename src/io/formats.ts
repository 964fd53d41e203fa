/**
 * The files mwt writes and reads back, declared once: run.json, metrics.jsonl (one epoch per
 * line), a checkpoint's state.json and the run's checkpoint.json pointer, modules.json, and the
 * summary.json of train, reuse, replace and compose (modularize's summary is modules.json). Writers, library
 * readers and the report page (src/report/data.ts) all go through these schemas.
 *
 * Each file carries `formatVersion` (each line of metrics.jsonl too). A file without one was
 * written before the field existed and is version 1, which it is; a file of a later version than
 * this code knows is refused, naming the file. Schemas are loose: keys a schema does not list are
 * kept as they are (a report embeds the file as read). Fields that older files or other writers
 * may lack are optional; a writer's own type must fit its schema (writeFormat checks that at
 * compile time).
 */
import * as fs from 'node:fs';
import { z } from 'zod';
import { readJson, writeJsonAtomic } from './atomic.js';

const formatVersion = z.number().int().positive().optional();
const nullableNumber = z.number().nullable();

export interface Format<S extends z.ZodType> {
  /** What the file is, for messages ("run description (written by mwt train)"). */
  what: string;
  /** The version this code writes and the newest it reads. */
  version: number;
  schema: S;
}

const format = <S extends z.ZodType>(what: string, version: number, schema: S): Format<S> => ({ what, version, schema });

// --- run.json (src/train/run_info.ts RunInfo)

export const runInfoSchema = z.looseObject({
  formatVersion,
  spec: z.looseObject({ name: z.string(), numClasses: z.number(), inputShape: z.array(z.number()), width: z.number() }),
  standard: z.boolean(),
  dataset: z.string(),
  dataDir: z.string(),
  limit: z.number().optional(),
  normalization: z.looseObject({ mean: z.array(z.number()), std: z.array(z.number()) }),
  classNames: z.array(z.string()).optional(),
  /** The resolved training options (src/train/options.ts). */
  options: z.record(z.string(), z.unknown()),
});
export const RUN_INFO_FORMAT = format('run description (written by mwt train)', 1, runInfoSchema);

// --- metrics.jsonl (src/train/train.ts EpochMetrics), one line per epoch

export const epochMetricsSchema = z.looseObject({
  formatVersion,
  epoch: z.number(),
  trainAccuracy: z.number(),
  testAccuracy: z.number(),
  ceLoss: z.number(),
  cohesionLoss: nullableNumber.optional(),
  couplingLoss: nullableNumber.optional(),
  kernelRate: nullableNumber.optional(),
  seconds: z.number().optional(),
  imagesPerSecond: z.number().optional(),
  learningRate: z.number().optional(),
});
export const EPOCH_METRICS_FORMAT = format('epoch record', 1, epochMetricsSchema);

/** What a summary was measured on (src/engine/machine.ts Machine). */
export const machineSchema = z.looseObject({ cpu: z.string(), vectorUnits: z.string(), cores: z.number(), node: z.string() });

// --- summary.json of mwt train (src/train/train.ts TrainSummary)

export const trainSummarySchema = z.looseObject({
  formatVersion,
  model: z.string(),
  dataset: z.string(),
  standard: z.boolean().optional(),
  epochs: z.number().optional(),
  backend: z.string().optional(),
  testAccuracy: z.number(),
  kernelRate: nullableNumber.optional(),
  secondsPerEpoch: z.number().optional(),
  imagesPerSecond: z.number().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  machine: machineSchema.optional(),
});
export const TRAIN_SUMMARY_FORMAT = format('training summary', 1, trainSummarySchema);

// --- checkpoints (src/train/checkpoint.ts): RUN/checkpoint.json and CHECKPOINT/state.json

export const checkpointPointerSchema = z.looseObject({ formatVersion, dir: z.string() });
export const CHECKPOINT_POINTER_FORMAT = format('checkpoint pointer', 1, checkpointPointerSchema);

export const checkpointStateSchema = z.looseObject({
  formatVersion,
  /** Epoch in progress (0-based). */
  epoch: z.number().int().min(0),
  /** Steps of that epoch already taken (0 at an epoch boundary). */
  step: z.number().int().min(0),
  /** State of the seeded Math.random that drives weight init, dropout and augmentation. */
  rngState: z.looseObject({}).nullable(),
  /** Running sums of the epoch in progress (see train.ts). */
  partial: z.array(z.number()).nullable(),
});
export const CHECKPOINT_STATE_FORMAT = format('checkpoint state', 1, checkpointStateSchema);

// --- modules.json of mwt modularize (src/modularize/modules_file.ts ModulesReport)

export const moduleEntrySchema = z.looseObject({
  class: z.number(),
  className: z.string().optional(),
  kernelRate: z.number(),
  cohesion: z.number().optional(),
  coupling: z.number().optional(),
  kernels: z.number().optional(),
  kernelsPerLayer: z.record(z.string(), z.number()),
  /** Kept kernel indices per masked conv (full-model numbering): the module's mask. */
  mask: z.record(z.string(), z.array(z.number())).optional(),
  /** Masked convs where modularize lowered the threshold to keep at least one kernel. */
  loweredThresholds: z.record(z.string(), z.number()).optional(),
  layers: z.record(z.string(), z.unknown()).optional(),
  parameters: z.number().optional(),
  flops: z.number().optional(),
  /** The module's directory, relative to RUN/modules. */
  dir: z.string().optional(),
});

export const modulesFileSchema = z.looseObject({
  formatVersion,
  run: z.string().optional(),
  model: z.string().optional(),
  dataset: z.string().optional(),
  threshold: z.number(),
  keepGenerators: z.boolean().optional(),
  /** Modules hold their class's mean masks in their batch norm (absent in files written before). */
  foldedMasks: z.boolean().optional(),
  /** What the modules' batch norms were matched to (absent in files written before 2026-12-05: none). */
  bnStatistics: z.string().optional(),
  kernelRetentionRate: z.number(),
  cohesion: z.number(),
  coupling: z.number(),
  seconds: z.number().optional(),
  /** All masked kernels of the model (a number), or per masked conv. */
  maskedKernels: z.union([z.number(), z.record(z.string(), z.number())]).optional(),
  /** Per masked conv in model order, with its full kernel count. */
  layers: z.array(z.looseObject({ name: z.string(), kernels: z.number() })).optional(),
  modules: z.array(moduleEntrySchema),
});
export const MODULES_FORMAT = format('modules report (written by mwt modularize)', 1, modulesFileSchema);

// --- summary.json of mwt reuse (src/reuse/reuse.ts ReuseSummary)

const latencySchema = z.looseObject({ batch1: z.number().optional(), batch128: z.number().optional() });
export const reuseSummarySchema = z.looseObject({
  formatVersion,
  run: z.string().optional(),
  standardRun: z.string().optional(),
  model: z.string().optional(),
  dataset: z.string().optional(),
  backend: z.string().optional(),
  classes: z.array(z.union([z.number(), z.string()])),
  classNames: z.array(z.string()).optional(),
  threshold: z.number().optional(),
  kernelRate: z.number().optional(),
  kernels: z.number().optional(),
  flops: z.number().optional(),
  modelFlops: z.number().optional(),
  flopReduction: z.number().optional(),
  modularModelFlops: z.number().optional(),
  parameters: z.number().optional(),
  modelParameters: z.number().optional(),
  restrictedAccuracy: z.number().optional(),
  accuracyBeforeFineTune: z.number().optional(),
  accuracy: z.number(),
  standardModelAccuracy: z.number().optional(),
  latencyMs: z.looseObject({ module: latencySchema.optional(), model: latencySchema.optional() }).optional(),
  latencyRatio: latencySchema.optional(),
  flopRatio: z.number().optional(),
  testSamples: z.number().optional(),
  fineTune: z.looseObject({}).optional(),
  seconds: z.number().optional(),
  machine: machineSchema.optional(),
});
export const REUSE_SUMMARY_FORMAT = format('reuse summary (written by mwt reuse)', 1, reuseSummarySchema);

// --- summary.json of mwt replace (src/modules/replace.ts ReplaceSummary)

/** One-vs-rest quality of one class (src/modules/class_metrics.ts ClassQuality). */
export const classQualitySchema = z.looseObject({
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number(),
  predicted: z.number(),
});
const ruleResultSchema = z.looseObject({ accuracy: z.number(), classK: classQualitySchema });
export const replaceSummarySchema = z.looseObject({
  formatVersion,
  run: z.string(),
  module: z.string(),
  moduleSource: z.string(),
  dataset: z.string(),
  classIndex: z.number(),
  className: z.string(),
  /** The rule saved in the patched model; `after` has every rule's measurement. */
  rule: z.string(),
  testSamples: z.number(),
  fitSamples: z.number(),
  before: ruleResultSchema,
  after: z.record(z.string(), ruleResultSchema),
  constants: z.looseObject({ scoreMin: z.number(), scoreMax: z.number(), scale: z.number(), offset: z.number() }),
  reloaded: z.looseObject({ agreement: z.number(), samples: z.number() }),
  seconds: z.number(),
});
export const REPLACE_SUMMARY_FORMAT = format('replace summary (written by mwt replace)', 1, replaceSummarySchema);

// --- summary.json of mwt compose (src/modules/compose.ts ComposeSummary)

export const composeSummarySchema = z.looseObject({
  formatVersion,
  dataset: z.string(),
  /** The chosen module per class. */
  classes: z
    .array(z.looseObject({ index: z.number(), name: z.string(), module: z.string(), source: z.string(), validationF1: z.number() }))
    .min(1),
  candidates: z.number(),
  calibrated: z.boolean(),
  testSamples: z.number(),
  accuracy: z.number(),
  uncalibratedAccuracy: z.number(),
  perClass: z.array(classQualitySchema.extend({ class: z.number() })),
  calibration: z
    .looseObject({
      scale: z.array(z.number()),
      offset: z.array(z.number()),
      lossBefore: z.number(),
      lossAfter: z.number(),
      samples: z.number(),
    })
    .optional(),
  /** Each source run's whole model restricted to the same classes (null: run not found). */
  sources: z.array(
    z.looseObject({ run: z.string(), model: z.string(), width: z.number(), seed: nullableNumber, restrictedAccuracy: nullableNumber }),
  ),
  versusBestSource: nullableNumber,
  flops: z.number(),
  parameters: z.number(),
  reloaded: z.looseObject({ agreement: z.number(), samples: z.number() }),
  seconds: z.number(),
});
export const COMPOSE_SUMMARY_FORMAT = format('compose summary (written by mwt compose)', 1, composeSummarySchema);

// --- reading and writing

/** A file (or one of its lines) that does not match its format; the message starts with the file. */
export class FormatError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'FormatError';
  }
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.length ? issue.path.join('.') + ': ' : ''}${issue.message}`;
}

/** The file's version: its formatVersion, 1 for files written before the field existed. */
export function versionOf(raw: unknown): number {
  const v = raw != null && typeof raw === 'object' ? (raw as { formatVersion?: unknown }).formatVersion : undefined;
  return typeof v === 'number' ? v : 1;
}

/** Checks parsed JSON against its format; returns it typed, or the problem in one line (`what` names the file's kind). */
export function checkFormat<S extends z.ZodType>(
  fmt: Format<S>,
  raw: unknown,
  what = fmt.what,
): { value: z.output<S>; problem?: undefined } | { value: null; problem: string } {
  const version = versionOf(raw);
  if (version > fmt.version)
    return { value: null, problem: `${what} of format version ${version}, newer than this mwt reads (${fmt.version}); upgrade mwt` };
  const parsed = fmt.schema.safeParse(raw);
  if (!parsed.success) return { value: null, problem: `not a valid ${what} (${describeIssue(parsed.error)})` };
  return { value: parsed.data };
}

/**
 * Parses JSON that must match `fmt`, for a library reader: the value without its formatVersion
 * (the file's business, not the value's: what was written reads back equal). Throws FormatError
 * naming `where`.
 */
export function parseFormat<S extends z.ZodType>(fmt: Format<S>, raw: unknown, where: string): z.output<S> {
  const checked = checkFormat(fmt, raw);
  if (checked.problem != null) throw new FormatError(where, `${where}: ${checked.problem}`);
  return withoutVersion(checked.value as z.output<S>);
}

function withoutVersion<T>(value: T): T {
  if (value == null || typeof value !== 'object' || !('formatVersion' in value)) return value;
  const { formatVersion: _version, ...rest } = value as Record<string, unknown>;
  return rest as T;
}

/** Reads a JSON file of format `fmt` (not found, bad JSON, wrong shape or too new: one line naming the file). */
export function readFormat<S extends z.ZodType>(file: string, fmt: Format<S>): z.output<S> {
  return parseFormat(fmt, readJson<unknown>(file, fmt.what), file);
}

/**
 * What a writer must pass: the schema's input type without the loose schemas' string index
 * signatures (so a writer's interface, which has none, is checked field by field).
 */
export type Writable<T> = T extends (infer U)[]
  ? Writable<U>[]
  : T extends object
    ? string extends keyof T
      ? unknown extends T[string & keyof T]
        ? { [K in keyof T as string extends K ? never : K]: Writable<T[K]> } // a loose object: its declared keys
        : Record<string, Writable<T[string & keyof T]>> // a record
      : { [K in keyof T]: Writable<T[K]> }
    : T;

/** `value` with this format's version first. */
function versioned<S extends z.ZodType>(fmt: Format<S>, value: Writable<z.input<S>>): object {
  return { formatVersion: fmt.version, ...(value as object) };
}

/** Writes `value` (which must fit the format) atomically, with its formatVersion. */
export function writeFormat<S extends z.ZodType>(file: string, fmt: Format<S>, value: Writable<z.input<S>>): void {
  writeJsonAtomic(file, versioned(fmt, value));
}

/** One line of a JSON-lines file of format `fmt` (metrics.jsonl), with its formatVersion. */
export function formatLine<S extends z.ZodType>(fmt: Format<S>, value: Writable<z.input<S>>): string {
  return JSON.stringify(versioned(fmt, value));
}

/**
 * Every record of a JSON-lines file, blank lines ignored; [] when the file does not exist.
 * Throws FormatError naming the file and line. `keepVersion`: records as written, formatVersion
 * included (the report embeds them as they are).
 */
export function readLines<S extends z.ZodType>(file: string, fmt: Format<S>, opts: { keepVersion?: boolean } = {}): z.output<S>[] {
  if (!fs.existsSync(file)) return [];
  const records: z.output<S>[] = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new FormatError(file, `${file}: line ${i + 1} is not valid JSON`);
    }
    const checked = checkFormat(fmt, raw);
    if (checked.problem != null) throw new FormatError(file, `${file}: line ${i + 1}: ${checked.problem}`);
    records.push(opts.keepVersion ? checked.value : withoutVersion(checked.value));
  }
  return records;
}
