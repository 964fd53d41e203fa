export { buildPrunedModel, transferWeights } from './prune.js';
export type { PruneOptions } from './prune.js';
export { BitMatrix } from './bit_matrix.js';
export { collectSampleMasks, maskedLayersOf } from './sample_masks.js';
export type { SampleMasks, CollectOptions } from './sample_masks.js';
export { selectLayerKernels, selectModuleMasks, globalKernelIndices, THRESHOLD_STEP } from './module_masks.js';
export type { MaskedLayer, LayerSelection, ModuleMask } from './module_masks.js';
export { modularityMetrics } from './metrics.js';
export type { ModularityMetrics, ModuleMetrics, LayerMetrics, LayerBreakdown } from './metrics.js';
export {
  buildModules,
  loadModules,
  loadModule,
  loadTrainingSet,
  readModularRun,
  checkTrainedModel,
  chosenThreshold,
  DEFAULT_THRESHOLD,
  MODULES_DIR,
  MODULES_FILE,
  SWEEP_FILE,
} from './run.js';
export type { ModulesReport, ModuleEntry, SweepEntry, BuildModulesOptions, SavedModules } from './run.js';
export { jaccard, meanPairwiseJaccard, meanPairJaccard, distinctRows, weightedMeanPairwiseJaccard } from './jaccard.js';
export type { BinaryMatrix } from './jaccard.js';
