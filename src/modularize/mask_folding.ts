/**
 * Folding the masks a class's (or a sub-task's) samples receive into the pruned network's batch
 * norm: modularize folds each class's mean masks into its module, reuse the sub-task's into the
 * mixed module.
 *
 * In the modular model every kept kernel's BN output is multiplied by its mask value m (in [0,1),
 * per sample). A pruned network has no generators, so without a correction each kept kernel
 * fires 1/m times stronger than in training (tanh(1) = 0.76 at the start of training, often far
 * less later), and the error compounds layer after layer: the mixed module's restricted accuracy
 * collapses, and fine-tuning has to repair the scale before it can learn the sub-task.
 *
 * High cohesion means that samples of a class get nearly the same mask, so the mean mask over the
 * sub-task's training samples is a good constant stand-in. Since BN(x) * m = (x_hat * gamma + beta)
 * * m, multiplying gamma and beta by the kernel's mean mask reproduces it exactly, at no cost at
 * inference time. The mean is taken over the training samples of the target classes only (no
 * test data), in eval mode, as modularizing does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { KeepSpec } from '../../models/builder.js';
import type { Dataset } from '../data/dataset.js';
import { maskedLayersOf, type SampleMasks } from './sample_masks.js';
import { tensorMoments } from './channel_moments.js';

/** Mean mask value of every kernel, by masked conv name (full-model kernel numbering). */
export type MeanMasks = Record<string, Float32Array>;

/** Class `k`'s mean masks from the sample-mask pass, split by masked conv. */
export function classMeanMasks(masks: Pick<SampleMasks, 'layers' | 'meanMasks'>, k: number): MeanMasks {
  const all = masks.meanMasks[k];
  if (all == null) throw new Error(`fold masks: no mean masks for class ${k}`);
  const result: MeanMasks = {};
  let offset = 0;
  for (const l of masks.layers) {
    result[l.name] = all.slice(offset, offset + l.kernels);
    offset += l.kernels;
  }
  return result;
}

/** One inference pass of the modular model over `ds`: each kernel's mask value averaged over the samples. */
export function meanMasks(modular: LayersModel, ds: Dataset, batchSize = 256): MeanMasks {
  const layers = maskedLayersOf(modular);
  if (ds.count === 0) throw new Error('mean masks: the dataset is empty');
  // The mask outputs follow the logits, in the order maskedLayersOf names them.
  const moments = tensorMoments(modular, modular.outputs.slice(1), ds, batchSize);
  return Object.fromEntries(layers.map((l, i) => [l.name, moments[i]!.mean]));
}

/**
 * Multiplies, in place, the gamma and beta of each masked conv's BN in `pruned` by the mean mask
 * of the kernels it kept (`keep`, ascending full-model indices, as the pruned build orders them).
 */
export function foldMeanMasks(pruned: LayersModel, keep: KeepSpec, means: MeanMasks): void {
  for (const [conv, kept] of Object.entries(keep)) {
    const mean = means[conv];
    if (mean == null) throw new Error(`fold masks: no mean mask for masked layer '${conv}'`);
    const bn = pruned.getLayer(`${conv}_bn`);
    tf.tidy(() => {
      const scale = tf.tensor1d(kept.map((k) => mean[k]!));
      // BN's trainable weights are gamma and beta; the moving statistics (not trainable) describe
      // the conv output before the mask and stay as they are.
      for (const w of bn.trainableWeights) w.write(tf.mul(w.read(), scale));
    });
  }
}
