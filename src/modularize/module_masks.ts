/**
 * Module masks from kernel usage counts (paper Sec. 3.3): a class's module keeps a kernel when
 * the fraction of the class's training samples that use it reaches the threshold tau.
 *
 * The paper writes "exceeds" (>); we keep frequency >= tau, so tau = 1 means "used by every
 * sample" and is a usable setting. Every layer must keep at least one kernel (a module is a
 * network): when a layer keeps none at tau, its own threshold is lowered in steps of 0.05
 * (tau - 0.05, tau - 0.1, ...) while it stays > 0, until one kernel reaches it. If even the last
 * positive step keeps none (the class barely uses the layer), the single most frequent kernel is
 * kept (lowest index on ties), rather than every kernel, which a threshold of 0 would keep.
 *
 * Pure functions over plain arrays: no tfjs.
 */
import { UsageError } from '../errors.js';

export const THRESHOLD_STEP = 0.05;

/** One masked conv: its name and its kernel count in the full model. */
export interface MaskedLayer {
  name: string;
  kernels: number;
}

export interface LayerSelection {
  /** Kept kernel indices, ascending. */
  kept: number[];
  /** The threshold that this layer ended up using (tau, or lower after the fallback). */
  threshold: number;
}

/** Rounds away float noise of repeated subtraction (0.9 - 3 * 0.05 = 0.7500000000000001). */
const roundThreshold = (t: number) => Math.round(t * 1e9) / 1e9;

/**
 * Selects one layer's kernels for one class. `counts[j]` = number of the class's `samples` that
 * use kernel j.
 */
export function selectLayerKernels(counts: ArrayLike<number>, samples: number, tau: number): LayerSelection {
  if (!(samples > 0))
    throw new Error(`module mask: a class with ${samples} training samples has no module (expected at least one sample per class)`);
  if (!(tau > 0 && tau <= 1)) throw new UsageError(`--threshold: expected a number in (0, 1], got ${tau}`, { option: 'threshold' });
  if (counts.length === 0) throw new Error('module mask: a layer with no kernels');
  for (let step = 0; ; step++) {
    const threshold = roundThreshold(tau - step * THRESHOLD_STEP);
    if (threshold <= 0) break;
    const kept: number[] = [];
    for (let j = 0; j < counts.length; j++) {
      // counts / samples >= threshold, compared without division; the epsilon absorbs float noise.
      if (counts[j]! >= threshold * samples - 1e-9) kept.push(j);
    }
    if (kept.length > 0) return { kept, threshold };
  }
  let best = 0;
  for (let j = 1; j < counts.length; j++) if (counts[j]! > counts[best]!) best = j;
  return { kept: [best], threshold: 0 };
}

export interface ModuleMask {
  class: number;
  /** Kept kernel indices per masked conv name. */
  keep: Record<string, number[]>;
  /** Threshold used per layer (below tau where the fallback lowered it). */
  thresholds: Record<string, number>;
}

/**
 * Module masks of all classes. `usage[k]` holds class k's kernel usage counts for all layers
 * concatenated in `layers` order; `samples[k]` is class k's sample count.
 */
export function selectModuleMasks(layers: MaskedLayer[], usage: ArrayLike<number>[], samples: number[], tau: number): ModuleMask[] {
  const total = layers.reduce((n, l) => n + l.kernels, 0);
  return usage.map((counts, k) => {
    if (counts.length !== total) throw new Error(`module mask: class ${k} has ${counts.length} usage counts, expected ${total}`);
    const keep: Record<string, number[]> = {};
    const thresholds: Record<string, number> = {};
    let offset = 0;
    for (const layer of layers) {
      const slice = Array.prototype.slice.call(counts, offset, offset + layer.kernels) as number[];
      const sel = selectLayerKernels(slice, samples[k]!, tau);
      keep[layer.name] = sel.kept;
      thresholds[layer.name] = sel.threshold;
      offset += layer.kernels;
    }
    return { class: k, keep, thresholds };
  });
}

/** Positions of a module's kept kernels in the concatenated (all layers) kernel numbering. */
export function globalKernelIndices(layers: MaskedLayer[], keep: Record<string, number[]>): number[] {
  const out: number[] = [];
  let offset = 0;
  for (const layer of layers) {
    for (const j of keep[layer.name] ?? []) out.push(offset + j);
    offset += layer.kernels;
  }
  return out;
}
