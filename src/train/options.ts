/**
 * Options of a training run, declared once (src/cli/options.ts): validated before any work
 * starts, and the source of `mwt train`'s flags, help and defaults, so the CLI and the library
 * reject bad input with the same one-line message. tfjs-free (the CLI loads it at start-up).
 */
import { z } from 'zod';
import { classifierInitDefaultsText, DEFAULT_CLASSIFIER_INIT, DEFAULT_WIDTH, DENSE_INITS, MODEL_NAMES } from '../../models/names.js';
import { DATASET_NAMES } from '../data/dataset_names.js';
import { DEFAULT_MASK_LOSS_MEAN, MASK_LOSS_MEANS } from '../losses/mask_loss_mean.js';
import { parseOptions } from '../errors.js';
import { backendOption, option, quietOption, widthSchema } from '../cli/options.js';

export { formatZodError, UsageError } from '../errors.js';

export const trainOptionsSchema = z.object({
  model: option(z.enum(MODEL_NAMES), { help: `zoo model: ${MODEL_NAMES.join(', ')}` }),
  dataset: option(z.enum(DATASET_NAMES), { help: `dataset: ${DATASET_NAMES.join(', ')}` }),
  dataDir: option(z.string().min(1), { help: 'directory with the dataset files' }),
  out: option(z.string().min(1), { help: 'run directory to write' }),
  /** Paper section 4.1: 200 epochs on CIFAR-10/SVHN. */
  epochs: option(z.number().int().positive().default(200), { help: 'epochs (paper: 200)' }),
  batchSize: option(z.number().int().positive().default(128), { help: 'batch size' }),
  lr: option(z.number().positive().default(0.05), { help: 'initial learning rate (cosine-annealed)' }),
  momentum: z.number().min(0).max(1).default(0.9),
  /** Weights of the cohesion and coupling losses (paper Table 1 uses 0.5 / 1.5 for most pairs). */
  alpha: option(z.number().min(0).default(0.5), { help: 'cohesion loss weight' }),
  beta: option(z.number().min(0).default(1.5), { help: 'coupling loss weight' }),
  /**
   * The mask generators' learning rate as a multiple of --lr (the published implementation has
   * the parameter, lr_mask, set equal to lr). 2 makes modules sparser and less coupled at the
   * same accuracy in short runs: docs/modular-training.md.
   */
  maskLrFactor: option(z.number().positive().default(2), { help: "mask generators' learning rate as a multiple of --lr" }),
  /**
   * L2 weight decay on every trainable weight but the mask generators', as PyTorch's SGD applies
   * it. The paper and the published implementation use none; src/train/weight_decay.ts.
   */
  weightDecay: option(z.number().min(0).default(0), {
    help: "L2 weight decay on the model's weights (not the mask generators'), as PyTorch SGD (paper: 0)",
  }),
  /**
   * The mask generators' own decay (their parameter group). 0 by default whatever --weight-decay
   * is: decaying them pulls every mask toward the same value, and the modules grew (KRR 38.1%
   * against 33.8% at 60 epochs, docs/modular-training.md, "Weight decay at sixty epochs").
   */
  maskWeightDecay: option(z.number().min(0).default(0), { help: "mask generators' weight decay, whatever --weight-decay is" }),
  /** The paper's class-by-class means, or the published code's one mean over sample pairs. */
  maskLossMean: option(z.enum(MASK_LOSS_MEANS).default(DEFAULT_MASK_LOSS_MEAN), {
    help: "how the mask losses average over a batch: classes (the paper's Eq. 4-5) or pairs (the published code)",
  }),
  width: option(widthSchema.default(DEFAULT_WIDTH), { help: 'channel multiplier (0.25 = a quarter of the channels)' }),
  /**
   * How the classifier's dense kernels start, instead of the model's own choice
   * (DEFAULT_CLASSIFIER_INIT in models/names.ts). For comparing against the published models:
   * docs/modular-training.md, "ResCNN's classifier init".
   */
  classifierInit: option(z.enum(DENSE_INITS).optional(), {
    help: `classifier's kernel init: heNormal, or fanInUniform (PyTorch's nn.Linear default) (default: ${classifierInitDefaultsText()})`,
  }),
  /** Class-balanced subset of the training set. */
  limit: option(z.number().int().positive().optional(), { help: 'class-balanced subset of N training samples' }),
  seed: option(z.number().int().default(0), { help: 'random seed' }),
  /** Plain model with cross-entropy only, for comparison. */
  standard: option(z.boolean().default(false), { help: 'train the plain model with cross-entropy only' }),
  /** Random crop + flip; defaults to on for 32x32 colour sets, off for 28x28 grey ones. */
  augment: option(z.boolean().optional(), { help: 'no random crop/flip (on by default for 32x32 colour data)', negate: true }),
  resume: option(z.boolean().default(false), { help: 'continue the run in --out from its last checkpoint' }),
  /** Replace a run already in `out` (without it, train refuses to touch an existing run). */
  overwrite: option(z.boolean().default(false), {
    help: 'replace the run already in --out (its metrics, checkpoints, model and modules are deleted)',
  }),
  backend: backendOption,
  /**
   * wasm threads (per replica): every XNNPACK kernel split over this many cores. Default: one per
   * core without workers, else 1 (MWT_WASM_THREADS overrides the default).
   */
  threads: option(z.number().int().min(1).max(8).optional(), {
    help: 'wasm threads per replica (default: one per core without workers, else 1; alone, it means no workers)',
  }),
  /**
   * Data-parallel replicas, main thread + (workers - 1) worker threads, each training on a slice
   * of every batch with its own wasm heap; same result as one process up to float rounding
   * (synchronised batch norm, masks gathered for the losses). wasm and cpu backends only.
   * Default on wasm: one per core when each gets at least 32 samples of the batch, else 1, and 1
   * when only --threads is given (src/train/parallel/parallelism.ts; MWT_WORKERS overrides it).
   */
  workers: option(z.number().int().min(1).max(16).optional(), {
    help: 'data-parallel replicas, one core each (default on wasm: one per core when each gets >= 32 samples of a batch)',
  }),
  quiet: quietOption,
});

export type TrainOptionsInput = z.input<typeof trainOptionsSchema>;
export type TrainOptions = z.output<typeof trainOptionsSchema>;

/**
 * Validated options with the model's own classifier init filled in, so run.json records what a
 * run started with even after a default changes.
 */
export function parseTrainOptions(input: TrainOptionsInput): TrainOptions {
  const opts = parseOptions(trainOptionsSchema, input);
  return {
    ...opts,
    classifierInit: opts.classifierInit ?? DEFAULT_CLASSIFIER_INIT[opts.model],
  };
}
