import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, parseMat5, readMat5, readSvhnMat, type Dataset } from '../../src/data/index.js';
import { svhnX, writeMat } from './mat_writer.js';
import { tempDir } from './tmp.js';

const FIX = 'test/fixtures/svhn';
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8'));

/** Stored uint8 value of X(row, col, ch, img), read back from the NHWC floats. */
const px = (ds: Dataset, r: number, c: number, ch: number, n: number) => Math.round(ds.images[((n * 32 + r) * 32 + c) * 3 + ch] * 255);
const patch = (ds: Dataset, ch: number, n: number) => [14, 15, 16].map((r) => [14, 15, 16].map((c) => px(ds, r, c, ch, n)));

function byteSum(ds: Dataset, from = 0, to = ds.images.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += Math.round(ds.images[i] * 255);
  return s;
}

describe('SVHN reader against the format sample', () => {
  it('reads the compressed train file (labels as stored, sums, patches)', () => {
    const e = expected.train;
    const mat = readMat5(join(FIX, 'train_32x32.mat'));
    const y = mat.variables.get('y')!;
    expect(y.className).toBe('double');
    expect(Array.from(y.real!.subarray(0, 8))).toEqual(e.first_labels_as_stored);
    expect(mat.variables.get('X')!.dims).toEqual([32, 32, 3, e.n]);

    const ds = readSvhnMat(join(FIX, 'train_32x32.mat'));
    expect(ds.count).toBe(e.n);
    expect(ds.shape).toEqual([32, 32, 3]);
    expect(Array.from(ds.labels.subarray(0, 8))).toEqual(e.first_labels_as_stored.map((v: number) => (v === 10 ? 0 : v)));
    expect(byteSum(ds, 0, 3072)).toBe(e.sum_uint8_image0);
    expect(byteSum(ds)).toBe(e.pixel_sum_all);
    expect([0, 1, 2].map((ch) => patch(ds, ch, 0))).toEqual(e['X[14:17,14:17,c,0] for c=0,1,2 (row, col)']);
  });

  it('reads the uncompressed test file and maps label 10 to 0', () => {
    const e = expected.test;
    const raw = readMat5(join(FIX, 'test_32x32.mat')).variables.get('y')!.real!;
    expect(Array.from(raw.subarray(0, 8))).toEqual(e.first_labels_as_stored);
    const ds = loadDataset('svhn', FIX, 'test');
    expect(ds.count).toBe(e.n);
    expect(Array.from(ds.labels.subarray(0, 8))).toEqual([3, 3, 6, 8, 0, 0, 2, 9]);
    let tens = 0;
    for (let i = 0; i < ds.count; i++) if (raw[i] === 10) {
        tens++;
        expect(ds.labels[i]).toBe(0);
      }
    expect(tens).toBeGreaterThan(0);
    expect(Math.max(...ds.labels)).toBeLessThanOrEqual(9);
    expect(byteSum(ds, 0, 3072)).toBe(e.sum_uint8_image0);
    expect(byteSum(ds)).toBe(e.pixel_sum_all);
    expect(patch(ds, 0, 5)).toEqual(e['X[14:17,14:17,0,5] (row, col)']);
  });
});

describe('MAT v5 reader on written files', () => {
  const dir = tempDir();
  // Two 32x32x3 images with distinct values per (image, row, col, channel).
  const n = 2;
  const nhwc = Array.from({ length: n * 3072 }, (_, i) => (i * 7) % 251);
  const X = { name: 'X', cls: 9, dims: [32, 32, 3, n], type: 2, values: svhnX(nhwc, n) };

  for (const [label, opts] of [
    ['uncompressed little-endian', {}],
    ['compressed', { compress: true }],
    ['big-endian', { littleEndian: false }],
  ] as const) {
    it(`converts column-major X to NHWC (${label}); y stored as miUINT8 inside a double array`, () => {
      const bytes = writeMat([X, { name: 'y', cls: 6, dims: [n, 1], type: 2, values: [10, 4] }], opts);
      const mat = parseMat5(bytes, 'w.mat');
      expect(mat.variables.get('y')!.className).toBe('double');
      const path = join(dir, `${label}.mat`);
      writeFileSync(path, bytes);
      const ds = readSvhnMat(path);
      expect(Array.from(ds.labels)).toEqual([0, 4]);
      for (let i = 0; i < nhwc.length; i++) if (Math.round(ds.images[i] * 255) !== nhwc[i]) throw new Error(`pixel ${i} differs`);
    });
  }

  it('decodes other stored types by the element type (int16, single, double, big-endian)', () => {
    for (const le of [true, false]) {
      const mat = parseMat5(
        writeMat(
          [
            { name: 'a', cls: 6, dims: [1, 3], type: 3, values: [-2, 300, 7] },
            { name: 'b', cls: 7, dims: [2, 1], type: 7, values: [1.5, -0.25] },
            { name: 'c', cls: 6, dims: [1, 1], type: 9, values: [Math.PI] },
          ],
          { littleEndian: le },
        ),
        'types.mat',
      );
      expect(Array.from(mat.variables.get('a')!.real!)).toEqual([-2, 300, 7]);
      expect(Array.from(mat.variables.get('b')!.real!)).toEqual([1.5, -0.25]);
      expect(mat.variables.get('c')!.real![0]).toBe(Math.PI);
    }
  });

  it('names the file and what it found when X or y is missing', () => {
    const path = join(dir, 'test_32x32.mat');
    writeFileSync(path, writeMat([X], { compress: true }));
    expect(() => readSvhnMat(path)).toThrow('test_32x32.mat: expected variables X and y, found X');
  });

  it('reports truncation and non-MAT files', () => {
    const bytes = readFileSync(join(FIX, 'test_32x32.mat'));
    expect(() => parseMat5(bytes.subarray(0, 5000), 'cut.mat')).toThrow(/^cut\.mat: data element at byte 128 \(type 14\) needs \d+ bytes, only \d+ remain$/);
    const z = readFileSync(join(FIX, 'train_32x32.mat'));
    expect(() => parseMat5(z.subarray(0, 5000), 'cutz.mat')).toThrow(/^cutz\.mat: data element at byte 128 \(type 15\)/);
    expect(() => parseMat5(new Uint8Array(200), 'zeros.mat')).toThrow(/^zeros\.mat: not a MATLAB level-5 MAT file/);
  });
});
