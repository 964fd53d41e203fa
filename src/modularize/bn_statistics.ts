/**
 * Batch-norm statistics of a pruned network, matched to the modular network it was cut from.
 *
 * Removing kernels removes their contribution to every conv after them: a kept kernel of the next
 * layer now sums fewer input channels, so its pre-BN activation has another mean and spread than
 * the moving statistics its BN was trained with. Folding the mean masks (mask_folding.ts) fixes the
 * scale of each kept kernel's own output, not this shift, and the error compounds layer after
 * layer: on CIFAR-10 a 2-class mixed module predicted one class before fine-tuning.
 *
 * So, over the target classes' training images, each BN's moving mean and variance are moved so
 * that its kept kernels' normalised output has the mean and spread it has in the modular network
 * on the same images (matchedStatistics). Layers are matched in order, each after the ones before
 * it, so a layer sees its inputs as corrected. Only the moving statistics change, the ones
 * training re-estimates and never trains: no weight moves and no label is read, so fine-tuning,
 * which normalises with each batch's own statistics, takes the same steps with or without it.
 * The cost is two inference passes over the images: one of the modular network for the targets
 * (shared by every pruned network cut from it and matched on the same images), one of the pruned
 * network walked layer by layer (layer_walk.ts), each BN matched as it is reached.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { KeepSpec } from '../../models/builder.js';
import type { Dataset } from '../data/dataset.js';
import { MomentAccumulator, tensorMoments, type ChannelMoments } from './channel_moments.js';
import { walkLayers } from './layer_walk.js';
import type { BnStatistics } from './bn_statistics_options.js';

/** Which moments to match: the mean alone, or the mean and the variance. */
export type BnMatch = Exclude<BnStatistics, 'none'>;

/** The convs of `model` that a BN named `${conv}_bn` follows, in the model's (topological) order. */
export function convsWithBn(model: LayersModel): string[] {
  const names = new Set(model.layers.map((l) => l.name));
  return model.layers.filter((l) => l.getClassName() === 'Conv2D' && names.has(`${l.name}_bn`)).map((l) => l.name);
}

const outputOf = (net: LayersModel, name: string) => net.getLayer(name).output as SymbolicTensor;

/**
 * The new moving mean and variance of one BN (pure): `kept` maps the pruned layer's channels to
 * the modular network's, `target` and `actual` are the pre-BN moments m, v of the modular and
 * m', v' of the pruned network. The normalised output (x - mu) / s, s = sqrt(var + eps), keeps
 * its mean and spread when s' = s r with r = sqrt(v' / v) and mu' = m' - (m - mu) r; matching the
 * mean alone is r = 1. A channel the modular network never varies (v under 1e-12) gets r = 1.
 */
export function matchedStatistics(
  moving: { mean: Float32Array; variance: Float32Array },
  epsilon: number,
  kept: number[],
  target: ChannelMoments,
  actual: ChannelMoments,
  match: BnMatch,
): { mean: Float32Array; variance: Float32Array } {
  const ratio = kept.map((k, c) =>
    match === 'mean' || !(target.variance[k]! > 1e-12) ? 1 : Math.sqrt(actual.variance[c]! / target.variance[k]!),
  );
  const mean = Float32Array.from(kept, (k, c) => actual.mean[c]! - (target.mean[k]! - moving.mean[c]!) * ratio[c]!);
  const variance = Float32Array.from(kept, (_, c) => Math.max(0, (moving.variance[c]! + epsilon) * ratio[c]! ** 2 - epsilon));
  return { mean, variance };
}

/** The modular network's pre-BN moments of every conv that a BN follows, by conv name: what matching aims at. */
export type BnTargets = Map<string, ChannelMoments>;

/** One inference pass of the modular network (with its generators) over `ds`: the targets of matchBnStatistics. */
export function bnTargets(modular: LayersModel, ds: Dataset): BnTargets {
  const convs = convsWithBn(modular);
  const moments = tensorMoments(
    modular,
    convs.map((c) => outputOf(modular, c)),
    ds,
  );
  return new Map(convs.map((c, i) => [c, moments[i]!]));
}

/**
 * Moves, in place, the moving statistics of every BN in `pruned` after a conv so that each kept
 * kernel's normalised output over `ds` has the moments `targets` (bnTargets of the modular network
 * over the same images) give it. `keep` numbers the masked convs' kept kernels in the modular
 * network; a conv without an entry kept all of its kernels.
 */
export function matchBnStatistics(
  pruned: LayersModel,
  targets: BnTargets,
  keep: KeepSpec,
  ds: Dataset,
  match: BnMatch = 'mean-variance',
): void {
  const bns = new Map(convsWithBn(pruned).map((c) => [`${c}_bn`, c]));
  walkLayers(pruned, ds, (bn, inputs) => {
    const conv = bns.get(bn.name);
    if (conv == null) return;
    const target = targets.get(conv);
    if (!target) throw new Error(`batch-norm statistics: no target moments for ${conv}`);
    // gamma, beta, moving mean, moving variance (tfjs' order, with center and scale on).
    const [, , movingMean, movingVariance] = bn.weights;
    if (bn.weights.length !== 4) throw new Error(`batch-norm statistics: ${bn.name} has ${bn.weights.length} weights, expected 4`);
    const channels = movingMean!.shape[0]!;
    const kept = keep[conv] ?? Array.from({ length: channels }, (_, c) => c);
    if (kept.length !== channels) throw new Error(`batch-norm statistics: ${conv} keeps ${kept.length} kernels, its BN has ${channels}`);
    const sums = new MomentAccumulator(channels);
    for (const [x] of inputs) sums.add(x!);
    const epsilon = (bn.getConfig().epsilon as number | undefined) ?? 1e-3;
    const next = matchedStatistics(
      { mean: movingMean!.read().dataSync() as Float32Array, variance: movingVariance!.read().dataSync() as Float32Array },
      epsilon,
      kept,
      target,
      sums.moments(),
      match,
    );
    tf.tidy(() => {
      movingMean!.write(tf.tensor1d(next.mean));
      movingVariance!.write(tf.tensor1d(next.variance));
    });
  });
}
