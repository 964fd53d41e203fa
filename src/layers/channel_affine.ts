/**
 * y = x * scale + offset along the last axis: a per-channel affine map with constant (not
 * trained) coefficients, kept in the layer's config so a saved model carries it.
 *
 * Two uses in composed models: re-normalising the input of a module trained with slightly
 * different channel statistics ((x*std0 + mean0 - mean_m) / std_m is affine), and calibrating
 * the score columns of modules (one scale and offset per score).
 */
import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Shape } from '@tensorflow/tfjs-layers/dist/keras_format/common.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';

export interface ChannelAffineArgs extends LayerArgs {
  scale: number[];
  offset: number[];
}

export class ChannelAffine extends layers.Layer {
  static className = 'MwtChannelAffine';
  readonly scale: number[];
  readonly offset: number[];

  constructor(args: ChannelAffineArgs) {
    super(args);
    if (args.scale.length !== args.offset.length || args.scale.length === 0) {
      throw new Error(`ChannelAffine: expected as many scales as offsets (got ${args.scale.length} and ${args.offset.length})`);
    }
    this.scale = args.scale;
    this.offset = args.offset;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      return tf.add(tf.mul(x, tf.tensor1d(this.scale)), tf.tensor1d(this.offset));
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return inputShape as Shape;
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}
serialization.registerClass(ChannelAffine);

export function channelAffine(args: ChannelAffineArgs): ChannelAffine {
  return new ChannelAffine(args);
}
