/**
 * Measured inference latency of `model.predict`: the median wall time of repeated calls after
 * warm-up calls (the first calls compile kernels and allocate), on whatever backend is active.
 * The median, not the mean, because the machine is shared: one slow call from another process
 * should not move the figure. Outputs are read back (dataSync) inside the timed region, so the
 * time covers the whole computation on asynchronous backends too.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

export interface LatencyOptions {
  /** Untimed calls first. Default 2. */
  warmup?: number;
  /** Timed calls; the median is returned. Default 10. */
  repeats?: number;
}

export interface LatencyMs {
  batch1: number;
  batch128: number;
}

export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median: no values');
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median milliseconds of one `model.predict` on a batch of `batchSize` random inputs. */
export function measureLatency(model: LayersModel, batchSize: number, opts: LatencyOptions = {}): number {
  const { warmup = 2, repeats = 10 } = opts;
  if (!(Number.isInteger(repeats) && repeats > 0)) throw new Error(`latency repeats: expected a positive integer, got ${repeats}`);
  const shape = model.inputs[0]!.shape.slice(1) as number[];
  const x = tf.randomNormal([batchSize, ...shape]);
  const once = () =>
    tf.tidy(() => {
      const out = model.predict(x);
      for (const t of Array.isArray(out) ? out : [out]) t.dataSync();
    });
  try {
    for (let i = 0; i < warmup; i++) once();
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const start = performance.now();
      once();
      times.push(performance.now() - start);
    }
    return median(times);
  } finally {
    x.dispose();
  }
}

/** Latency at batch 1 and batch 128 (the two figures every summary reports). */
export function measureLatencies(model: LayersModel, opts: LatencyOptions = {}): LatencyMs {
  return { batch1: measureLatency(model, 1, opts), batch128: measureLatency(model, 128, opts) };
}
