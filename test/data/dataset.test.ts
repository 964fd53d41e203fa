import { describe, expect, it } from 'vitest';
import {
  balancedSubset,
  channelStats,
  classCounts,
  loadDataset,
  normalize,
  selectClasses,
  splitValidation,
  type Dataset,
} from '../../src/data/index.js';

/** n images of 2x2x2; image i has every value = i/1000 in channel 0 and 1 - i/1000 in channel 1. */
function toy(labels: number[], numClasses: number): Dataset {
  const n = labels.length;
  const images = new Float32Array(n * 8);
  for (let i = 0; i < n; i++) for (let p = 0; p < 4; p++) {
      images[i * 8 + 2 * p] = i / 1000;
      images[i * 8 + 2 * p + 1] = 1 - i / 1000;
    }
  return {
    images,
    labels: Int32Array.from(labels),
    count: n,
    shape: [2, 2, 2],
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, c) => `c${c}`),
  };
}
/** Recovers the source index of each sample from its pixel values. */
const ids = (ds: Dataset) => Array.from({ length: ds.count }, (_, i) => Math.round(ds.images[i * 8] * 1000));

// Unbalanced: class 0 x50, class 1 x30, class 2 x5, interleaved.
const labels = [...Array(50).fill(0), ...Array(30).fill(1), ...Array(5).fill(2)].map((_, i, a) => a[(i * 37) % a.length]);
const ds = toy(labels, 3);

describe('balancedSubset', () => {
  it('takes equal shares per class and spreads the shortfall of small classes', () => {
    expect(classCounts(balancedSubset(ds, 15, 1))).toEqual([5, 5, 5]);
    expect(classCounts(balancedSubset(ds, 17, 1))).toEqual([6, 6, 5]);
    expect(classCounts(balancedSubset(ds, 30, 1))).toEqual([13, 12, 5]);
    expect(classCounts(balancedSubset(ds, 75, 1))).toEqual([40, 30, 5]);
    expect(balancedSubset(ds, 1000, 1).count).toBe(ds.count);
  });

  it('is deterministic for a seed, differs across seeds, keeps file order and pixels', () => {
    const a = balancedSubset(ds, 30, 'seed');
    expect(ids(balancedSubset(ds, 30, 'seed'))).toEqual(ids(a));
    expect(ids(balancedSubset(ds, 30, 'other'))).not.toEqual(ids(a));
    const idx = ids(a);
    expect([...idx].sort((x, y) => x - y)).toEqual(idx);
    idx.forEach((src, k) => expect(a.labels[k]).toBe(ds.labels[src]));
  });

  it('is balanced on the Fashion-MNIST sample', () => {
    const fm = loadDataset('fashion-mnist', 'data/fashion-mnist-sample', 'test');
    expect(classCounts(balancedSubset(fm, 200, 7))).toEqual(new Array(10).fill(20));
  });
});

describe('selectClasses', () => {
  it('keeps the listed classes and relabels them in the given order', () => {
    const s = selectClasses(ds, [2, 0]);
    expect(s.numClasses).toBe(2);
    expect(s.classNames).toEqual(['c2', 'c0']);
    expect(classCounts(s)).toEqual([5, 50]);
    ids(s).forEach((src, k) => expect(s.labels[k]).toBe(ds.labels[src] === 2 ? 0 : 1));
    expect(() => selectClasses(ds, [0, 3])).toThrow('selectClasses: class 3 is outside 0..2');
    expect(() => selectClasses(ds, [1, 1])).toThrow('selectClasses: class 1 listed twice');
  });
});

describe('channelStats / normalize', () => {
  it('gives mean ~0 and std ~1 per channel after normalising', () => {
    const fm = loadDataset('fashion-mnist', 'data/fashion-mnist-sample', 'test');
    const stats = channelStats(fm);
    expect(stats.mean[0]).toBeGreaterThan(0.2);
    const n = normalize(fm, stats);
    const after = channelStats(n);
    expect(Math.abs(after.mean[0])).toBeLessThan(1e-5);
    expect(after.std[0]).toBeCloseTo(1, 5);
    expect(fm.images[0]).toBeGreaterThanOrEqual(0); // input untouched
    const two = channelStats(normalize(ds, channelStats(ds)));
    two.mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-5));
    two.std.forEach((s) => expect(s).toBeCloseTo(1, 5));
    expect(() => normalize(ds, { mean: [0], std: [1] })).toThrow('normalize: expected 2 channel means and stds, found 1 and 1');
  });
});

describe('splitValidation', () => {
  it('is stratified, disjoint, complete and seeded', () => {
    const { train, validation } = splitValidation(ds, 0.2, 3);
    expect(classCounts(validation)).toEqual([10, 6, 1]);
    expect(classCounts(train)).toEqual([40, 24, 4]);
    const all = [...ids(train), ...ids(validation)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: ds.count }, (_, i) => i));
    expect(ids(splitValidation(ds, 0.2, 3).validation)).toEqual(ids(validation));
    expect(() => splitValidation(ds, 1, 0)).toThrow('splitValidation: fraction must be in (0, 1), got 1');
  });
});
