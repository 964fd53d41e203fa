/**
 * Helpers to run the same computation on two tfjs backends and compare the results.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Runs `fn` with `backend` active and returns its tensors' values (then disposes them). */
export async function valuesOn(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(fn);
  const values = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose(out);
  return values;
}

/** max |a - b| / max |b|: the error relative to the reference tensor's scale. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Deterministic pseudo-random values in [-1, 1) (no dependence on a backend's RNG). */
export function fixedValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** A 4-d tensor of `fixedValues` (the same values on every backend). */
export function fixedTensor4d(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tensor4d(
    fixedValues(
      shape.reduce((a, b) => a * b),
      seed,
    ),
    shape,
  );
}
