/**
 * The in-memory dataset shared by every reader, and pure helpers over it.
 *
 * One flat Float32Array in NHWC order (what tfjs conv layers take) rather than per-image arrays:
 * SVHN train is ~73k images, and one buffer keeps the memory compact and the batch copies cheap.
 * Helpers never mutate their input; they return new datasets (sharing `classNames` arrays only).
 */
import seedrandom from 'seedrandom';

export interface Dataset {
  /** NHWC, values already scaled to [0,1] before normalisation. */
  images: Float32Array;
  /** 0..numClasses-1 */
  labels: Int32Array;
  count: number;
  /** [h, w, c] */
  shape: [number, number, number];
  numClasses: number;
  classNames?: string[];
}

export interface ChannelStats {
  mean: number[];
  std: number[];
}

/** Seeds are numbers or strings; seedrandom wants a string. */
export type Seed = number | string;

export function rng(seed: Seed): () => number {
  return seedrandom(String(seed));
}

/** Fisher-Yates shuffle in place with the given generator. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(a: T, random: () => number): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

export function sampleSize(ds: Pick<Dataset, 'shape'>): number {
  return ds.shape[0] * ds.shape[1] * ds.shape[2];
}

/** Checks that the arrays agree with count/shape/numClasses; readers call it before returning. */
export function validateDataset(ds: Dataset, what = 'dataset'): Dataset {
  const size = sampleSize(ds);
  if (ds.images.length !== ds.count * size) {
    throw new Error(`${what}: expected ${ds.count}x${ds.shape.join('x')} = ${ds.count * size} pixel values, found ${ds.images.length}`);
  }
  if (ds.labels.length !== ds.count) {
    throw new Error(`${what}: expected ${ds.count} labels, found ${ds.labels.length}`);
  }
  for (let i = 0; i < ds.count; i++) {
    const l = ds.labels[i];
    if (!(l >= 0 && l < ds.numClasses)) {
      throw new Error(`${what}: label ${l} at index ${i} is outside 0..${ds.numClasses - 1}`);
    }
  }
  if (ds.classNames && ds.classNames.length !== ds.numClasses) {
    throw new Error(`${what}: expected ${ds.numClasses} class names, found ${ds.classNames.length}`);
  }
  return ds;
}

/** Number of samples per class, indexed by label. */
export function classCounts(ds: Pick<Dataset, 'labels' | 'numClasses'>): number[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (let i = 0; i < ds.labels.length; i++) counts[ds.labels[i]]++;
  return counts;
}

/** Sample indices grouped by class, each group in file order. */
export function indicesByClass(ds: Pick<Dataset, 'labels' | 'numClasses'>): number[][] {
  const groups: number[][] = Array.from({ length: ds.numClasses }, () => []);
  for (let i = 0; i < ds.labels.length; i++) groups[ds.labels[i]].push(i);
  return groups;
}

/**
 * New dataset holding the given samples in the given order (labels unchanged).
 * `labelMap`, when given, maps old label -> new label (used by selectClasses).
 */
export function subsetByIndices(
  ds: Dataset,
  indices: ArrayLike<number>,
  labelMap?: ArrayLike<number>,
  numClasses = ds.numClasses,
  classNames = ds.classNames,
): Dataset {
  const size = sampleSize(ds);
  const n = indices.length;
  const images = new Float32Array(n * size);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    if (!(i >= 0 && i < ds.count)) throw new Error(`subset: index ${i} is outside 0..${ds.count - 1}`);
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = labelMap ? labelMap[ds.labels[i]] : ds.labels[i];
  }
  const out: Dataset = { images, labels, count: n, shape: [...ds.shape], numClasses };
  if (classNames) out.classNames = classNames;
  return out;
}

/**
 * Class-balanced subset of `limit` samples: each class gets limit/numClasses (the remainder going
 * to the lowest labels); when a class has too few samples its share is spread over the others.
 * Which samples a class contributes is a seeded random choice; the result keeps file order so
 * that a subset of a subset stays predictable (batching shuffles anyway).
 */
