export { cosineSimilarityMatrix, layerMaskLosses, maskLosses } from './mask_losses.js';
export type { MaskLosses } from './mask_losses.js';
export { mwtObjective, splitOutputs, STAT, STAT_LENGTH } from './objective.js';
export type { Objective, ObjectiveConfig, WholeBatch } from './objective.js';
export { DEFAULT_MASK_LOSS_MEAN, MASK_LOSS_MEANS } from './mask_loss_mean.js';
export type { MaskLossMean } from './mask_loss_mean.js';
