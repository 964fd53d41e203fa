/**
 * Which sub-tasks a sweep runs (paper RQ3: "we randomly select 10 sub-tasks for each 2-class to
 * 9-class classification sub-task"): k-class subsets of N classes, drawn without replacement
 * with a seed, or all of them when there are no more than asked for.
 *
 * Subsets are numbered in lexicographic order (0 = {0, 1, ..., k-1}); a sample is a set of
 * distinct numbers (Floyd's algorithm), each turned into its subset by unranking with binomial
 * coefficients from mathjs. Pure functions: no tfjs.
 */
import { combinations } from 'mathjs';
import { rng, type Seed } from '../data/dataset.js';
import { UsageError } from '../errors.js';

/** C(n, k) as a number (exact while it stays below 2^53). */
export function countSubsets(n: number, k: number): number {
  if (!(Number.isInteger(n) && Number.isInteger(k) && k >= 0 && n >= k))
    throw new Error(`subsets: expected integers 0 <= k <= n, got n=${n}, k=${k}`);
  return combinations(n, k) as number;
}

/** The subset of 0..n-1 with `k` elements at position `rank` in lexicographic order. */
export function unrankSubset(n: number, k: number, rank: number): number[] {
  const total = countSubsets(n, k);
  if (!(Number.isInteger(rank) && rank >= 0 && rank < total)) throw new Error(`subsets: rank ${rank} is outside 0..${total - 1}`);
  const subset: number[] = [];
  let next = 0;
  let r = rank;
  for (let i = 0; i < k; i++) {
    // Subsets whose i-th element is `next` come first; skip whole blocks until r falls in one.
    for (;;) {
      const block = countSubsets(n - next - 1, k - i - 1);
      if (r < block) break;
      r -= block;
      next++;
    }
    subset.push(next++);
  }
  return subset;
}

/**
 * Up to `count` distinct k-subsets of 0..n-1 (each ascending), uniformly at random without
 * replacement, in lexicographic order; all C(n, k) of them when that is no more than `count`.
 */
export function sampleSubsets(n: number, k: number, count: number, seed: Seed): number[][] {
  if (!(Number.isInteger(count) && count > 0))
    throw new UsageError(`--per-size: expected a positive integer, got ${count}`, { option: 'perSize' });
  const total = countSubsets(n, k);
  if (!Number.isSafeInteger(total)) throw new Error(`subsets: C(${n}, ${k}) is too large to sample exactly`);
  let ranks: number[];
  if (total <= count) {
    ranks = Array.from({ length: total }, (_, i) => i);
  } else {
    // Floyd: for j = total-count .. total-1 draw t in 0..j; take t, or j when t was taken already.
    const random = rng(seed);
    const chosen = new Set<number>();
    for (let j = total - count; j < total; j++) {
      const t = Math.floor(random() * (j + 1));
      chosen.add(chosen.has(t) ? j : t);
    }
    ranks = [...chosen].sort((a, b) => a - b);
  }
  return ranks.map((r) => unrankSubset(n, k, r));
}
