/**
 * The model zoo, created by name (timm's registry): the CLI, tests and benchmarks never
 * special-case an architecture.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ModelBuilder } from './builder.js';
import type { ModelConfig, SlicePlan } from './builder.js';
import { vgg16, simcnn } from './vgg.js';
import { resnet18, rescnn } from './resnet.js';
import { DEFAULT_CLASSIFIER_INIT, DEFAULT_WIDTH, isModelName, MODEL_NAMES, type ModelName } from './names.js';
import { InputError } from '../src/errors.js';

export { DEFAULT_CLASSIFIER_INIT, DEFAULT_WIDTH, isModelName, MODEL_NAMES, type ModelName } from './names.js';

export type { ModelConfig } from './builder.js';

/** What is needed to build a model again (saved beside every checkpoint and module). */
export interface ModelSpec {
  name: ModelName;
  numClasses: number;
  inputShape: [number, number, number];
  width: number;
}

const REGISTRY = { vgg16, resnet18, simcnn, rescnn } satisfies Record<ModelName, (b: ModelBuilder, c: ModelConfig) => LayersModel>;

export function listModels(pattern = '*'): ModelName[] {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return MODEL_NAMES.filter((n) => re.test(n));
}

/** A built model with the bookkeeping that pruning needs. */
export interface BuiltModel {
  model: LayersModel;
  /** Names of the mask generator layers, in the order of the model's mask outputs. */
  maskNames: string[];
  /** Full-model kernel count of every masked conv, by conv name. */
  maskedKernels: Record<string, number>;
  /** Per layer, the rows/columns of the full model's weights that this build keeps. */
  plan: Record<string, SlicePlan>;
}

function checkConfig(name: string, config: Partial<ModelConfig>): asserts name is ModelName {
  if (!isModelName(name)) throw new InputError('model', `unknown model '${name}', expected one of ${MODEL_NAMES.join(', ')}`);
  const width = config.width ?? DEFAULT_WIDTH;
  if (!(width > 0)) throw new InputError('width', `expected a positive number, got ${width}`);
}

/** Builds a zoo model (modular form unless `form: 'standard'`) with its pruning bookkeeping. */
export function buildModel(name: string, config: Partial<ModelConfig> & Pick<ModelConfig, 'numClasses' | 'inputShape'>): BuiltModel {
  checkConfig(name, config);
  const full: ModelConfig = { form: 'modular', width: DEFAULT_WIDTH, ...config };
  full.classifierInit ??= DEFAULT_CLASSIFIER_INIT[name];
  const b = new ModelBuilder(full);
  const model = REGISTRY[name](b, full);
  return { model, maskNames: b.maskNames, maskedKernels: b.maskedKernels, plan: b.plan };
}

/** Builds a zoo model by name. Throws on an unknown name, listing the known ones. */
export function createModel(name: string, config: Partial<ModelConfig> & Pick<ModelConfig, 'numClasses' | 'inputShape'>): LayersModel {
  return buildModel(name, config).model;
}
