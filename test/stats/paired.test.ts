/** The paired difference of two classifiers against figures worked out by hand. */
import { describe, expect, it } from 'vitest';
import { meanPairedDifference, pairedDifference } from '../../src/stats/paired.js';

/** n images: `onlyFirst` right only for the first, `onlySecond` only for the second, `both` for both, the rest for neither. */
function scores(n: number, onlyFirst: number, onlySecond: number, both: number): [number[], number[]] {
  const first = Array.from({ length: n }, (_, i) =>
    i < onlyFirst || (i >= onlyFirst + onlySecond && i < onlyFirst + onlySecond + both) ? 1 : 0,
  );
  const second = Array.from({ length: n }, (_, i) => (i >= onlyFirst && i < onlyFirst + onlySecond + both ? 1 : 0));
  return [first, second];
}

describe('pairedDifference', () => {
  it('ten images, 7 against 6 right: the gap, its standard error and McNemar p', () => {
    const first = [1, 1, 1, 0, 0, 1, 0, 1, 1, 1];
    const second = [1, 0, 1, 0, 1, 1, 0, 0, 1, 1];
    const d = pairedDifference(first, second);
    expect([d.n, d.onlyFirst, d.onlySecond]).toEqual([10, 2, 1]);
    expect(d.difference).toBeCloseTo(0.1, 12);
    // Per-image differences 0,1,0,0,-1,0,0,1,0,0: mean 0.1, squares about it 3 - 10 * 0.01 = 2.9,
    // sample variance 2.9 / 9, standard error sqrt(2.9 / 9 / 10).
    expect(d.standardError).toBeCloseTo(Math.sqrt(2.9 / 9 / 10), 12);
    // Three images disagree, split 2 to 1: P(X <= 1) for X ~ Bin(3, 1/2) is 4/8; two-sided, capped at 1.
    expect(d.p).toBeCloseTo(1, 12);
    // Booleans read as numbers; the order of the classifiers flips the sign only.
    const flipped = pairedDifference(second.map(Boolean), first.map(Boolean));
    expect([flipped.difference, flipped.standardError, flipped.p]).toEqual([-d.difference, d.standardError, d.p]);
    expect(d.p).toBeLessThanOrEqual(1);
  });

  it('an uneven split of the images they disagree on is unlikely by the draw alone', () => {
    // 6 disagree, 5 to 1: 2 * (1 + 6) / 64.
    expect(pairedDifference(...scores(50, 5, 1, 30)).p).toBeCloseTo(14 / 64, 12);
    // 10 disagree, all one way: 2 / 1024. The gap is 10 points, its standard error sqrt(9 / 99 / 100).
    const d = pairedDifference(...scores(100, 10, 0, 70));
    expect(d.p).toBeCloseTo(2 / 1024, 12);
    expect(d.difference).toBeCloseTo(0.1, 12);
    expect(d.standardError).toBeCloseTo(Math.sqrt(9 / 99 / 100), 12);
  });

  it('holds at the size of a real test set, and for two classifiers that agree everywhere', () => {
    // 2,000 images, 1,200 disagreeing evenly: no overflow, p 1.
    const even = pairedDifference(...scores(2000, 600, 600, 500));
    expect(even.difference).toBe(0);
    expect(even.p).toBeCloseTo(1, 12);
    // 130 against 97 of 2,000 (a 1.65-point gap): 2 * sum of C(227, i) for i <= 97, over 2^227,
    // is 0.0334476108 (Python's exact integers).
    const gap = pairedDifference(...scores(2000, 130, 97, 1400));
    expect(gap.difference).toBeCloseTo(0.0165, 12);
    expect(gap.p).toBeCloseTo(0.0334476108, 9);
    const same = pairedDifference([1, 0, 1], [1, 0, 1]);
    expect([same.difference, same.standardError, same.p]).toEqual([0, 0, 1]);
    expect(() => pairedDifference([1, 0], [1])).toThrow('pairedDifference: 2 images against 1');
  });
});

describe('meanPairedDifference', () => {
  it('two tasks sharing an image: the mean gap and an error worked out by hand', () => {
    // A: images 0,1 with differences 1,0 (mean 0.5); B: images 1,2 with -1,0 (mean -0.5). K = 2.
    // u0 = (1 - 0.5) / 4 = 0.125; u1 = (0 - 0.5) / 4 + (-1 + 0.5) / 4 = -0.25; u2 = (0 + 0.5) / 4 = 0.125.
    // Sum of squares 0.09375, times 3 / 2 for three images: 0.140625, whose root is 0.375.
    const d = meanPairedDifference([
      { images: [0, 1], differences: [1, 0] },
      { images: [1, 2], differences: [-1, 0] },
    ]);
    expect([d.tasks, d.images]).toEqual([2, 3]);
    expect(d.difference).toBeCloseTo(0, 12);
    expect(d.standardError).toBeCloseTo(0.375, 12);
  });

  it('is the paired standard error for one task, and does not shrink when a task is repeated', () => {
    const first = [1, 1, 1, 0, 0, 1, 0, 1, 1, 1];
    const second = [1, 0, 1, 0, 1, 1, 0, 0, 1, 1];
    const one = pairedDifference(first, second);
    const task = { images: first.map((_, i) => 100 + i), differences: first.map((a, i) => a - second[i]!) };
    const single = meanPairedDifference([task]);
    expect(single.difference).toBeCloseTo(one.difference, 12);
    expect(single.standardError).toBeCloseTo(one.standardError, 12);
    // The same images and differences twice: perfectly correlated, so the same error, not one sqrt(2) smaller.
    expect(meanPairedDifference([task, task]).standardError).toBeCloseTo(one.standardError, 12);
    // Two tasks on disjoint images with equal spread: about 1 / sqrt(2) of one task's error.
    const other = { images: task.images.map((i) => i + 50), differences: task.differences };
    const disjoint = meanPairedDifference([task, other]);
    expect(disjoint.standardError / one.standardError).toBeCloseTo(Math.SQRT1_2 * Math.sqrt((20 / 19) * (9 / 10)), 12);
    expect(() => meanPairedDifference([])).toThrow('at least one task');
    expect(() => meanPairedDifference([{ images: [0, 1], differences: [1] }])).toThrow('task 0 has 2 images against 1');
  });
});
