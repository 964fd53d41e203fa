/**
 * Batch normalisation in training mode (statistics over every axis but the last) as one op
 * with a hand-written gradient.
 *
 * tfjs-layers builds training-mode BN from tf.moments + tf.batchNorm and lets autodiff derive the
 * gradient through the mean and the variance. On wasm that gradient is dominated by Tile (the
 * FusedBatchNorm gradient materialises [C] -> [N,H,W,C] broadcasts; 215 ms per 32x32x64 layer at
 * batch 64) and by reductions over leading axes (wasm Sum transposes first). The closed form
 *
 *   xhat = (x - mean) * invstd,  invstd = 1 / sqrt(var + eps),  P = N*H*W
 *   dbeta = sum(dy),  dgamma = sum(dy * xhat)
 *   dx = gamma * invstd * (dy - dbeta / P - xhat * dgamma / P)
 *
 * needs a handful of elementwise passes with [C] broadcasts, which wasm does natively.
 * Column sums are two-stage ([P, C] -> [P/r, r, C] -> [P/r, C] -> [C]): 6 ms instead of 60 ms for
 * [65536, 64] on wasm, because each stage's transpose moves short contiguous runs.
 *
 * Data-parallel training (src/train/parallel) sets a cross-replica sum: then every sum
 * above runs over the whole batch of all replicas (synchronised batch norm), so statistics and
 * gradients are exactly those of one process training on the whole batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeBatchNormTraining, nativeTensorflowOps } from './tensorflow_ops.js';

/** Sums a vector over the data-parallel replicas, in place; null outside data-parallel steps. */
export type CrossReplicaSum = (values: Float32Array) => void;
let crossReplicaSum: CrossReplicaSum | null = null;

/** Makes every training-mode batch norm sum over all replicas (null: this process only). */
export function setCrossReplicaSum(sum: CrossReplicaSum | null): void {
  crossReplicaSum = sum;
}

/**
 * This replica's column sums (each [C]) and row count, summed over all replicas when training
 * data-parallel (one exchange for all of them).
 */
function overReplicas(local: tf.Tensor1D[], rows: number): { sums: tf.Tensor1D[]; rows: number } {
  if (crossReplicaSum == null) return { sums: local, rows };
  const c = local[0]!.shape[0];
  const packed = new Float32Array(local.length * c + 1);
  local.forEach((t, i) => packed.set(t.dataSync() as Float32Array, i * c));
  packed[local.length * c] = rows;
  crossReplicaSum(packed);
  return { sums: local.map((_, i) => tf.tensor1d(packed.slice(i * c, (i + 1) * c))), rows: packed[local.length * c]! };
}

/** Sum over the rows of a [P, C] matrix -> [C]. */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const [p, c] = x.shape;
    let r = 1;
    for (let d = Math.min(64, p); d > 1; d--) {
      if (p % d === 0) {
        r = d;
        break;
      }
    }
    if (r === 1 || r === p) return tf.sum(x, 0) as tf.Tensor1D;
    return tf.sum(tf.sum(tf.reshape(x, [p / r, r, c]), 1), 0) as tf.Tensor1D;
  });
}

/**
 * Training-mode batch norm of `x` [..., C] with scale `gamma` and offset `beta` [C]. Returns the
 * normalised tensor; `onStats` receives the batch mean and (biased) variance, which are disposed
 * when it returns (use them to update moving averages).
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor {
  // On the tensorflow backend TensorFlow's own fused op does all of this in one op each way.
  if (crossReplicaSum == null && x.rank === 4 && nativeTensorflowOps())
    return nativeBatchNormTraining(x as tf.Tensor4D, gamma, beta, epsilon, onStats);
  const c = x.shape[x.rank - 1]!;
  const p = x.size / c; // rows of this replica
  let stats: tf.Tensor1D[] = [];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    // Runs as one kernel: nothing in here is recorded on the gradient tape.
    const x2 = tf.reshape(xIn, [p, c]) as tf.Tensor2D;
    const first = overReplicas([columnSum(x2)], p);
    const rows = first.rows; // over all replicas
    const mean = tf.div(first.sums[0]!, rows) as tf.Tensor1D;
    const centered = tf.sub(x2, mean);
    const variance = tf.div(overReplicas([columnSum(tf.square(centered) as tf.Tensor2D)], p).sums[0]!, rows) as tf.Tensor1D;
    const invstd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    const xhat = tf.mul(centered, invstd) as tf.Tensor2D;
    const out = tf.reshape(tf.add(tf.mul(xhat, g), b), xIn.shape);
    stats = [tf.keep(mean), tf.keep(variance)];
    save([xhat, g, invstd]);
    return {
      value: out,
      // tfjs runs a custom gradient outside any tidy scope: without this tidy every temporary
      // below (four [P, C] products and sums per layer) would live until the backward pass ends.
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [sXhat, sGamma, sInvstd] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
          const dy2 = tf.reshape(dy as tf.Tensor, [p, c]) as tf.Tensor2D;
          const dyXhat = tf.mul(dy2, sXhat) as tf.Tensor2D;
          // dx needs the sums over the whole batch (all replicas); the parameter gradients are
          // this replica's share (data-parallel training sums them with the other gradients).
          const dBeta = columnSum(dy2);
          const dGamma = columnSum(dyXhat);
          const all = overReplicas([dBeta, dGamma], p);
          const scale = tf.mul(sGamma, sInvstd); // [C]
          // dx = dy * scale + xhat * (-scale * dGamma / P) + (-scale * dBeta / P)
          const xhatCoef = tf.mul(scale, tf.div(all.sums[1]!, -all.rows));
          const shift = tf.mul(scale, tf.div(all.sums[0]!, -all.rows));
          const dx = tf.add(tf.add(tf.mul(dy2, scale), tf.mul(sXhat, xhatCoef)), shift);
          return [tf.reshape(dx, xIn.shape), dGamma, dBeta];
        }),
    };
  });
  const normed = op(x, gamma, beta);
  try {
    onStats?.(stats[0]!, stats[1]!);
  } finally {
    tf.dispose(stats);
  }
  return normed;
}
