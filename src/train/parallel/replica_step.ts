/**
 * One replica's share of a data-parallel training step, computing exactly what makeTrainStep
 * (src/train/step.ts) computes on the whole batch:
 *
 * - batch norm: statistics and their gradients summed over all replicas (setCrossReplicaSum);
 * - the objective: the same mwtObjective as the local step, given the whole batch (its labels and
 *   the gathered masks of every replica), so each replica evaluates its share of the loss;
 * - gradients: summed over replicas (each replica's share of the total loss), then every replica
 *   applies the same update with its own optimizer, so the weights stay identical.
 *
 * The returned stats vector has makeTrainStep's layout (STAT), summed over the whole batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { mwtObjective, type WholeBatch } from '../../losses/objective.js';
import type { StepConfig } from '../step.js';
import { maskGeneratorVariables, scaleGradients } from '../mask_learning_rate.js';
import { addWeightDecay, weightDecayOf } from '../weight_decay.js';
import { setCrossReplicaSum } from '../../engine/index.js';
import type { ReplicaChannel } from './replica_channel.js';

/** Rows of a batch of n samples that replica `rank` of `size` trains on: [start, count]. */
export function replicaRows(n: number, size: number, rank: number): [number, number] {
  const base = Math.floor(n / size);
  const extra = n % size;
  const count = base + (rank < extra ? 1 : 0);
  const start = rank * base + Math.min(rank, extra);
  return [start, count];
}

/** The masks of all replicas, rows in rank order; the gradient returns to this replica's rows. */
function gatherMasks(masks: tf.Tensor2D[], channel: ReplicaChannel, rowsPerRank: number[]): tf.Tensor2D[] {
  const widths = masks.map((m) => m.shape[1]);
  const width = widths.reduce((a, b) => a + b, 0);
  const start = rowsPerRank.slice(0, channel.rank).reduce((a, b) => a + b, 0);
  const mine = rowsPerRank[channel.rank]!;
  const total = rowsPerRank.reduce((a, b) => a + b, 0);
  const gather = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const local = tf.concat(args.slice(0, masks.length) as tf.Tensor2D[], 1);
    const all = channel.allGather(
      local.dataSync() as Float32Array,
      rowsPerRank.map((r) => r * width),
    );
    return {
      value: tf.tensor2d(all, [total, width]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.split(tf.slice(dy as tf.Tensor, [start, 0], [mine, width]), widths, 1),
    };
  });
  return tf.split(gather(...masks), widths, 1) as tf.Tensor2D[];
}

export type ReplicaStep = (x: tf.Tensor4D, yLocal: tf.Tensor1D, yAll: tf.Tensor1D) => tf.Tensor1D;

export function makeReplicaStep(model: LayersModel, optimizer: tf.Optimizer, config: StepConfig, channel: ReplicaChannel): ReplicaStep {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const generators = maskGeneratorVariables(model);
  const decay = weightDecayOf(config);
  const sizes = vars.map((v) => v.size);
  const gradientLength = sizes.reduce((a, b) => a + b, 0);
  return (x, yLocal, yAll) => {
    const total = yAll.shape[0];
    const rowsPerRank = Array.from({ length: channel.size }, (_, r) => replicaRows(total, channel.size, r)[1]);
    let stats: tf.Tensor1D | null = null;
    setCrossReplicaSum((v) => channel.allReduceSum(v));
    const whole: WholeBatch = { labels: yAll, gatherMasks: (masks) => gatherMasks(masks, channel, rowsPerRank) };
    try {
      const { value, grads } = tf.variableGrads(() => {
        const objective = mwtObjective(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[], yLocal, config, whole);
        stats = objective.stats;
        return objective.loss;
      }, vars);
      value.dispose();
      // One exchange for all gradients: pack, sum over replicas, unpack.
      const flat = new Float32Array(gradientLength);
      let offset = 0;
      vars.forEach((v, i) => {
        flat.set(grads[v.name]!.dataSync() as Float32Array, offset);
        offset += sizes[i]!;
      });
      tf.dispose(grads);
      channel.allReduceSum(flat);
      offset = 0;
      const summed: tf.NamedTensorMap = {};
      vars.forEach((v, i) => {
        summed[v.name] = tf.tensor(flat.subarray(offset, offset + sizes[i]!), v.shape);
        offset += sizes[i]!;
      });
      addWeightDecay(summed, vars, decay, generators);
      scaleGradients(summed, generators, config.maskLrFactor ?? 1);
      optimizer.applyGradients(summed);
      tf.dispose(summed);
      const s = stats!.dataSync().slice() as Float32Array;
      stats!.dispose();
      channel.allReduceSum(s);
      return tf.tensor1d(s);
    } finally {
      setCrossReplicaSum(null);
    }
  };
}
