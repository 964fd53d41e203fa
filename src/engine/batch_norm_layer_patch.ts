/**
 * Makes tfjs-layers' BatchNormalization use batchNormTraining() in training mode.
 *
 * The layer's training path calls a module-private function (normalizeBatchInTraining), so the
 * only way to change it without forking the layer (and its serialised class name, which saved
 * models refer to) is to wrap the class's `call`. The wrapper takes over only the case it
 * reproduces exactly: training mode, normalisation over the last axis, with both scale and
 * center; it updates the moving mean/variance with the same formula as the stock layer.
 * Everything else (inference, other axes) goes to the stock implementation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { batchNormTraining } from './batch_norm_training.js';

/** The fields of tfjs-layers' BatchNormalization that the training path reads. */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: { read(): tf.Tensor };
  beta: { read(): tf.Tensor };
  movingMean: { read(): tf.Tensor; write(v: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(v: tf.Tensor): void };
}

type CallFn = (this: BatchNormFields, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

const PATCHED = Symbol.for('mwt.fusedBatchNorm');

function batchNormClass(): { prototype: { call: CallFn } & Record<symbol, unknown> } {
  const entry = serialization.SerializationMap.getMap().classNameMap['BatchNormalization'];
  if (entry == null) throw new Error('tfjs-layers BatchNormalization is not registered (is @tensorflow/tfjs-layers loaded?)');
  return entry[0] as unknown as { prototype: { call: CallFn } & Record<symbol, unknown> };
}

/** Same update as the stock layer: v <- v - (v - value) * (1 - momentum). */
function movingAverage(variable: BatchNormFields['movingMean'], value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const orig = variable.read();
    variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - momentum)));
  });
}

let stock: CallFn | null = null;

/** Installs the fused training path (idempotent). */
export function installFusedBatchNorm(): void {
  const proto = batchNormClass().prototype;
  if (proto[PATCHED]) return;
  const original = proto.call;
  stock = original;
  const fused: CallFn = function (inputs, kwargs) {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    const training = kwargs?.['training'] === true;
    const axis = this.axis >= 0 ? this.axis : this.axis + input.rank;
    if (!training || axis !== input.rank - 1 || !this.center || !this.scale || (Array.isArray(inputs) && inputs.length !== 1)) {
      return original.call(this, inputs, kwargs);
    }
    return tf.tidy(() =>
      batchNormTraining(input, this.gamma.read() as tf.Tensor1D, this.beta.read() as tf.Tensor1D, this.epsilon, (mean, variance) => {
        movingAverage(this.movingMean, mean, this.momentum);
        movingAverage(this.movingVariance, variance, this.momentum);
      }),
    );
  };
  proto.call = fused;
  proto[PATCHED] = true;
}

/** Restores the stock tfjs-layers training path (for comparisons in tests and benchmarks). */
export function uninstallFusedBatchNorm(): void {
  const proto = batchNormClass().prototype;
  if (!proto[PATCHED] || stock == null) return;
  proto.call = stock;
  proto[PATCHED] = false;
}
