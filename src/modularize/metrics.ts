/**
 * Modularity metrics of a set of modules (paper Sec. 4.1 metrics, Eq. 1-3):
 *
 * - kernel retention rate (KRR): per module, kept kernels / masked kernels of the model; the
 *   result is the mean over modules. Only masked convs count (the first conv has no mask and is
 *   always kept whole, so it is part of no module's choice).
 * - cohesion of module k: mean pairwise JI of the kernel sets of class k's training samples,
 *   each restricted to module k's kernels (sK n mK); the result is the mean over modules.
 * - coupling: mean JI of the kernel sets of all pairs of modules.
 *
 * Kernel sets span all masked layers. The per-layer breakdown applies the same definitions to one
 * layer's kernels only. JI of two empty sets is 1 (see src/modularize/jaccard.ts).
 */
import { jaccard, weightedMeanPairwiseJaccard } from './jaccard.js';
import { globalKernelIndices, type ModuleMask } from './module_masks.js';
import type { SampleMasks } from './sample_masks.js';

/** What the metrics read of the sample-mask pass: the binary masks, not the mask values. */
export type BinarySampleMasks = Omit<SampleMasks, 'meanMasks'>;

export interface LayerBreakdown {
  kernelRate: number;
  cohesion: number;
}

export interface ModuleMetrics {
  class: number;
  /** Kept kernels / masked kernels. */
  kernelRate: number;
  /** Mean pairwise JI of the class's sample kernel sets restricted to this module. */
  cohesion: number;
  /** Mean JI between this module and each other module. */
  coupling: number;
  /** The same per masked conv (present when the per-layer breakdown was asked for). */
  layers?: Record<string, LayerBreakdown>;
}

export interface LayerMetrics {
  name: string;
  kernels: number;
  kernelRetentionRate: number;
  cohesion: number;
  coupling: number;
}

export interface ModularityMetrics {
  kernelRetentionRate: number;
  cohesion: number;
  coupling: number;
  modules: ModuleMetrics[];
  /** Per masked conv, averaged over modules like the totals (when asked for). */
  layers?: LayerMetrics[];
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** A module's kernel set as a 0/1 array over `columns` (global kernel indices) of width `width`. */
function indicator(width: number, columns: number[]): Uint8Array {
  const out = new Uint8Array(width);
  for (const c of columns) out[c] = 1;
  return out;
}

/** Cohesion of one module over the given global kernel columns. */
function cohesionOver(masks: BinarySampleMasks, k: number, columns: number[]): number {
  const bits = masks.bits?.[k];
  if (!bits) throw new Error('cohesion: sample masks were collected without their bit rows (keepBits: false)');
  const { unique, width, counts } = bits.distinctRestrictedRows(columns);
  return weightedMeanPairwiseJaccard({ rows: counts.length, cols: width, data: unique }, counts);
}

/** Mean over pairs k < j of f(k, j); 0 with fewer than two modules. */
function meanOverPairs(n: number, f: (a: number, b: number) => number): { mean: number; perModule: number[] } {
  const sums = new Array<number>(n).fill(0);
  let total = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const v = f(a, b);
      total += v;
      sums[a]! += v;
      sums[b]! += v;
    }
  }
  const pairs = (n * (n - 1)) / 2;
  return { mean: pairs === 0 ? 0 : total / pairs, perModule: sums.map((s) => (n < 2 ? 0 : s / (n - 1))) };
}

export function modularityMetrics(masks: BinarySampleMasks, modules: ModuleMask[], opts: { perLayer?: boolean } = {}): ModularityMetrics {
  const { layers, totalKernels } = masks;
  const perLayer = opts.perLayer !== false;
  const kept = modules.map((m) => globalKernelIndices(layers, m.keep));
  const sets = kept.map((cols) => indicator(totalKernels, cols));

  const coupling = meanOverPairs(modules.length, (a, b) => jaccard(sets[a]!, sets[b]!));
  const moduleMetrics: ModuleMetrics[] = modules.map((m, i) => ({
    class: m.class,
    kernelRate: kept[i]!.length / totalKernels,
    cohesion: cohesionOver(masks, m.class, kept[i]!),
    coupling: coupling.perModule[i]!,
  }));

  let layerMetrics: LayerMetrics[] | undefined;
  if (perLayer) {
    layerMetrics = [];
    let offset = 0;
    for (const layer of layers) {
      const columns = modules.map((m) => (m.keep[layer.name] ?? []).map((j) => offset + j));
      const rates = columns.map((c) => c.length / layer.kernels);
      const cohesions = modules.map((m, i) => cohesionOver(masks, m.class, columns[i]!));
      const layerSets = modules.map((m) => indicator(layer.kernels, m.keep[layer.name] ?? []));
      const layerCoupling = meanOverPairs(modules.length, (a, b) => jaccard(layerSets[a]!, layerSets[b]!));
      moduleMetrics.forEach((mm, i) => {
        (mm.layers ??= {})[layer.name] = { kernelRate: rates[i]!, cohesion: cohesions[i]! };
      });
      layerMetrics.push({
        name: layer.name,
        kernels: layer.kernels,
        kernelRetentionRate: mean(rates),
        cohesion: mean(cohesions),
        coupling: layerCoupling.mean,
      });
      offset += layer.kernels;
    }
  }

  return {
    kernelRetentionRate: mean(moduleMetrics.map((m) => m.kernelRate)),
    cohesion: mean(moduleMetrics.map((m) => m.cohesion)),
    coupling: coupling.mean,
    modules: moduleMetrics,
    ...(layerMetrics ? { layers: layerMetrics } : {}),
  };
}
