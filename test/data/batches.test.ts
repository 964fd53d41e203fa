import { describe, expect, it } from 'vitest';
import { BatchIterator, batches, cropFlipInto, type Dataset } from '../../src/data/index.js';

/** n images of h x w x c where every value of image i is i (so a batch reveals which samples it holds). */
function indexed(n: number, h = 2, w = 2, c = 1): Dataset {
  const s = h * w * c;
  const images = new Float32Array(n * s);
  for (let i = 0; i < n; i++) images.fill(i, i * s, (i + 1) * s);
  return { images, labels: Int32Array.from({ length: n }, (_, i) => i % 3), count: n, shape: [h, w, c], numClasses: 3 };
}

/** Sample ids of one epoch, checking x and y agree. */
function epochIds(it: Iterable<{ x: Float32Array; y: Int32Array; size: number }>, s: number): number[] {
  const out: number[] = [];
  for (const b of it) {
    expect(b.x.length).toBe(b.size * s);
    expect(b.y.length).toBe(b.size);
    for (let k = 0; k < b.size; k++) {
      const id = b.x[k * s];
      expect(b.y[k]).toBe(id % 3);
      out.push(id);
    }
  }
  return out;
}

describe('BatchIterator', () => {
  const ds = indexed(23);

  it('covers each sample exactly once per epoch (ordered and shuffled, keep)', () => {
    const range = Array.from({ length: 23 }, (_, i) => i);
    expect(epochIds(batches(ds, { batchSize: 5 }), 4)).toEqual(range);
    const it = new BatchIterator(ds, { batchSize: 5, shuffle: true, seed: 1 });
    expect(it.numBatches).toBe(5);
    for (let e = 0; e < 3; e++) expect(epochIds(it.epoch(), 4).sort((a, b) => a - b)).toEqual(range);
  });

  it("drops the short last batch with lastBatch: 'drop'", () => {
    const it = new BatchIterator(ds, { batchSize: 5, lastBatch: 'drop' });
    expect(it.numBatches).toBe(4);
    const sizes = [...it.epoch()].map((b) => b.size);
    expect(sizes).toEqual([5, 5, 5, 5]);
  });

  it('shuffles reproducibly per seed, with a new order each epoch', () => {
    const a = new BatchIterator(ds, { batchSize: 4, shuffle: true, seed: 'x' });
    const b = new BatchIterator(ds, { batchSize: 4, shuffle: true, seed: 'x' });
    const a0 = epochIds(a.epoch(), 4);
    const a1 = epochIds(a.epoch(), 4);
    expect(a1).not.toEqual(a0);
    expect(epochIds(b.epoch(), 4)).toEqual(a0);
    expect(epochIds(b.epoch(), 4)).toEqual(a1);
    // Epoch k is the same whether or not the earlier epochs ran.
    expect(epochIds(new BatchIterator(ds, { batchSize: 4, shuffle: true, seed: 'x' }).epoch(1), 4)).toEqual(a1);
    expect(epochIds(new BatchIterator(ds, { batchSize: 4, shuffle: true, seed: 'y' }).epoch(0), 4)).not.toEqual(a0);
  });

  it('reuses its buffers across steps unless told not to', () => {
    const it = new BatchIterator(ds, { batchSize: 5, shuffle: true });
    const xs = [...it.epoch()].map((b) => b.x);
    expect(xs[0]).toBe(xs[1]);
    expect(xs[4].buffer).toBe(xs[0].buffer); // short last batch is a view of the same buffer
    const fresh = [...new BatchIterator(ds, { batchSize: 5, reuseBuffers: false }).epoch()];
    expect(fresh[0].x).not.toBe(fresh[1].x);
    expect(epochIds(fresh, 4)).toEqual(Array.from({ length: 23 }, (_, i) => i));
  });

  it('rejects bad options', () => {
    expect(() => new BatchIterator(ds, { batchSize: 0 })).toThrow('batches: batchSize must be a positive integer, got 0');
  });
});

