/**
 * mwt: modularizing while training for CNNs in TypeScript.
 *
 *   const run = await train({ model: 'simcnn', dataset: 'fashion-mnist', dataDir, out: 'runs/sim', epochs: 5 });
 *   const modules = await modularizeRun('runs/sim', { threshold: 0.9 });
 *   const sub = await reuse({ run: 'runs/sim', classes: [0, 3], out: 'runs/sim-0-3' });
 */
export { initBackend, BACKENDS } from './engine/backend.js';
export type { BackendName } from './engine/backend.js';
export * from './layers/index.js';
export * from './losses/index.js';
export * from '../models/index.js';
export * from './data/index.js';
export { train, prepareData, readMetrics, InterruptedError } from './train/train.js';
export type { TrainSummary, EpochMetrics, TrainHooks } from './train/train.js';
export { trainOptionsSchema, parseTrainOptions, UsageError } from './train/options.js';
export type { TrainOptions, TrainOptionsInput } from './train/options.js';
export { makeTrainStep, splitOutputs } from './train/step.js';
export { evaluate } from './train/evaluate.js';
export type { Evaluation } from './train/evaluate.js';
export { cosineLearningRate } from './train/schedule.js';
export { readRunInfo } from './train/run_info.js';
export type { RunInfo } from './train/run_info.js';
export { saveModel, loadModel, fileHandler } from './io/model_io.js';
export { buildPrunedModel, transferWeights } from './modularize/prune.js';
export { createProgress, silentLogger } from './cli/progress.js';
export type { Logger } from './cli/progress.js';
