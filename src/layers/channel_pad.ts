/**
 * Zero-padding of channels for residual additions in pruned networks (paper Fig. 3-d).
 *
 * Two branches that kept different kernels carry different channel subsets. Each branch is placed
 * into a common channel space with zeros elsewhere, then the branches are added. `positions[i]`
 * is where input channel i lands among `channels` output channels.
 *
 * Implemented as a matmul with a constant 0/1 placement matrix: gathers' gradients need
 * UnsortedSegmentSum, which the wasm backend lacks, and the matmul costs little next to a conv.
 */
import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import type { DisposeResult, LayerArgs, Shape, Kwargs } from './tfjs_types.js';

export interface ChannelPadArgs extends LayerArgs {
  /** Output position of each input channel, strictly increasing. */
  positions: number[];
  /** Number of output channels. */
  channels: number;
}

export class ChannelPad extends layers.Layer {
  static className = 'MwtChannelPad';
  readonly positions: number[];
  readonly channels: number;
  private placement: tf.Tensor2D | null = null;

  constructor(args: ChannelPadArgs) {
    super(args);
    this.positions = args.positions;
    this.channels = args.channels;
    for (const p of this.positions) {
      if (!Number.isInteger(p) || p < 0 || p >= this.channels) {
        throw new Error(`ChannelPad: position ${p} outside 0..${this.channels - 1}`);
      }
    }
  }

  private placementMatrix(): tf.Tensor2D {
    if (this.placement == null) {
      const values = new Float32Array(this.positions.length * this.channels);
      this.positions.forEach((p, i) => (values[i * this.channels + p] = 1));
      this.placement = tf.keep(tf.tensor2d(values, [this.positions.length, this.channels]));
    }
    return this.placement;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [b, h, w, c] = x.shape;
      if (c === this.channels) return tf.clone(x); // identity placement
      const flat = tf.reshape(x, [b * h * w, c]);
      return tf.reshape(tf.matMul(flat, this.placementMatrix()), [b, h, w, this.channels]);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = inputShape as Shape;
    return [...shape.slice(0, -1), this.channels];
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), positions: this.positions, channels: this.channels };
  }

  override dispose(): DisposeResult {
    this.placement?.dispose();
    this.placement = null;
    return super.dispose();
  }
}
serialization.registerClass(ChannelPad);

export function channelPad(args: ChannelPadArgs): ChannelPad {
  return new ChannelPad(args);
}
