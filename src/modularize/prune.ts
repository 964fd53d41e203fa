/**
 * Physical pruning: builds the architecture again with only the kept kernels (and, downstream,
 * only the channels that can be non-zero), then copies the kept slices of the trained weights
 * by layer name. Residual additions get zero-padding (ChannelPad) where branches differ.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildModel, type BuiltModel, type ModelSpec } from '../../models/registry.js';
import type { KeepSpec, SlicePlan } from '../../models/builder.js';

export interface PruneOptions {
  /** Keep the mask generators, sliced to the kept kernels (exactly the modular computation). */
  keepGenerators?: boolean;
}

/** Gathers `indices` along `axis` (undefined indices: keep all). */
function take(t: tf.Tensor, axis: number, indices?: number[]): tf.Tensor {
  if (indices == null || indices.length === t.shape[axis]) {
    // Same length means nothing was removed only if the indices are 0..n-1.
    if (indices == null || indices.every((v, i) => v === i)) return t;
  }
  return tf.gather(t, tf.tensor1d(indices!, 'int32'), axis);
}

/** Slices one layer's full weights according to its plan. Weight roles are told by rank/name. */
function sliceLayerWeights(className: string, weights: tf.Tensor[], plan: SlicePlan | undefined): tf.Tensor[] {
  if (!plan) return weights;
  switch (className) {
    case 'Conv2D': // [kh, kw, in, out]
      return weights.map((w) => (w.rank === 4 ? take(take(w, 2, plan.in), 3, plan.out) : take(w, 0, plan.out)));
    case 'BatchNormalization': // gamma, beta, moving mean, moving variance: [out]
      return weights.map((w) => take(w, 0, plan.out));
    case 'MwtMaskGenerator': {
      // [in, hidden], [hidden, out], [out]
      const [w1, w2, b2] = weights;
      return [take(w1!, 0, plan.in), take(w2!, 1, plan.out), take(b2!, 0, plan.out)];
    }
    case 'Dense': {
      // [in, units], [units]
      const [kernel, ...rest] = weights;
      return [take(kernel!, 0, plan.in), ...rest];
    }
    default:
      return weights;
  }
}

/** Copies every weight of `target` from the same-named layer of `source`, sliced by `plan`. */
export function transferWeights(source: LayersModel, target: LayersModel, plan: Record<string, SlicePlan>): void {
  for (const layer of target.layers) {
    if (layer.weights.length === 0) continue;
    const from = source.getLayer(layer.name);
    tf.tidy(() => {
      const sliced = sliceLayerWeights(layer.getClassName(), from.getWeights(), plan[layer.name]);
      layer.setWeights(sliced);
    });
  }
}

/**
 * A pruned copy of a trained model keeping, for each masked conv, the kernels in `keep`.
 * The first conv (no mask generator) and dense layers' outputs are always kept whole.
 */
export function buildPrunedModel(spec: ModelSpec, trained: LayersModel, keep: KeepSpec, opts: PruneOptions = {}): BuiltModel {
  const built = buildModel(spec.name, { ...spec, form: 'modular', keep, keepGenerators: opts.keepGenerators === true });
  transferWeights(trained, built.model, built.plan);
  return built;
}
