/**
 * The Jaccard index (paper Eq. 1) over kernel sets given as 0/1 rows, and its mean over all pairs
 * of many rows (Eq. 2), vectorised.
 *
 * Empty sets: JI(empty, empty) = 1 (two identical sets, the limit of "exactly the same"; this also
 * makes a module whose samples all use none of its kernels perfectly cohesive), and
 * JI(empty, non-empty) = 0 (no overlap).
 *
 * Mean over pairs: |A n B| is a dot product, |A u B| = |A| + |B| - |A n B|, so all pairwise
 * indices of a block of rows come from one matrix product. Identical rows are merged first and
 * weighted by multiplicity: with distinct rows u (multiplicity c_u, n = sum c_u) and
 * W = sum_{u,v} c_u c_v JI(u, v) over ordered pairs including u = v (where JI = 1), the sum over
 * unordered pairs of distinct samples is (W - n) / 2, so the mean is (W - n) / (n (n - 1)).
 * Rows are processed in blocks, so memory is O(block x distinct rows) for any number of samples.
 */
import * as tf from '@tensorflow/tfjs-core';

/** `rows` x `cols` 0/1 bytes, row-major. */
export type BinaryMatrix = { rows: number; cols: number; data: Uint8Array };

/** Eq. 1 for two sets given as equal-length 0/1 (or any: > 0 means member) arrays. */
export function jaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`jaccard: sets of different lengths (${a.length} and ${b.length})`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! > 0;
    const y = b[i]! > 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/** Merges identical rows; returns the distinct rows and the multiplicity of each. */
export function distinctRows(m: BinaryMatrix): { unique: BinaryMatrix; counts: number[] } {
  const seen = new Map<string, number>();
  const counts: number[] = [];
  const kept: number[] = [];
  for (let r = 0; r < m.rows; r++) {
    const row = m.data.subarray(r * m.cols, (r + 1) * m.cols);
    let key = '';
    for (let c = 0; c < m.cols; c++) key += row[c]! > 0 ? '1' : '0';
    const at = seen.get(key);
    if (at === undefined) {
      seen.set(key, kept.length);
      kept.push(r);
      counts.push(1);
    } else {
      counts[at]!++;
    }
  }
  const data = new Uint8Array(kept.length * m.cols);
  kept.forEach((r, i) => {
    for (let c = 0; c < m.cols; c++) data[i * m.cols + c] = m.data[r * m.cols + c]! > 0 ? 1 : 0;
  });
  return { unique: { rows: kept.length, cols: m.cols, data }, counts };
}

/**
 * Mean JI over all unordered pairs of distinct samples, where sample rows are the distinct rows
 * of `unique` repeated `counts` times. Fewer than two samples: 1 (nothing disagrees).
 * Needs an initialised tfjs backend.
 */
export function weightedMeanPairwiseJaccard(unique: BinaryMatrix, counts: ArrayLike<number>, blockRows = 512): number {
  if (counts.length !== unique.rows) throw new Error(`weightedMeanPairwiseJaccard: ${counts.length} counts for ${unique.rows} rows`);
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i]!;
  if (n < 2 || unique.rows <= 1 || unique.cols === 0) return 1;
  const { rows, cols } = unique;
  let w = 0;
  const all = tf.tensor2d(Float32Array.from(unique.data), [rows, cols]);
  const weights = tf.tensor2d(Float32Array.from(counts), [rows, 1]);
  const sizes = tf.sum(all, 1);
  try {
    for (let start = 0; start < rows; start += blockRows) {
      const size = Math.min(blockRows, rows - start);
      // Per row of the block: sum_v c_v JI(u, v); multiplied by c_u and summed in float64 here.
      const perRow = tf.tidy(() => {
        const block = tf.slice(all, [start, 0], [size, cols]);
        const inter = tf.matMul(block, all, false, true); // [size, rows]
        const union = tf.sub(tf.add(tf.reshape(tf.slice(sizes, [start], [size]), [size, 1]), tf.reshape(sizes, [1, rows])), inter);
        const ji = tf.where(tf.greater(union, 0), tf.div(inter, tf.maximum(union, 1)), tf.onesLike(union));
        return tf.matMul(ji, weights).dataSync();
      });
      for (let i = 0; i < size; i++) w += counts[start + i]! * perRow[i]!;
    }
  } finally {
    tf.dispose([all, weights, sizes]);
  }
  return (w - n) / (n * (n - 1));
}

/** Eq. 2: mean JI over all pairs i < j of the rows (1 when there are fewer than two rows). */
export function meanPairwiseJaccard(m: BinaryMatrix, blockRows = 512): number {
  const { unique, counts } = distinctRows(m);
  return weightedMeanPairwiseJaccard(unique, counts, blockRows);
}

/** Mean JI over all pairs of distinct sets (Eq. 3 averaged over module pairs); 0 for fewer than two sets. */
export function meanPairJaccard(sets: ArrayLike<number>[]): number {
  if (sets.length < 2) return 0;
  let total = 0;
  let pairs = 0;
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      total += jaccard(sets[i]!, sets[j]!);
      pairs++;
    }
  }
  return total / pairs;
}
