/**
 * The sub-task model of paper section 3.4: the mixed module (the trained network pruned to the
 * union of the target classes' kernels, mask generators dropped), which still outputs N logits,
 * followed by a new head ReLU -> Dense(N -> M). The result is one flat functional model of
 * standard tfjs layers plus our registered ones (ChannelPad in pruned residual networks), so it
 * saves and loads like any tfjs LayersModel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, model as functionalModel } from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { KeepSpec } from '../../models/builder.js';
import type { ModelSpec } from '../../models/registry.js';
import { fanInUniform } from '../layers/fan_in_uniform.js';
import type { MeanMasks } from '../modularize/mask_folding.js';
import { buildMixedModule } from './restricted_model.js';
import type { HeadInit } from './defaults.js';

export const HEAD_RELU = 'subtask_relu';
export const HEAD_DENSE = 'subtask_head';

export { HEAD_INITS, type HeadInit } from './defaults.js';

/**
 * Appends ReLU -> Dense(N -> M) to a model whose only output is N logits.
 *
 * `random` is the paper's head: PyTorch's nn.Linear default, uniform in +-1/sqrt(N) (bias zero),
 * seeded. `classes` starts it as a selection of the target classes' own logits (weight 1 from
 * logit classes[j] to output j, 0 elsewhere), so before any fine-tuning the sub-task model
 * predicts what the mixed module's logits restricted to the targets predict, and fine-tuning
 * starts from the trained network's decision instead of from chance.
 */
export function appendSubtaskHead(base: LayersModel, classes: number[], seed: number, init: HeadInit = 'classes'): LayersModel {
  if (base.outputs.length !== 1) throw new Error(`sub-task head: expected a model with one output (logits), got ${base.outputs.length}`);
  const n = (base.outputs[0]!.shape as number[])[1]!;
  const relu = layers.reLU({ name: HEAD_RELU }).apply(base.outputs[0]!) as SymbolicTensor;
  const head = layers.dense({
    name: HEAD_DENSE,
    units: classes.length,
    kernelInitializer: fanInUniform(seed),
  });
  const logits = head.apply(relu) as SymbolicTensor;
  if (init === 'classes') {
    const selection = new Float32Array(n * classes.length);
    classes.forEach((c, j) => (selection[c * classes.length + j] = 1));
    tf.tidy(() => head.setWeights([tf.tensor2d(selection, [n, classes.length]), tf.zeros([classes.length])]));
  }
  return functionalModel({ inputs: base.inputs, outputs: logits, name: `${base.name}_subtask` });
}

export interface SubtaskModel {
  /** Mixed module + new head: M logits. Shares its layers (and weights) with `mixedModule`. */
  model: LayersModel;
  /** The pruned network alone: N logits. */
  mixedModule: LayersModel;
}

export interface SubtaskBuildOptions {
  seed: number;
  headInit?: HeadInit;
  /** Mean masks of the sub-task's samples, folded into the pruned BN layers (see mask_folding.ts). */
  meanMasks?: MeanMasks;
}

/** Prunes `trained` to `keep` (no generators) and appends the head for the target `classes`. */
export function buildSubtaskModel(
  spec: ModelSpec,
  trained: LayersModel,
  keep: KeepSpec,
  classes: number[],
  opts: SubtaskBuildOptions,
): SubtaskModel {
  const mixedModule = buildMixedModule(spec, trained, keep, opts.meanMasks);
  return { mixedModule, model: appendSubtaskHead(mixedModule, classes, opts.seed, opts.headInit) };
}
