/** The defaults of on-demand reuse (src/reuse/reuse.ts); tfjs-free, so the CLI's options can show them. */
import { DEFAULT_THRESHOLD } from '../cli/options.js';

export const DEFAULT_REUSE = {
  threshold: DEFAULT_THRESHOLD,
  epochs: 5,
  /** Fine-tuning starts from trained weights: a fifth of the training rate (0.05). */
  lr: 0.01,
  batchSize: 128,
  momentum: 0.9,
  validationFraction: 0.1,
  seed: 0,
} as const;