export function balancedSubset(ds: Dataset, limit: number, seed: Seed): Dataset {
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`balancedSubset: limit must be a non-negative integer, got ${limit}`);
  const groups = indicesByClass(ds);
  const random = rng(seed);
  for (const g of groups) shuffleInPlace(g, random);
  const quota = new Array<number>(ds.numClasses).fill(0);
  let remaining = Math.min(limit, ds.count);
  // Round-robin over classes that still have samples: equal shares, extra to lower labels.
  while (remaining > 0) {
    const open = groups.map((g, c) => c).filter((c) => quota[c] < groups[c].length);
    const share = Math.max(1, Math.floor(remaining / open.length));
    for (const c of open) {
      if (remaining === 0) break;
      const take = Math.min(share, groups[c].length - quota[c], remaining);
      quota[c] += take;
      remaining -= take;
    }
  }
  const chosen: number[] = [];
  groups.forEach((g, c) => {
    for (let k = 0; k < quota[c]; k++) chosen.push(g[k]);
  });
  chosen.sort((a, b) => a - b);
  return subsetByIndices(ds, chosen);
}

/**
 * Keeps only the listed classes and relabels them 0..M-1 in the order given, so
 * selectClasses(ds, [7, 2]) makes old class 7 the new class 0.
 */
export function selectClasses(ds: Dataset, classes: number[]): Dataset {
  if (classes.length === 0) throw new Error('selectClasses: no classes given');
  const map = new Int32Array(ds.numClasses).fill(-1);
  classes.forEach((c, k) => {
    if (!Number.isInteger(c) || c < 0 || c >= ds.numClasses) {
      throw new Error(`selectClasses: class ${c} is outside 0..${ds.numClasses - 1}`);
    }
    if (map[c] !== -1) throw new Error(`selectClasses: class ${c} listed twice`);
    map[c] = k;
  });
  const kept: number[] = [];
  for (let i = 0; i < ds.count; i++) if (map[ds.labels[i]] !== -1) kept.push(i);
  const names = ds.classNames ? classes.map((c) => ds.classNames![c]) : undefined;
  return subsetByIndices(ds, kept, map, classes.length, names);
}

/** Per-channel mean and (population) standard deviation over all pixels; two passes for accuracy. */
export function channelStats(ds: Dataset): ChannelStats {
  const c = ds.shape[2];
  const n = ds.images.length / c;
  if (n === 0) throw new Error('channelStats: dataset is empty');
  const sum = new Float64Array(c);
  for (let i = 0; i < ds.images.length; i += c) for (let k = 0; k < c; k++) sum[k] += ds.images[i + k];
  const mean = Array.from(sum, (s) => s / n);
  const sq = new Float64Array(c);
  for (let i = 0; i < ds.images.length; i += c) {
    for (let k = 0; k < c; k++) {
      const d = ds.images[i + k] - mean[k];
      sq[k] += d * d;
    }
  }
  return { mean, std: Array.from(sq, (s) => Math.sqrt(s / n)) };
}

/** (x - mean) / std per channel, as a new dataset. A zero std (constant channel) divides by 1. */
export function normalize(ds: Dataset, stats: ChannelStats): Dataset {
  const c = ds.shape[2];
  if (stats.mean.length !== c || stats.std.length !== c) {
    throw new Error(`normalize: expected ${c} channel means and stds, found ${stats.mean.length} and ${stats.std.length}`);
  }
  const mean = Float64Array.from(stats.mean);
  const inv = Float64Array.from(stats.std, (s) => (s > 0 ? 1 / s : 1));
  const out = new Float32Array(ds.images.length);
  for (let i = 0; i < out.length; i += c) {
    for (let k = 0; k < c; k++) out[i + k] = (ds.images[i + k] - mean[k]) * inv[k];
  }
  return { ...ds, images: out, labels: ds.labels.slice(), shape: [...ds.shape] };
}

/**
 * Stratified split into train / validation (for choosing epochs without touching the test set):
 * each class sends round(fraction * its count) samples to validation, chosen with the seed.
 * Both parts keep file order.
 */
export function splitValidation(ds: Dataset, fraction: number, seed: Seed): { train: Dataset; validation: Dataset } {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`splitValidation: fraction must be in (0, 1), got ${fraction}`);
  const random = rng(seed);
  const train: number[] = [];
  const validation: number[] = [];
  for (const g of indicesByClass(ds)) {
    shuffleInPlace(g, random);
    const v = Math.round(fraction * g.length);
    // Loops, not push(...spread): a class can hold more samples than the engine allows as arguments.
    for (let k = 0; k < g.length; k++) (k < v ? validation : train).push(g[k]);
  }
  train.sort((a, b) => a - b);
  validation.sort((a, b) => a - b);
  return { train: subsetByIndices(ds, train), validation: subsetByIndices(ds, validation) };
}
