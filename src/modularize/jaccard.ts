/**
 * The Jaccard index (paper Eq. 1) over kernel sets given as 0/1 rows, and its mean over all pairs
 * of many rows (Eq. 2), vectorised.
 *
 * Empty sets: JI(empty, empty) = 1 (two identical sets, the limit of "exactly the same"; this also
 * makes a module whose samples all use none of its kernels perfectly cohesive), and
 * JI(empty, non-empty) = 0 (no overlap).
 *
 * Mean over pairs: |A n B| is a dot product, |A u B| = |A| + |B| - |A n B|, so the intersections
 * of a block of rows with all others come from one matrix product. Identical rows are merged
 * first and weighted by multiplicity (c_u samples share distinct row u): the sum over pairs of
 * samples is sum_u C(c_u, 2) (JI 1 within a row) + sum_{u<v} c_u c_v JI(u, v). Rows are processed
 * in blocks, so memory is O(block x distinct rows + distinct rows x columns) for any sample count.
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
 *
 * Intersections of a block of rows with every later row come from one tf.matMul of 0/1 float32
 * matrices (exact: counts stay far below 2^24); the divisions and the weighted sum run here in
 * float64 (no float32 accumulation error over millions of pairs, no extra [block, rows] tensors).
 * The right operand is pre-transposed: on wasm, matMul(a, b, false, true) measured ~10x slower
 * than matMul(a, bT). Only the upper triangle is computed. Needs an initialised tfjs backend.
 */
export function weightedMeanPairwiseJaccard(unique: BinaryMatrix, counts: ArrayLike<number>, blockRows = 512): number {
  const { rows, cols, data } = unique;
  if (counts.length !== rows) throw new Error(`weightedMeanPairwiseJaccard: ${counts.length} counts for ${rows} rows`);
  let n = 0;
  // Pairs of samples that share a distinct row: JI 1 each.
  let sum = 0;
  for (let u = 0; u < rows; u++) {
    const c = counts[u]!;
    n += c;
    sum += (c * (c - 1)) / 2;
  }
  if (n < 2) return 1;
  const pairs = (n * (n - 1)) / 2;
  if (rows <= 1 || cols === 0) return 1; // every sample has the same set (possibly empty)

  const sizes = new Float64Array(rows);
  const transposed = new Float32Array(cols * rows); // [cols, rows]: matMul's fast layout on wasm
  for (let u = 0; u < rows; u++) {
    for (let k = 0; k < cols; k++) {
      const bit = data[u * cols + k]! > 0 ? 1 : 0;
      sizes[u]! += bit;
      transposed[k * rows + u] = bit;
    }
  }
  const allT = tf.tensor2d(transposed, [cols, rows]);
  try {
    for (let start = 0; start < rows - 1; start += blockRows) {
      const size = Math.min(blockRows, rows - start);
      const rest = rows - start; // rows start.. (the block itself and every later row)
      // Read the data outside tf.tidy: tidy walks every element of a returned typed array
      // looking for tensors, which made this loop 13x slower (measured).
      const product = tf.tidy(() => {
        const block = tf.tensor2d(
          Float32Array.from(data.subarray(start * cols, (start + size) * cols), (v) => (v > 0 ? 1 : 0)),
          [size, cols],
        );
        return tf.matMul(block, tf.slice(allT, [0, start], [cols, rest]));
      });
      const inter = product.dataSync();
      product.dispose();
      for (let i = 0; i < size; i++) {
        const u = start + i;
        const su = sizes[u]!;
        let row = 0;
        for (let v = u + 1; v < rows; v++) {
          const x = inter[i * rest + (v - start)]!;
          const union = su + sizes[v]! - x;
          row += counts[v]! * (union === 0 ? 1 : x / union);
        }
        sum += counts[u]! * row;
      }
    }
  } finally {
    allT.dispose();
  }
  return sum / pairs;
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
