export { cosineSimilarityMatrix, layerMaskLosses, maskLosses } from './mask_losses.js';
export type { MaskLosses } from './mask_losses.js';
export { mwtObjective, splitOutputs, STAT, STAT_LENGTH } from './objective.js';
export type { Objective, ObjectiveConfig, WholeBatch } from './objective.js';
