/**
 * The settings of batch-norm matching (bn_statistics.ts), tfjs-free so that the CLI's options can
 * list them: what a pruned network's batch norms are matched to, and on how many images.
 */

/**
 * The modular network's pre-BN mean and variance, the mean alone, or nothing (the statistics of
 * the whole network, as the paper's pruning leaves them).
 */
export const BN_STATISTICS = ['mean-variance', 'mean', 'none'] as const;
export type BnStatistics = (typeof BN_STATISTICS)[number];

/** What `mwt modularize` and `mwt reuse` match unless told otherwise. */
export const DEFAULT_BN_STATISTICS: BnStatistics = 'mean-variance';

/**
 * Class-balanced images the moments are measured on: a small share of an inference pass, and
 * thousands of positions per channel even in the last layers.
 */
export const BN_STATISTICS_SAMPLES = 512;
