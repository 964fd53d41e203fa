/** The defaults of on-demand reuse (src/reuse/reuse.ts); tfjs-free, so the CLI's options can show them. */
import { DEFAULT_THRESHOLD } from '../cli/options.js';
import { DEFAULT_BN_STATISTICS } from '../modularize/bn_statistics_options.js';

/** How the sub-task model's new head starts (see appendSubtaskHead in subtask_model.ts). */
export const HEAD_INITS = ['classes', 'random'] as const;
export type HeadInit = (typeof HEAD_INITS)[number];

/** What the mixed module's batch norms are matched to before fine-tuning (defined beside the matching). */
export { BN_STATISTICS, type BnStatistics } from '../modularize/bn_statistics_options.js';

/** What chooses the fine-tuning epoch on the validation split (see fine_tune.ts). */
export const EPOCH_SELECTIONS = ['loss', 'accuracy'] as const;
export type EpochSelection = (typeof EPOCH_SELECTIONS)[number];

/**
 * The rule a recorded reuse used. Results written before the rule was recorded (stop 21) chose
 * the epoch by validation accuracy, the only rule there was then.
 */
export function recordedEpochSelection(settings: { selectBy?: EpochSelection }): EpochSelection {
  return settings.selectBy ?? 'accuracy';
}

export const DEFAULT_REUSE = {
  threshold: DEFAULT_THRESHOLD,
  epochs: 5,
  /** Fine-tuning starts from trained weights: a fifth of the training rate (0.05). */
  lr: 0.01,
  /**
   * A sub-task has a fifth of the training set (2 of 10 classes) or less: batches of 32 give
   * 4x the steps of 128 in the same epochs (docs/modular-training.md: +8 points on CIFAR-10).
   */
  batchSize: 32,
  headInit: 'classes' as HeadInit,
  bnStatistics: DEFAULT_BN_STATISTICS,
  momentum: 0.9,
  validationFraction: 0.1,
  selectBy: 'loss' as EpochSelection,
  seed: 0,
} as const;
