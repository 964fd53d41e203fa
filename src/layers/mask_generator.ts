/**
 * Mask generator (paper section 3.2.1): from the input of a conv layer, predicts for each sample
 * one value in [0, 1) per kernel of that conv. A value > 0 marks the kernel as used.
 *
 *   GAP(input) -> Dense(C_in -> h, no bias) -> ReLU -> Dense(h -> C_out, bias 1.0) -> tanh -> ReLU
 *
 * h = C_out when C_out < 128, else C_out / 2 (as the published implementation). The bias starts at
 * 1.0 so that every kernel is on at the start of training (tanh(1) = 0.76).
 */
import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { initializers, layers } from '@tensorflow/tfjs-layers';
import type { LayerArgs, Shape, LayerVariable, Kwargs } from './tfjs_types.js';

export interface MaskGeneratorArgs extends LayerArgs {
  /** Number of kernels of the conv layer this generator masks (the mask length). */
  kernels: number;
  /** Hidden width; defaults to the published rule (kernels < 128 ? kernels : kernels / 2). */
  hidden?: number;
}

export function defaultHidden(kernels: number): number {
  return kernels < 128 ? kernels : Math.floor(kernels / 2);
}

/** Kaiming-normal (fan-in) initialiser, as torch.nn.init.kaiming_normal_. */
const kaimingNormal = () => initializers.varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'normal' });

export class MaskGenerator extends layers.Layer {
  static className = 'MwtMaskGenerator';
  readonly kernels: number;
  readonly hidden: number;
  private w1!: LayerVariable;
  private w2!: LayerVariable;
  private b2!: LayerVariable;

  constructor(args: MaskGeneratorArgs) {
    super(args);
    this.kernels = args.kernels;
    this.hidden = args.hidden ?? defaultHidden(args.kernels);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = inputShape as Shape;
    const channels = shape[shape.length - 1] as number;
    this.w1 = this.addWeight('hidden/kernel', [channels, this.hidden], 'float32', kaimingNormal());
    this.w2 = this.addWeight('mask/kernel', [this.hidden, this.kernels], 'float32', kaimingNormal());
    this.b2 = this.addWeight('mask/bias', [this.kernels], 'float32', initializers.constant({ value: 1 }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const pooled = tf.mean(x, [1, 2]); // [batch, C_in]
      const h = tf.relu(tf.matMul(pooled, this.w1.read()));
      return tf.relu(tf.tanh(tf.add(tf.matMul(h, this.w2.read()), this.b2.read()))); // [batch, kernels]
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = inputShape as Shape;
    return [shape[0], this.kernels];
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), kernels: this.kernels, hidden: this.hidden };
  }
}
serialization.registerClass(MaskGenerator);

export function maskGenerator(args: MaskGeneratorArgs): MaskGenerator {
  return new MaskGenerator(args);
}
