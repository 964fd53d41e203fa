/** Jaccard index and its pairwise means, against values worked out by hand. */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import {
  distinctRows,
  jaccard,
  meanPairJaccard,
  meanPairwiseJaccard,
  weightedMeanPairwiseJaccard,
  type BinaryMatrix,
} from '../../src/modularize/jaccard.js';
import { testBackend } from '../support/backend.js';

beforeAll(async () => {
  await initBackend(testBackend('cpu'));
});

const matrix = (rows: string[]): BinaryMatrix => ({
  rows: rows.length,
  cols: rows[0]?.length ?? 0,
  data: Uint8Array.from(rows.join('').split('').map(Number)),
});

describe('jaccard', () => {
  it('is |A n B| / |A u B|', () => {
    expect(jaccard([1, 1, 0, 0], [0, 1, 1, 0])).toBeCloseTo(1 / 3, 12);
    expect(jaccard([1, 0, 1], [1, 0, 1])).toBe(1);
    expect(jaccard([1, 0, 0], [0, 0, 1])).toBe(0);
  });

  it('defines two empty sets as identical (1) and empty vs non-empty as disjoint (0)', () => {
    expect(jaccard([0, 0, 0], [0, 0, 0])).toBe(1);
    expect(jaccard([], [])).toBe(1);
    expect(jaccard([0, 0, 0], [0, 1, 0])).toBe(0);
  });

  it('rejects sets of different lengths', () => {
    expect(() => jaccard([1], [1, 0])).toThrow(/different lengths/);
  });
});

describe('meanPairwiseJaccard (Eq. 2)', () => {
  it('averages over all pairs i < j, empty rows included', () => {
    // A=110 B=011 C=000 D=110: AB 1/3, AC 0, AD 1, BC 0, BD 1/3, CD 0 -> (5/3) / 6 = 5/18.
    expect(meanPairwiseJaccard(matrix(['110', '011', '000', '110']))).toBeCloseTo(5 / 18, 6);
    // Two empty sets (JI 1) and one non-empty (JI 0 with each): 1/3.
    expect(meanPairwiseJaccard(matrix(['00', '00', '10']))).toBeCloseTo(1 / 3, 6);
    // All rows empty: every pair is two empty sets.
    expect(meanPairwiseJaccard(matrix(['000', '000', '000']))).toBe(1);
  });

  it('is 1 for fewer than two rows and for zero columns', () => {
    expect(meanPairwiseJaccard(matrix(['101']))).toBe(1);
    expect(meanPairwiseJaccard({ rows: 0, cols: 3, data: new Uint8Array(0) })).toBe(1);
    expect(meanPairwiseJaccard({ rows: 4, cols: 0, data: new Uint8Array(0) })).toBe(1);
  });

  it('weights distinct rows by multiplicity', () => {
    // Rows 11 x3 and 10 x1: pairs among the 11s: 3 x 1; 11-10 pairs: 3 x 1/2 -> (3 + 1.5) / 6 = 0.75.
    expect(weightedMeanPairwiseJaccard(matrix(['11', '10']), [3, 1])).toBeCloseTo(0.75, 6);
    expect(meanPairwiseJaccard(matrix(['11', '11', '10', '11']))).toBeCloseTo(0.75, 6);
  });

  it('matches the naive double loop on a random matrix, across block boundaries', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const rows = 157;
    const cols = 13;
    // Few active bits per row so that some rows repeat and some are empty.
    const data = Uint8Array.from({ length: rows * cols }, () => (random() < 0.2 ? 1 : 0));
    let total = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = i + 1; j < rows; j++) total += jaccard(data.subarray(i * cols, (i + 1) * cols), data.subarray(j * cols, (j + 1) * cols));
    }
    const naive = total / ((rows * (rows - 1)) / 2);
    expect(meanPairwiseJaccard({ rows, cols, data }, 7)).toBeCloseTo(naive, 5);
    expect(distinctRows({ rows, cols, data }).unique.rows).toBeLessThan(rows);
  });
});

describe('distinctRows', () => {
  it('keeps first occurrences in order with their counts', () => {
    const { unique, counts } = distinctRows(matrix(['10', '01', '10', '10']));
    expect(Array.from(unique.data)).toEqual([1, 0, 0, 1]);
    expect(counts).toEqual([3, 1]);
  });
});

describe('meanPairJaccard (coupling, Eq. 3)', () => {
  it('averages JI over pairs of sets', () => {
    // 1100 vs 0110: 1/3; 1100 vs 0011: 0; 0110 vs 0011: 1/3 -> 2/9.
    expect(
      meanPairJaccard([
        [1, 1, 0, 0],
        [0, 1, 1, 0],
        [0, 0, 1, 1],
      ]),
    ).toBeCloseTo(2 / 9, 12);
    expect(meanPairJaccard([[1, 0]])).toBe(0);
  });
});