describe('augmentation', () => {
  // A 3x3 RGB image: value = 100*row + 10*col + channel.
  const img = Float32Array.from({ length: 27 }, (_, i) => 100 * Math.floor(i / 9) + 10 * Math.floor((i % 9) / 3) + (i % 3));
  const at = (a: Float32Array, r: number, c: number, k: number, off = 0) => a[off + (r * 3 + c) * 3 + k];

  it('cropFlipInto shifts with padding and mirrors exactly', () => {
    const out = new Float32Array(27);
    cropFlipInto(img, 0, out, 0, [3, 3, 3], 0, 0, true, [0, 0, 0]);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) expect(at(out, r, c, k)).toBe(at(img, r, 2 - c, k));
    cropFlipInto(img, 0, out, 0, [3, 3, 3], 1, -1, false, [-1, -2, -3]);
    // out(r, c) = in(r + 1, c - 1): row 2 and column 0 fall outside and take the pad values.
    expect([at(out, 0, 1, 0), at(out, 0, 1, 2), at(out, 1, 2, 1)]).toEqual([100, 102, 211]);
    expect([at(out, 2, 1, 0), at(out, 2, 1, 1), at(out, 0, 0, 2)]).toEqual([-1, -2, -3]);
    cropFlipInto(img, 0, out, 0, [3, 3, 3], 0, 1, true, [9, 9, 9]);
    // Crop then flip: out(r, c) = in(r, 2 - c + 1); column 0 reads in column 3 -> padding.
    expect([at(out, 1, 0, 0), at(out, 1, 1, 0), at(out, 1, 2, 1)]).toEqual([9, 120, 111]);
  });

  it('keeps shapes and, without the crop, yields the image or its mirror (both seen), seeded', () => {
    const n = 40;
    const images = new Float32Array(n * 27);
    for (let i = 0; i < n; i++) images.set(img, i * 27);
    const ds: Dataset = { images, labels: new Int32Array(n), count: n, shape: [3, 3, 3], numClasses: 1 };
    const it = new BatchIterator(ds, { batchSize: 16, augment: { padding: 0 }, seed: 5 });
    let flipped = 0;
    const firstEpoch: number[] = [];
    for (const b of it.epoch()) {
      expect(b.x.length).toBe(b.size * 27);
      for (let k = 0; k < b.size; k++) {
        const same = [0, 1, 2].every((r) => [0, 1, 2].every((c) => at(b.x, r, c, 0, k * 27) === at(img, r, c, 0)));
        const mirror = [0, 1, 2].every((r) => [0, 1, 2].every((c) => [0, 1, 2].every((q) => at(b.x, r, c, q, k * 27) === at(img, r, 2 - c, q))));
        expect(same || mirror).toBe(true);
        if (mirror) flipped++;
        firstEpoch.push(mirror ? 1 : 0);
      }
    }
    expect(flipped).toBeGreaterThan(5);
    expect(flipped).toBeLessThan(35);
    // reuseBuffers: false because the batches are collected before being read.
    const again = new BatchIterator(ds, { batchSize: 16, augment: { padding: 0 }, seed: 5, reuseBuffers: false });
    const replay = [...again.epoch()].flatMap((b) => Array.from({ length: b.size }, (_, k) => (at(b.x, 0, 0, 0, k * 27) === at(img, 0, 2, 0) ? 1 : 0)));
    expect(replay).toEqual(firstEpoch);
  });

  it('default 32x32 recipe: shifts stay within 4 pixels and padding uses padValue', () => {
    const ds = indexed(8, 32, 32, 3);
    for (let i = 0; i < ds.images.length; i++) ds.images[i] = 1; // all-ones images
    const it = new BatchIterator(ds, { batchSize: 8, augment: { padValue: [-1, -2, -3] }, seed: 2 });
    const [b] = [...it.epoch()];
    expect(b.x.length).toBe(8 * 32 * 32 * 3);
    for (let k = 0; k < 8; k++) {
      // Count padded rows/columns per image: at most 4 on one side, the centre always image.
      let padded = 0;
      for (let p = 0; p < 1024; p++) if (b.x[k * 3072 + p * 3] === -1) {
        padded++;
        expect(b.x[k * 3072 + p * 3 + 2]).toBe(-3);
      }
      expect(padded).toBeLessThanOrEqual(32 * 32 - 28 * 28);
      expect(b.x[k * 3072 + (16 * 32 + 16) * 3]).toBe(1);
    }
  });
});
