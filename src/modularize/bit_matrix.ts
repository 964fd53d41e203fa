/**
 * A growable matrix of bits, one row per sample, one column per kernel: the compact form in which
 * the binarised sample masks are kept between the inference pass and the cohesion metric.
 *
 * Why bits: VGG16 has 4,160 masked kernels; 50,000 CIFAR-10 samples as bytes would take 208 MB,
 * as bits 26 MB. Rows are packed little-endian within a byte (column c is bit c % 8 of byte c / 8).
 */
export class BitMatrix {
  /** Bytes per row. */
  readonly stride: number;
  private data: Uint8Array;
  private count = 0;

  constructor(
    readonly cols: number,
    initialRows = 64,
  ) {
    this.stride = Math.ceil(cols / 8);
    this.data = new Uint8Array(Math.max(1, initialRows) * this.stride);
  }

  get rows(): number {
    return this.count;
  }

  /** Appends one row given as `cols` values starting at `offset` of `values`; a value > 0 is a 1. */
  appendRow(values: ArrayLike<number>, offset = 0): void {
    if ((this.count + 1) * this.stride > this.data.length) {
      const grown = new Uint8Array(Math.max(this.data.length * 2, (this.count + 1) * this.stride));
      grown.set(this.data);
      this.data = grown;
    }
    const base = this.count * this.stride;
    for (let c = 0; c < this.cols; c++) {
      if (values[offset + c]! > 0) this.data[base + (c >> 3)]! |= 1 << (c & 7);
    }
    this.count++;
  }

  get(row: number, col: number): boolean {
    return (this.data[row * this.stride + (col >> 3)]! & (1 << (col & 7))) !== 0;
  }

  /**
   * The rows restricted to `columns` (in that order), with identical rows merged: returns the
   * distinct restricted rows as 0/1 bytes and how many samples each stands for. Metrics over
   * pairs of rows then cost (distinct rows)^2 instead of (rows)^2; a cohesive class has few.
   */
  distinctRestrictedRows(columns: ArrayLike<number>): { unique: Uint8Array; width: number; counts: number[] } {
    const width = columns.length;
    const seen = new Map<string, number>();
    const counts: number[] = [];
    const rows: Uint8Array[] = [];
    const scratch = new Uint8Array(width);
    // The key packs the restricted row into bytes again: 8 columns per character.
    const keyBytes = new Uint8Array(Math.ceil(width / 8));
    for (let r = 0; r < this.count; r++) {
      keyBytes.fill(0);
      const base = r * this.stride;
      for (let i = 0; i < width; i++) {
        const c = columns[i]!;
        const bit = (this.data[base + (c >> 3)]! >> (c & 7)) & 1;
        scratch[i] = bit;
        keyBytes[i >> 3]! |= bit << (i & 7);
      }
      const key = String.fromCharCode(...keyBytes);
      const at = seen.get(key);
      if (at === undefined) {
        seen.set(key, rows.length);
        rows.push(scratch.slice());
        counts.push(1);
      } else {
        counts[at]!++;
      }
    }
    const unique = new Uint8Array(rows.length * width);
    rows.forEach((row, i) => unique.set(row, i * width));
    return { unique, width, counts };
  }
}
