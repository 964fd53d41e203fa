export { buildModel, createModel, listModels, isModelName, MODEL_NAMES } from './registry.js';
export type { BuiltModel, ModelConfig, ModelSpec, ModelName } from './registry.js';
export { DEFAULT_CLASSIFIER_INIT, DENSE_INITS, type DenseInit } from './names.js';
export { ModelBuilder, range, scaleChannels } from './builder.js';
export type { KeepSpec, SlicePlan, ModelForm, BuildOptions } from './builder.js';
export { VGG16_CONFIG } from './vgg.js';
export { RESNET18_STAGES, RESCNN_CONFIG, RESCNN_RESIDUAL_STARTS } from './resnet.js';
