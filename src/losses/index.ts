export { cosineSimilarityMatrix, layerMaskLosses, maskLosses, totalLoss } from './mask_losses.js';
export type { MaskLosses } from './mask_losses.js';
export { jaccard, meanPairwiseJaccard, meanPairJaccard } from './jaccard.js';
export type { BinaryMatrix } from './jaccard.js';
