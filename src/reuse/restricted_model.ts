/**
 * A sub-task model that needs no training: the mixed module (the trained network pruned to the
 * union of the target classes' kernels, mask generators dropped, `buildSubtaskModel`'s base),
 * whose final dense layer keeps only the columns of the target classes. Its M outputs are the
 * trained model's own logits of those classes, so argmax over them is the "restricted accuracy"
 * that `mwt reuse` reports before fine-tuning (restricted_accuracy.ts; calibrated as reuse
 * calibrates its mixed module when given images), and it costs less than the mixed module (the
 * head computes M logits, not N).
 *
 * No file access: `mwt serve`'s page builds the same model in the browser.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, model as functionalModel } from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { KeepSpec } from '../../models/builder.js';
import type { ModelSpec } from '../../models/registry.js';
import { buildPrunedModel } from '../modularize/prune.js';
import { foldMeanMasks, meanMasks, type MeanMasks } from '../modularize/mask_folding.js';
import { bnTargets, matchBnStatistics, type BnMatch } from '../modularize/bn_statistics.js';
import type { Dataset } from '../data/dataset.js';

export const RESTRICTED_HEAD = 'restricted_logits';

/**
 * The mixed module: `trained` pruned to `keep` (no generators), with `meanMasks` folded into its BN
 * layers when given: N logits. The base of both sub-task models, this one and the fine-tuned one
 * (subtask_model.ts).
 */
export function buildMixedModule(spec: ModelSpec, trained: LayersModel, keep: KeepSpec, meanMasks?: MeanMasks): LayersModel {
  const pruned = buildPrunedModel(spec, trained, keep, { keepGenerators: false });
  if (meanMasks) foldMeanMasks(pruned.model, keep, meanMasks);
  return pruned.model;
}

/**
 * Replaces the final dense layer of a one-output model by one with only the columns `classes`
 * (in that order) of its kernel and bias. The old dense layer is disposed; the other layers are
 * shared with `base`, which must not be used afterwards (dispose the returned model instead).
 */
export function restrictLogits(base: LayersModel, classes: readonly number[]): LayersModel {
  if (base.outputs.length !== 1) throw new Error(`restricted head: expected a model with one output (logits), got ${base.outputs.length}`);
  const last = base.outputs[0]!.sourceLayer;
  if (last.getClassName() !== 'Dense')
    throw new Error(`restricted head: the output layer '${last.name}' is a ${last.getClassName()}, expected Dense`);
  const config = last.getConfig() as { activation?: string; useBias?: boolean };
  const n = (base.outputs[0]!.shape as number[])[1]!;
  for (const c of classes)
    if (!Number.isInteger(c) || c < 0 || c >= n) throw new Error(`restricted head: class ${c} is outside 0..${n - 1}`);
  const head = layers.dense({
    name: RESTRICTED_HEAD,
    units: classes.length,
    activation: (config.activation ?? 'linear') as 'linear',
    useBias: config.useBias !== false,
  });
  const logits = head.apply(last.input as SymbolicTensor) as SymbolicTensor;
  tf.tidy(() => {
    const index = tf.tensor1d([...classes], 'int32');
    // Copied into fresh tensors: the wasm backend records a gather's output with the rank of its
    // internal 4-D reshape, and its fused matmul then refuses that tensor as a (rank-1) bias.
    head.setWeights(
      last.getWeights().map((w) => {
        const g = tf.gather(w, index, w.rank - 1);
        return tf.tensor(g.dataSync(), g.shape, g.dtype);
      }),
    );
  });
  const restricted = functionalModel({ inputs: base.inputs, outputs: logits, name: `${base.name}_restricted` });
  last.dispose();
  return restricted;
}

/**
 * Training images of the target classes that put a pruned network back on the scale of the
 * modular one, as `mwt reuse` does before fine-tuning: each kept kernel's BN is multiplied by its
 * mean mask over the images (mask_folding.ts: without generators a kernel would fire as if its
 * mask were 1), then matched to the modular network's moments on them (bn_statistics.ts: removed
 * kernels shift what every later conv sums). Labels are not read.
 */
export interface UnionCalibration {
  images: Dataset;
  /** What the batch norms are matched to (default mean-variance). */
  bnStatistics?: BnMatch;
}

/**
 * The mask-union model of `classes` without training: `trained` (the run's modular model) pruned
 * to `keep` (mixedModuleKeep of the classes' modules), calibrated on `calibration` when given, its
 * logits restricted to `classes`. Output k is the trained model's logit of classes[k].
 * Uncalibrated, every kept kernel runs at its whole-network scale: on a 2-class Fashion-MNIST union
 * the restricted accuracy was 92.2% against 98.9% calibrated on 64 images a class (docs/serve.md).
 */
export function buildRestrictedSubtaskModel(
  spec: ModelSpec,
  trained: LayersModel,
  keep: KeepSpec,
  classes: readonly number[],
  calibration?: UnionCalibration,
): LayersModel {
  const images = calibration?.images;
  if (images?.count === 0) throw new Error('mask union: no calibration images');
  const mixed = buildMixedModule(spec, trained, keep, images && meanMasks(trained, images));
  try {
    if (images) matchBnStatistics(mixed, bnTargets(trained, images), keep, images, calibration!.bnStatistics ?? 'mean-variance');
  } catch (e) {
    mixed.dispose();
    throw e;
  }
  return restrictLogits(mixed, classes);
}
