/**
 * MODA-like calibration without touching any module: per column of a score matrix, a scale and
 * an offset (score * a + b) fitted by softmax cross-entropy on labelled training data. Columns
 * not listed keep a = 1, b = 0 (replace: the weak model's own logits stay as they are).
 */
import * as tf from '@tensorflow/tfjs-core';

export interface ColumnCalibration {
  scale: number[];
  offset: number[];
  /** Mean cross-entropy on the fitting data before and after. */
  lossBefore: number;
  lossAfter: number;
  samples: number;
}

export function fitColumnCalibration(
  values: Float32Array,
  width: number,
  labels: ArrayLike<number>,
  columns: number[],
  opts: { steps?: number; lr?: number } = {},
): ColumnCalibration {
  const steps = opts.steps ?? 300;
  const lr = opts.lr ?? 0.05;
  const n = values.length / width;
  if (n !== labels.length || n === 0) throw new Error(`calibration: ${n} score rows for ${labels.length} labels`);
  const fit = new Float32Array(width);
  for (const c of columns) fit[c] = 1;
  const x = tf.tensor2d(values, [n, width]);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), width);
  const mask = tf.tensor1d(fit);
  // Parameterised as deltas on the fitted columns only, so the others stay exactly (1, 0).
  const logScale = tf.variable(tf.zeros([width]));
  const offset = tf.variable(tf.zeros([width]));
  const optimizer = tf.train.adam(lr);
  const lossOf = () =>
    tf.tidy(() => {
      const a = tf.exp(tf.mul(logScale, mask));
      const b = tf.mul(offset, mask);
      return tf.losses.softmaxCrossEntropy(y, tf.add(tf.mul(x, a), b)) as tf.Scalar;
    });
  try {
    const lossBefore = tf.tidy(() => lossOf().dataSync()[0]!);
    for (let s = 0; s < steps; s++) tf.tidy(() => void optimizer.minimize(lossOf, false, [logScale, offset]));
    const lossAfter = tf.tidy(() => lossOf().dataSync()[0]!);
    const scale = tf.tidy(() => Array.from(tf.exp(tf.mul(logScale, mask)).dataSync()));
    const off = tf.tidy(() => Array.from(tf.mul(offset, mask).dataSync()));
    return { scale, offset: off, lossBefore, lossAfter, samples: n };
  } finally {
    tf.dispose([x, y, mask, logScale, offset]);
    optimizer.dispose();
  }
}

/** values * scale + offset per column, as a new matrix. */
export function applyColumnCalibration(
  values: Float32Array,
  width: number,
  cal: Pick<ColumnCalibration, 'scale' | 'offset'>,
): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * cal.scale[i % width]! + cal.offset[i % width]!;
  return out;
}
