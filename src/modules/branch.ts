/**
 * What replace and compose share: checking that modules read the same inputs, and adding one
 * module to a graph as a branch that outputs its own score (a [batch, 1] log-odds).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { ChannelStats } from '../data/dataset.js';
import { channelAffine } from '../layers/channel_affine.js';
import { headInput, inlineModel } from './inline.js';
import type { LoadedModule } from './load.js';
import type { ScoreHead } from './score_head.js';

/**
 * How far two runs' normalisations may differ and still count as the same: each channel's mean
 * within 5% of a std, stds within 5%. Different --limit/--seed subsets of one dataset differ by
 * well under 1%; a different dataset or scaling does not pass.
 */
export const NORMALIZATION_TOLERANCE = 0.05;

export interface Domain {
  what: string;
  dataset: string;
  inputShape: readonly number[];
  normalization: ChannelStats;
}

/** Throws one line naming the first difference between two inputs domains, else returns. */
export function checkSameDomain(a: Domain, b: Domain): void {
  if (a.dataset !== b.dataset)
    throw new Error(`${b.what} was trained on ${b.dataset}, ${a.what} on ${a.dataset}: modules must share the input domain`);
  if (a.inputShape.join('x') !== b.inputShape.join('x'))
    throw new Error(`${b.what} takes ${b.inputShape.join('x')} images, ${a.what} ${a.inputShape.join('x')}`);
  const { mean: ma, std: sa } = a.normalization;
  const { mean: mb, std: sb } = b.normalization;
  if (ma.length !== mb.length) throw new Error(`${b.what} normalises ${mb.length} channels, ${a.what} ${ma.length}`);
  for (let c = 0; c < ma.length; c++) {
    if (Math.abs(ma[c]! - mb[c]!) > NORMALIZATION_TOLERANCE * sa[c]! || Math.abs(sb[c]! / sa[c]! - 1) > NORMALIZATION_TOLERANCE) {
      throw new Error(
        `${b.what} normalises channel ${c} with mean ${mb[c]!.toFixed(4)} std ${sb[c]!.toFixed(4)}, ${a.what} with mean ${ma[c]!.toFixed(4)} std ${sa[c]!.toFixed(4)}: not the same normalisation`,
      );
    }
  }
}

/** The affine map from inputs normalised with `from` to inputs normalised with `to`, or null when equal. */
export function renormalization(from: ChannelStats, to: ChannelStats): { scale: number[]; offset: number[] } | null {
  const same = from.mean.every((m, c) => m === to.mean[c] && from.std[c] === to.std[c]);
  if (same) return null;
  const inv = (s: number) => (s > 0 ? 1 / s : 1);
  return { scale: from.std.map((s, c) => s * inv(to.std[c]!)), offset: from.mean.map((m, c) => (m - to.mean[c]!) * inv(to.std[c]!)) };
}

/**
 * Adds `module` to the graph reading `input` (normalised with `inputNormalization`): its layers
 * copied under `prefix`, then its score head as a Dense(1). Returns the score tensor.
 */
export function scoreBranch(
  input: SymbolicTensor,
  inputNormalization: ChannelStats,
  module: LoadedModule & { head: ScoreHead },
  prefix: string,
): SymbolicTensor {
  let x = input;
  const renorm = renormalization(inputNormalization, module.card.normalization);
  if (renorm) x = channelAffine({ name: `${prefix}renormalize`, ...renorm }).apply(x) as SymbolicTensor;
  const inlined = inlineModel(module.model, x, prefix);
  const features = inlined.tensor(headInput(module.model));
  const dense = tfl.layers.dense({ units: 1, name: `${prefix}score` });
  const score = dense.apply(features) as SymbolicTensor;
  const dim = module.head.weights.length;
  const w = [tf.tensor2d(module.head.weights, [dim, 1]), tf.tensor1d([module.head.bias])];
  dense.setWeights(w);
  tf.dispose(w);
  return score;
}
