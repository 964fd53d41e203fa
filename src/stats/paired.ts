/**
 * Two classifiers scored on the same test images: the gap between their accuracies, and how much
 * of it the draw of images alone could make. Why: the CIFAR-10 development subset evaluates on
 * 2,000 images, where one model's accuracy near 75% has a binomial standard error of about one
 * point, as large as the accuracy loss the paper reports (about 1 point). Only the images the two
 * models disagree on carry the gap, so it is judged on them (McNemar's test), not on two
 * independent standard errors.
 */
import { lgamma } from 'mathjs';

export interface PairedDifference {
  /** Test images. */
  n: number;
  /** Images only the first classifier gets right. */
  onlyFirst: number;
  /** Images only the second classifier gets right. */
  onlySecond: number;
  /** accuracy(first) - accuracy(second), a fraction: (onlyFirst - onlySecond) / n. */
  difference: number;
  /** Standard error of `difference` over the images: the sample sd of the per-image differences (1, 0 or -1) over sqrt(n). */
  standardError: number;
  /**
   * McNemar's exact two-sided p: were both equally accurate, the chance that the images they
   * disagree on split at least this unevenly (each going either way at 1/2).
   */
  p: number;
}

/** P(X <= k) for X ~ Binomial(m, 1/2), from log-gamma so that m in the thousands does not overflow. */
function binomialHalfAtMost(k: number, m: number): number {
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(lgamma(m + 1) - lgamma(i + 1) - lgamma(m - i + 1) - m * Math.LN2);
  return sum;
}

/** The paired difference of two classifiers from whether each got each image right (same images, same order). Pure. */
export function pairedDifference(firstCorrect: ArrayLike<number | boolean>, secondCorrect: ArrayLike<number | boolean>): PairedDifference {
  const n = firstCorrect.length;
  if (n !== secondCorrect.length) throw new Error(`pairedDifference: ${n} images against ${secondCorrect.length}`);
  if (n < 2) throw new Error(`pairedDifference: expected at least 2 images, got ${n}`);
  let onlyFirst = 0;
  let onlySecond = 0;
  for (let i = 0; i < n; i++) {
    const [a, b] = [Boolean(firstCorrect[i]), Boolean(secondCorrect[i])];
    if (a && !b) onlyFirst++;
    else if (b && !a) onlySecond++;
  }
  const difference = (onlyFirst - onlySecond) / n;
  // Per-image differences are 1 (onlyFirst times), -1 (onlySecond times), else 0.
  const sumSquares = onlyFirst + onlySecond - n * difference * difference;
  const standardError = Math.sqrt(sumSquares / (n - 1) / n);
  const disagree = onlyFirst + onlySecond;
  const p = disagree === 0 ? 1 : Math.min(1, 2 * binomialHalfAtMost(Math.min(onlyFirst, onlySecond), disagree));
  return { n, onlyFirst, onlySecond, difference, standardError, p };
}

/** One paired comparison over its own images of a shared test set. */
export interface PairedTask {
  /** Indices of the task's images in the shared test set, each at most once. */
  images: ArrayLike<number>;
  /** The per-image difference (first right minus second right: 1, 0 or -1), in the order of `images`. */
  differences: ArrayLike<number>;
}

export interface MeanPairedDifference {
  tasks: number;
  /** Distinct test images over all tasks. */
  images: number;
  /** The mean over tasks of each task's mean difference. */
  difference: number;
  /** Its standard error over the draw of the shared test images. */
  standardError: number;
}

/**
 * The mean of several paired differences whose image sets overlap, with a standard error that
 * counts the overlap. Why: the sub-tasks of one size share classes, so one hard test image weighs
 * on several of their losses at once; treating their errors as independent would shrink the
 * error of the mean by sqrt(tasks) where it does not shrink. Each image is one draw: its
 * contribution to the mean, linearised (each task's mean is a ratio over its images), is
 * u_i = sum over tasks k holding i of (d_ki - m_k) / (K n_k), and the variance is
 * M / (M - 1) * sum u_i^2 over the M distinct images. For one task this is exactly
 * `pairedDifference`'s standard error; for the same task twice it is the same again. Pure.
 */
export function meanPairedDifference(tasks: PairedTask[]): MeanPairedDifference {
  const K = tasks.length;
  if (K === 0) throw new Error('meanPairedDifference: expected at least one task');
  const contribution = new Map<number, number>();
  let difference = 0;
  for (const [k, { images, differences }] of tasks.entries()) {
    const n = images.length;
    if (n !== differences.length)
      throw new Error(`meanPairedDifference: task ${k} has ${n} images against ${differences.length} differences`);
    if (n < 1) throw new Error(`meanPairedDifference: task ${k} has no images`);
    let m = 0;
    for (let j = 0; j < n; j++) m += differences[j]!;
    m /= n;
    difference += m / K;
    for (let j = 0; j < n; j++) {
      const i = images[j]!;
      contribution.set(i, (contribution.get(i) ?? 0) + (differences[j]! - m) / (K * n));
    }
  }
  const M = contribution.size;
  if (M < 2) throw new Error(`meanPairedDifference: expected at least 2 distinct images, got ${M}`);
  let sumSquares = 0;
  for (const u of contribution.values()) sumSquares += u * u;
  return { tasks: K, images: M, difference, standardError: Math.sqrt((M / (M - 1)) * sumSquares) };
}
