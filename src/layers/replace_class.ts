/**
 * The decision of a patched classifier: the weak model's N logits and one module's score for
 * class K in, N values out with column K decided by the module. Two rules (src/modules/replace.ts):
 *
 *   'cnnsplitter'  CNNSplitter's patch: softmax of the weak logits for the other classes, and
 *                  for K the module's score min-max normalised to [0, 1] (min and max measured
 *                  on training data); the output is those N values (argmax = prediction).
 *   'calibrated'   MODA-like: column K of the logits becomes scale * score + offset, the two
 *                  numbers fitted by cross-entropy on training data; the output is logits.
 */
import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { layers } from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import type { Shape } from '@tensorflow/tfjs-layers/dist/keras_format/common.js';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';

export type ReplaceRule = 'cnnsplitter' | 'calibrated';

export interface ReplaceClassArgs extends LayerArgs {
  classIndex: number;
  rule: ReplaceRule;
  /** cnnsplitter: the score range on training data. */
  scoreMin?: number;
  scoreMax?: number;
  /** calibrated: the fitted map of the score to a logit. */
  scale?: number;
  offset?: number;
}

export class ReplaceClass extends layers.Layer {
  static className = 'MwtReplaceClass';
  readonly args: Required<Pick<ReplaceClassArgs, 'classIndex' | 'rule' | 'scoreMin' | 'scoreMax' | 'scale' | 'offset'>>;

  constructor(args: ReplaceClassArgs) {
    super(args);
    if (args.rule !== 'cnnsplitter' && args.rule !== 'calibrated') throw new Error(`ReplaceClass: unknown rule '${String(args.rule)}'`);
    this.args = {
      classIndex: args.classIndex,
      rule: args.rule,
      scoreMin: args.scoreMin ?? 0,
      scoreMax: args.scoreMax ?? 1,
      scale: args.scale ?? 1,
      offset: args.offset ?? 0,
    };
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [logits, score] = inputs as tf.Tensor[];
      const n = logits!.shape[1]!;
      const { classIndex: k, rule, scoreMin, scoreMax, scale, offset } = this.args;
      const base = rule === 'cnnsplitter' ? tf.softmax(logits as tf.Tensor2D) : logits!;
      const column =
        rule === 'cnnsplitter'
          ? tf.clipByValue(tf.div(tf.sub(score!, scoreMin), Math.max(scoreMax - scoreMin, 1e-12)), 0, 1)
          : tf.add(tf.mul(score!, scale), offset);
      const onK = tf.reshape(tf.oneHot(tf.tensor1d([k], 'int32'), n), [1, n]);
      // base outside column K, the module's value on it.
      return tf.add(tf.mul(base, tf.sub(1, onK)), tf.mul(column, onK));
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0]!;
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), ...this.args };
  }
}
serialization.registerClass(ReplaceClass);
