/**
 * Multiplies each channel of a feature map by the per-sample kernel mask:
 * [batch, h, w, C] * [batch, C] -> [batch, h, w, C]. Placed after batch norm, before ReLU, so a
 * kernel whose mask is 0 contributes exactly 0 downstream (what makes pruning it exact).
 */
import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import type { LayerArgs, Shape, Kwargs } from './tfjs_types.js';

export class ApplyMask extends layers.Layer {
  static className = 'MwtApplyMask';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [features, mask] = inputs as tf.Tensor[];
      const [batch, channels] = mask.shape;
      return tf.mul(features, tf.reshape(mask, [batch, 1, 1, channels]));
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0];
  }
}
serialization.registerClass(ApplyMask);

export function applyMask(args: LayerArgs = {}): ApplyMask {
  return new ApplyMask(args);
}
