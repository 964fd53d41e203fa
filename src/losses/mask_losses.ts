/**
 * Cohesion and coupling losses on mask matrices (paper Eq. 4-6).
 *
 * For one masked layer with masks M [batch, kernels]: rows are L2-normalised and
 * S = M M^T holds the cosine similarity of every pair of samples. With Y the one-hot class
 * indicator [batch, classes], P = Y^T S Y [classes, classes] sums S over the sample pairs of each
 * pair of classes, so both losses are a few matrix products, with no per-pair loop:
 *
 *   cohesion loss = 1 - mean over classes c with n_c >= 2 of
 *                   (P[c,c] - sum_{i in c} S[i,i]) / (n_c (n_c - 1))      (Eq. 4)
 *   coupling loss = mean over class pairs h < i present in the batch of
 *                   P[h,i] / (n_h n_i)                                     (Eq. 5)
 *
 * Classes are averaged class by class, as the paper writes it, so a class with many samples in a
 * batch does not outweigh a rare one (`mean` 'classes'); 'pairs' is the published code's single
 * mean over all sample pairs (src/losses/mask_loss_mean.ts):
 *
 *   cohesion loss = 1 - sum_c (P[c,c] - sum_{i in c} S[i,i]) / sum_c n_c (n_c - 1)
 *   coupling loss = sum_{h<i} P[h,i] / sum_{h<i} n_h n_i
 *
 * Classes absent from the batch are skipped. A batch with no
 * class of two samples has no cohesion term (loss 0, zero gradient); a batch of one class has no
 * coupling term. Both layer-wise values are averaged over the masked layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_MASK_LOSS_MEAN, type MaskLossMean } from './mask_loss_mean.js';

/**
 * The smallest norm a mask row is divided by: rows shorter than this are scaled by 1/MIN_ROW_NORM
 * instead of normalised, as the reference's `F.normalize(x, eps)` does, but with eps 1e-3 where it
 * has 1e-12. The gradient of m/|m| grows as 1/|m|, and a nearly silent row (one sample's mask in
 * one layer with norm ~1e-6, which ResCNN's last masked layer produces now and then) made one step
 * 500x the usual size and wrecked a 30-epoch run (docs/modular-training.md, "More seeds, and what
 * collapsed"). Rows of norm 1e-3 or more get the exact cosine, as before; a zero row stays at
 * similarity 0, with a finite gradient.
 */
export const MIN_ROW_NORM = 1e-3;

/** Row norms floored at MIN_ROW_NORM; the floor is applied to the squared sum, so sqrt's gradient stays finite at 0. */
function flooredNorms(squaredSums: tf.Tensor): tf.Tensor {
  return tf.sqrt(tf.maximum(squaredSums, MIN_ROW_NORM * MIN_ROW_NORM));
}

// A type alias (not an interface) so tf.tidy can return it.
export type MaskLosses = {
  cohesion: tf.Scalar;
  coupling: tf.Scalar;
};

function strictUpperTriangle(n: number): tf.Tensor2D {
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) values[i * n + j] = 1;
  return tf.tensor2d(values, [n, n]);
}

/** Row-wise cosine-similarity matrix of masks [batch, kernels] -> [batch, batch]. */
export function cosineSimilarityMatrix(masks: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const norms = flooredNorms(tf.sum(tf.square(masks), 1, true));
    const unit = tf.div(masks, norms);
    // An explicit transpose: wasm's matMul with transposeB is about 10x slower.
    return tf.matMul(unit, tf.transpose(unit)) as tf.Tensor2D;
  });
}

/** Both losses for one layer; `onehot` is [batch, classes] float32. */
export function layerMaskLosses(masks: tf.Tensor2D, onehot: tf.Tensor2D, mean: MaskLossMean = DEFAULT_MASK_LOSS_MEAN): MaskLosses {
  return tf.tidy(() => lossesFromSimilarity(cosineSimilarityMatrix(masks), onehot, mean));
}

