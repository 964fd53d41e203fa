/**
 * mwt: modularizing while training for CNNs in TypeScript.
 *
 *   const run = await train({ model: 'simcnn', dataset: 'fashion-mnist', dataDir: SAMPLE_DATA_DIR, out: 'runs/sim', epochs: 5 });
 *   const modules = await modularizeRun('runs/sim', { threshold: 0.9 });
 *   const { summary, model } = await reuse({ run: 'runs/sim', classes: [0, 3] });
 */
/**
 * The tfjs that mwt runs on, for apps that need tensors or layers of their own: importing it from
 * here needs no tfjs dependency in the app and can never load a second copy of tfjs.
 */
export * as tf from '@tensorflow/tfjs-core';
export * as tfl from '@tensorflow/tfjs-layers';
export { initBackend, ensureBackend, installSpeedups, uninstallSpeedups, SPEEDUPS, BACKENDS } from './engine/index.js';
export type { BackendName, InitBackendOptions, Speedup } from './engine/index.js';
export * from './layers/index.js';
export * from './losses/index.js';
export * from '../models/index.js';
export * from './data/index.js';
export { train, prepareData, readMetrics } from './train/train.js';
export type { TrainSummary, EpochMetrics, TrainHooks } from './train/train.js';
export { trainOptionsSchema, parseTrainOptions } from './train/options.js';
export { MwtError, UsageError, InputError, InterruptedError, OutputError } from './errors.js';
export type { ErrorKind, ErrorSubject } from './errors.js';
export type { TrainOptions, TrainOptionsInput } from './train/options.js';
export { makeTrainStep } from './train/step.js';
export { evaluate } from './train/evaluate.js';
export type { Evaluation } from './train/evaluate.js';
export { cosineLearningRate } from './train/schedule.js';
export { readRunInfo } from './train/run_info.js';
export type { RunInfo } from './train/run_info.js';
export { saveModel, loadModel, fileHandler } from './io/model_io.js';
export { buildPrunedModel, transferWeights } from './modularize/prune.js';
export { bnTargets, matchBnStatistics } from './modularize/bn_statistics.js';
export { BN_STATISTICS, type BnStatistics } from './modularize/bn_statistics_options.js';
export { createProgress, silentLogger } from './log/logger.js';
export type { Logger, ProgressEvent, ProgressCallback, ProgressTask } from './log/logger.js';
export { modularizeRun } from './modules/modularize_run.js';
export type { ModularizeRunOptions } from './modules/modularize_run.js';
export {
  buildModules,
  loadModules,
  loadModule,
  collectSampleMasks,
  selectModuleMasks,
  modularityMetrics,
  DEFAULT_THRESHOLD,
  jaccard,
  meanPairwiseJaccard,
  meanPairJaccard,
} from './modularize/index.js';
export type {
  ModulesReport,
  ModuleEntry,
  SweepEntry,
  BuildModulesOptions,
  SavedModules,
  ModuleMask,
  ModularityMetrics,
  BinaryMatrix,
} from './modularize/index.js';
export { reuse, openReuseContext, reuseSubtask, closeReuseContext, DEFAULT_REUSE } from './reuse/reuse.js';
export type { ReuseSummary, ReuseOptions, ReuseContext, SubtaskOptions, Disagreements } from './reuse/reuse.js';
export { pairedDifference, meanPairedDifference } from './stats/paired.js';
export type { PairedDifference, PairedTask, MeanPairedDifference } from './stats/paired.js';
export { countFlops, countParameters } from './modularize/flops.js';
export type { FlopCount, ParameterCount } from './modularize/flops.js';
export { measureLatency, measureLatencies } from './reuse/latency.js';
export { mixedModuleKeep } from './reuse/mixed_module.js';
export { buildRestrictedSubtaskModel } from './reuse/restricted_model.js';
export type { UnionCalibration } from './reuse/restricted_model.js';
export { writeReport, collectComparedRuns, meanOverSeeds, comparisonMarkdown } from './report/index.js';
export type { WrittenReport, ComparedRun } from './report/index.js';
export { modularizeCommand } from './commands/modularize.js';
export { reuseCommand } from './commands/reuse.js';
export { experimentReuseCommand } from './commands/experiment_reuse.js';
export { experimentTrendsCommand, formatTrendsMarkdown } from './commands/experiment_trends.js';
export type { TrendsResult, TrendEpoch } from './commands/experiment_trends.js';
export { experimentSeedsCommand, formatSeedsMarkdown, spreadOf, countAgainst } from './commands/experiment_seeds.js';
export type { SeedsResult, SeedRow, FigureSpread } from './commands/experiment_seeds.js';
export {
  experimentGridCommand,
  formatGridMarkdown,
  gridPoints,
  gridTrends,
  trendFigure,
  gridRuns,
  directionOf,
  GRID_FIGURES,
  ALPHA_SWEEP,
  BETA_SWEEP,
} from './commands/experiment_grid.js';
export type { GridResult, GridRow, GridPoint, GridTrend, TrendFigure, GridFigure, Direction } from './commands/experiment_grid.js';
export {
  continueCommand,
  experimentStatus,
  experimentStatusCommand,
  experimentStatuses,
  formatExperimentStatus,
  resumeCommand,
} from './commands/experiment_status.js';
export type { ExperimentStatus, RunProgress, ModulesProgress, SweepProgress } from './commands/experiment_status.js';
// The in-use mark of a run directory: for scripts that run mwt's functions and want the same guard.
export { inUse, whileInUse } from './io/in_use.js';
export type { InUseMark, InUseState } from './io/in_use.js';
export { reportCommand } from './commands/report.js';
export { benchCommand } from './commands/bench.js';
// Module cards, repository, replace and compose (issue #13).
export { moduleCardSchema, readCard, writeCard, verifyCard, CorruptModuleError, CARD_FILE } from './modules/card.js';
export type { ModuleCard, CardFields } from './modules/card.js';
export { moduleContentId } from './modules/content_id.js';
export { loadCardedModule, loadRepositoryModule } from './modules/load.js';
export type { LoadedModule } from './modules/load.js';
export { readScoreHead, fitScoreHead, predictFeatures, SCORE_HEAD_FILE } from './modules/score_head.js';
export type { ScoreHead } from './modules/score_head.js';
export { writeModuleCards, writeReuseCard } from './modules/module_cards.js';
export {
  addToRepository,
  listRepository,
  searchRepository,
  showModule,
  removeModule,
  rebuildIndex,
  readIndex,
  resolveRepository,
  resolveModuleId,
} from './modules/repository.js';
export type { AddResult, ListedModule, SearchQuery, ShownModule, IndexEntry, RepositoryIndex } from './modules/repository.js';
export { replaceClass } from './modules/replace.js';
export type { ReplaceSummary, ReplaceOptions } from './modules/replace.js';
export { composeModules, chooseModules } from './modules/compose.js';
export type { ComposeSummary, ComposeOptions } from './modules/compose.js';
export {
  modulesAddCommand,
  modulesListCommand,
  modulesSearchCommand,
  modulesShowCommand,
  modulesRemoveCommand,
} from './commands/modules.js';
export { replaceCommand } from './commands/replace.js';
export { composeCommand } from './commands/compose.js';
export { serve, serveOptionsSchema, DEFAULT_PORT, DEFAULT_HOST } from './commands/serve.js';
export type { RunningServer, ServeOptionsInput } from './commands/serve.js';
export type { Catalog, CatalogModule, CatalogSample, CatalogUnion, CatalogCalibration } from './serve/catalog_types.js';
export { composedGraph } from './modules/compose_graph.js';
