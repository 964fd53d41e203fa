/**
 * Options of a training run, validated before any work starts (the CLI and the library share
 * this schema, so both reject bad input with the same one-line message).
 */
import { z } from 'zod';
import { MODEL_NAMES } from '../../models/registry.js';
import { DATASET_NAMES } from '../data/load.js';
import { BACKENDS } from '../engine/index.js';
import { parseOptions } from '../errors.js';

export { formatZodError, UsageError } from '../errors.js';

export const trainOptionsSchema = z.object({
  model: z.enum(MODEL_NAMES),
  dataset: z.enum(DATASET_NAMES),
  dataDir: z.string().min(1),
  out: z.string().min(1),
  /** Paper section 4.1: 200 epochs on CIFAR-10/SVHN. */
  epochs: z.number().int().positive().default(200),
  batchSize: z.number().int().positive().default(128),
  lr: z.number().positive().default(0.05),
  momentum: z.number().min(0).max(1).default(0.9),
  /** Weights of the cohesion and coupling losses (paper Table 1 uses 0.5 / 1.5 for most pairs). */
  alpha: z.number().min(0).default(0.5),
  beta: z.number().min(0).default(1.5),
  width: z.number().positive().default(1),
  /** Class-balanced subset of the training set. */
  limit: z.number().int().positive().optional(),
  seed: z.number().int().default(0),
  backend: z.enum(BACKENDS).optional(),
  /**
   * wasm threads (per replica): every XNNPACK kernel split over this many cores. Default: one per
   * core without workers, else 1 (MWT_WASM_THREADS overrides the default).
   */
  threads: z.number().int().min(1).max(8).optional(),
  /**
   * Data-parallel replicas, main thread + (workers - 1) worker threads, each training on a slice
   * of every batch with its own wasm heap; same result as one process up to float rounding
   * (synchronised batch norm, masks gathered for the losses). wasm and cpu backends only.
   * Default on wasm: one per core when each gets at least 32 samples of the batch, else 1, and 1
   * when only --threads is given (src/train/parallel/parallelism.ts; MWT_WORKERS overrides it).
   */
  workers: z.number().int().min(1).max(16).optional(),
  /** Plain model with cross-entropy only, for comparison. */
  standard: z.boolean().default(false),
  resume: z.boolean().default(false),
  /** Replace a run already in `out` (without it, train refuses to touch an existing run). */
  overwrite: z.boolean().default(false),
  /** Random crop + flip; defaults to on for 32x32 colour sets, off for 28x28 grey ones. */
  augment: z.boolean().optional(),
  quiet: z.boolean().default(false),
});

export type TrainOptionsInput = z.input<typeof trainOptionsSchema>;
export type TrainOptions = z.output<typeof trainOptionsSchema>;

export function parseTrainOptions(input: TrainOptionsInput): TrainOptions {
  return parseOptions(trainOptionsSchema, input);
}
