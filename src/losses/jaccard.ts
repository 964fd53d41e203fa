/**
 * Exact modularity metrics on binarised masks (paper Eq. 1-3), host side.
 *
 * Sets are 0/1 rows; |A n B| is a dot product and |A u B| = |A| + |B| - |A n B|, so the pairwise
 * Jaccard indices of many sets come from one matrix product. JI of two empty sets is taken as 1
 * (they are identical), of an empty and a non-empty set as 0.
 */

export type BinaryMatrix = { rows: number; cols: number; data: Uint8Array };

export function jaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
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

/**
 * Mean pairwise Jaccard index over all pairs i < j of the rows (Eq. 2 for one module).
 * Rows are processed in blocks so memory stays bounded for thousands of samples.
 */
export function meanPairwiseJaccard(m: BinaryMatrix, blockRows = 256): number {
  const { rows, cols, data } = m;
  if (rows < 2) return 1;
  const sizes = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let k = 0; k < cols; k++) s += data[i * cols + k]!;
    sizes[i] = s;
  }
  // Column-compressed active lists make the intersection count O(active) per pair.
  const active: Int32Array[] = [];
  for (let i = 0; i < rows; i++) {
    const idx: number[] = [];
    for (let k = 0; k < cols; k++) if (data[i * cols + k]) idx.push(k);
    active.push(Int32Array.from(idx));
  }
  let total = 0;
  const mark = new Uint8Array(cols);
  for (let start = 0; start < rows; start += blockRows) {
    const end = Math.min(rows, start + blockRows);
    for (let i = start; i < end; i++) {
      const ai = active[i]!;
      for (let t = 0; t < ai.length; t++) mark[ai[t]!] = 1;
      for (let j = i + 1; j < rows; j++) {
        const aj = active[j]!;
        let inter = 0;
        for (let t = 0; t < aj.length; t++) inter += mark[aj[t]!]!;
        const union = sizes[i]! + sizes[j]! - inter;
        total += union === 0 ? 1 : inter / union;
      }
      for (let t = 0; t < ai.length; t++) mark[ai[t]!] = 0;
    }
  }
  return total / ((rows * (rows - 1)) / 2);
}

/** Mean Jaccard index over all pairs of distinct sets (Eq. 3 averaged over module pairs). */
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
