/**
 * Measured inference latency of `model.predict`: the median wall time of repeated calls after
 * warm-up calls (the first calls compile kernels and allocate), on whatever backend is active.
 * The median, not the mean, because the machine is shared: one slow call from another process
 * should not move the figure. Models compared with each other are timed in turns (A, B, A, B...)
 * rather than one after the other, so that a change in the machine's load hits both alike. Outputs are read back (dataSync) inside the timed region, so the
 * time covers the whole computation on asynchronous backends too.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { median } from '../stats/median.js';

export interface LatencyOptions {
  /** Untimed calls first. Default 2. */
  warmup?: number;
  /** Timed calls; the median is returned. Default 10. */
  repeats?: number;
  /** Called after each predict call, warm-up or timed (to show progress). */
  onCall?: () => void;
}

export interface LatencyMs {
  batch1: number;
  batch128: number;
}

function checkRepeats(repeats: number): void {
  if (!(Number.isInteger(repeats) && repeats > 0)) throw new Error(`latency repeats: expected a positive integer, got ${repeats}`);
}

/** One timed predict (outputs read back), in milliseconds. */
function timePredict(model: LayersModel, x: tf.Tensor): number {
  const start = performance.now();
  tf.tidy(() => {
    const out = model.predict(x);
    for (const t of Array.isArray(out) ? out : [out]) t.dataSync();
  });
  return performance.now() - start;
}

/** Median milliseconds of one `model.predict` for each model, on the same random batch, timed in turns. */
export function compareLatency(models: LayersModel[], batchSize: number, opts: LatencyOptions = {}): number[] {
  const { warmup = 2, repeats = 10 } = opts;
  checkRepeats(repeats);
  const shape = models[0]!.inputs[0]!.shape.slice(1) as number[];
  for (const m of models) {
    if (m.inputs[0]!.shape.slice(1).join() !== shape.join())
      throw new Error(`latency: models take different inputs (${shape.join('x')} vs ${m.inputs[0]!.shape.slice(1).join('x')})`);
  }
  const x = tf.randomNormal([batchSize, ...shape]);
  const timed = (m: LayersModel) => {
    const ms = timePredict(m, x);
    opts.onCall?.();
    return ms;
  };
  try {
    for (const m of models) for (let i = 0; i < warmup; i++) timed(m);
    const times = models.map(() => [] as number[]);
    for (let i = 0; i < repeats; i++) models.forEach((m, k) => times[k]!.push(timed(m)));
    return times.map(median);
  } finally {
    x.dispose();
  }
}

/** Median milliseconds of one `model.predict` on a batch of `batchSize` random inputs. */
export function measureLatency(model: LayersModel, batchSize: number, opts: LatencyOptions = {}): number {
  return compareLatency([model], batchSize, opts)[0]!;
}

/** Latency at batch 1 and batch 128 (the two figures every summary reports) of each model, timed in turns. */
export function compareLatencies(models: LayersModel[], opts: LatencyOptions = {}): LatencyMs[] {
  const b1 = compareLatency(models, 1, opts);
  const b128 = compareLatency(models, 128, opts);
  return models.map((_, k) => ({ batch1: b1[k]!, batch128: b128[k]! }));
}

export function measureLatencies(model: LayersModel, opts: LatencyOptions = {}): LatencyMs {
  return compareLatencies([model], opts)[0]!;
}