/** Cohesion and coupling of a sample-similarity matrix s [batch, batch] (Eq. 4-5). */
function lossesFromSimilarity(s: tf.Tensor2D, onehot: tf.Tensor2D, mean: MaskLossMean): MaskLosses {
  return tf.tidy(() => {
    const pairSums = tf.matMul(tf.matMul(tf.transpose(onehot), s), onehot); // [classes, classes]
    const counts = tf.sum(onehot, 0); // [classes]
    const numClasses = onehot.shape[1];

    // Cohesion: within-class sums without the i == j terms.
    const batch = s.shape[0];
    const sampleSelf = tf.sum(tf.mul(s, tf.eye(batch)), 1, true); // [batch, 1]: 1, or 0 for a zero mask
    const selfSims = tf.sum(tf.mul(onehot, sampleSelf), 0); // [classes]
    const within = tf.sub(tf.sum(tf.mul(pairSums, tf.eye(numClasses)), 1), selfSims);
    const withinPairs = tf.mul(counts, tf.sub(counts, 1));
    const hasPairs = tf.cast(tf.greater(withinPairs, 0), 'float32');
    const nCohesive = tf.sum(hasPairs);
    const meanCohesion =
      mean === 'pairs'
        ? tf.div(tf.sum(within), tf.maximum(tf.sum(withinPairs), 1))
        : tf.div(tf.sum(tf.mul(tf.div(within, tf.maximum(withinPairs, 1)), hasPairs)), tf.maximum(nCohesive, 1));
    const cohesion = tf.mul(tf.sub(1, meanCohesion), tf.cast(tf.greater(nCohesive, 0), 'float32'));

    // Coupling: each unordered pair of distinct classes once (upper triangle).
    const crossPairs = tf.outerProduct(counts as tf.Tensor1D, counts as tf.Tensor1D);
    const upper = strictUpperTriangle(numClasses);
    const valid = tf.mul(tf.cast(tf.greater(crossPairs, 0), 'float32'), upper);
    const coupling =
      mean === 'pairs'
        ? tf.div(tf.sum(tf.mul(pairSums, upper)), tf.maximum(tf.sum(tf.mul(crossPairs, upper)), 1))
        : tf.div(tf.sum(tf.mul(tf.div(pairSums, tf.maximum(crossPairs, 1)), valid)), tf.maximum(tf.sum(valid), 1));

    return { cohesion: cohesion as tf.Scalar, coupling: coupling as tf.Scalar };
  });
}

/**
 * Mean over the layers of the cosine-similarity matrices, as one product: with U the layers'
 * row-normalised masks side by side [batch, all kernels], U U^T sums the layers' matrices.
 * Rows are normalised per layer with a 0/1 [all kernels, layers] segment matrix, so the whole
 * thing is a handful of ops whatever the number of layers.
 */
function meanSimilarityMatrix(masks: tf.Tensor2D[]): tf.Tensor2D {
  return tf.tidy(() => {
    const widths = masks.map((m) => m.shape[1]);
    const total = widths.reduce((a, b) => a + b, 0);
    const segment = new Float32Array(total * masks.length);
    let k = 0;
    widths.forEach((w, layer) => {
      for (let j = 0; j < w; j++, k++) segment[k * masks.length + layer] = 1;
    });
    const seg = tf.tensor2d(segment, [total, masks.length]);
    const all = tf.concat(masks, 1) as tf.Tensor2D;
    const norms = flooredNorms(tf.matMul(tf.square(all), seg)); // [batch, layers]
    const unit = tf.mul(all, tf.matMul(tf.reciprocal(norms), tf.transpose(seg))); // per-layer unit rows
    return tf.div(tf.matMul(unit, tf.transpose(unit)), masks.length) as tf.Tensor2D;
  });
}

/**
 * Losses averaged over masked layers. `labels` are int32 class ids.
 *
 * Both losses are linear in a layer's similarity matrix (every count and class weight depends on
 * the labels only), so the mean over layers of the per-layer losses equals the losses of the mean
 * similarity matrix: one evaluation instead of one per layer (on wasm, 20 ms -> 4.5 ms per step,
 * forward and backward, for 12 layers at batch 64: each small op costs its dispatch).
 */
export function maskLosses(
  masks: tf.Tensor2D[],
  labels: tf.Tensor1D,
  numClasses: number,
  mean: MaskLossMean = DEFAULT_MASK_LOSS_MEAN,
): MaskLosses {
  return tf.tidy(() => {
    const onehot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), numClasses), 'float32') as tf.Tensor2D;
    return lossesFromSimilarity(meanSimilarityMatrix(masks), onehot, mean);
  });
}
