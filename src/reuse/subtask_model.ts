/**
 * The sub-task model of paper section 3.4: the mixed module (the trained network pruned to the
 * union of the target classes' kernels, mask generators dropped), which still outputs N logits,
 * followed by a new head ReLU -> Dense(N -> M). The result is one flat functional model of
 * standard tfjs layers plus our registered ones (ChannelPad in pruned residual networks), so it
 * saves and loads like any tfjs LayersModel.
 */
import { initializers, layers, model as functionalModel } from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { KeepSpec } from '../../models/builder.js';
import type { ModelSpec } from '../../models/registry.js';
import { buildPrunedModel } from '../modularize/prune.js';

export const HEAD_RELU = 'subtask_relu';
export const HEAD_DENSE = 'subtask_head';

/**
 * Appends ReLU -> Dense(N -> M) to a model whose only output is N logits. The dense weights
 * start as PyTorch's nn.Linear default, uniform in +-1/sqrt(N) (bias zero), seeded.
 */
export function appendSubtaskHead(base: LayersModel, targets: number, seed: number): LayersModel {
  if (base.outputs.length !== 1) throw new Error(`sub-task head: expected a model with one output (logits), got ${base.outputs.length}`);
  const n = (base.outputs[0]!.shape as number[])[1]!;
  const limit = 1 / Math.sqrt(n);
  const relu = layers.reLU({ name: HEAD_RELU }).apply(base.outputs[0]!) as SymbolicTensor;
  const logits = layers
    .dense({ name: HEAD_DENSE, units: targets, kernelInitializer: initializers.randomUniform({ minval: -limit, maxval: limit, seed }) })
    .apply(relu) as SymbolicTensor;
  return functionalModel({ inputs: base.inputs, outputs: logits, name: `${base.name}_subtask` });
}

export interface SubtaskModel {
  /** Mixed module + new head: M logits. Shares its layers (and weights) with `mixedModule`. */
  model: LayersModel;
  /** The pruned network alone: N logits. */
  mixedModule: LayersModel;
}

/** Prunes `trained` to `keep` (no generators) and appends the head for `targets` classes. */
export function buildSubtaskModel(spec: ModelSpec, trained: LayersModel, keep: KeepSpec, targets: number, seed: number): SubtaskModel {
  const pruned = buildPrunedModel(spec, trained, keep, { keepGenerators: false });
  return { mixedModule: pruned.model, model: appendSubtaskHead(pruned.model, targets, seed) };
}
