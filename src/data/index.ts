/** The dataset layer: readers for the four datasets, helpers over the shared Dataset type, batching. */
export * from './dataset.js';
export * from './idx.js';
export * from './cifar10.js';
export * from './mat5.js';
export * from './svhn.js';
export * from './load.js';
export * from './batches.js';
export { SAMPLE_DATA_DIR } from './sample.js';
