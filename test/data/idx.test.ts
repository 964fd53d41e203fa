import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { classCounts, encodeIdxImages, encodeIdxLabels, loadDataset, readIdxImages, readIdxLabels, writeIdx } from '../../src/data/index.js';
import { tempDir } from './tmp.js';

const SAMPLE = 'data/fashion-mnist-sample';

describe('IDX reader on the bundled Fashion-MNIST sample', () => {
  it('reads 3000 train / 1000 test images, balanced over 10 classes', () => {
    const train = readIdxImages(join(SAMPLE, 'train-images-idx3-ubyte.gz'));
    expect([train.count, train.rows, train.cols]).toEqual([3000, 28, 28]);
    expect(classCounts({ labels: readIdxLabels(join(SAMPLE, 'train-labels-idx1-ubyte.gz')), numClasses: 10 })).toEqual(
      new Array(10).fill(300),
    );
    const test = readIdxImages(join(SAMPLE, 't10k-images-idx3-ubyte.gz'));
    expect(test.count).toBe(1000);
    const testLabels = readIdxLabels(join(SAMPLE, 't10k-labels-idx1-ubyte.gz'));
    expect(classCounts({ labels: testLabels, numClasses: 10 })).toEqual(new Array(10).fill(100));
    // Fashion-MNIST test labels in file order (checked with numpy on the official file).
    expect(Array.from(testLabels.subarray(0, 8))).toEqual([9, 2, 1, 1, 6, 1, 4, 6]);
  });

  it('agrees with an independent decode and with values checked against the official file', () => {
    const raw = gunzipSync(readFileSync(join(SAMPLE, 'train-images-idx3-ubyte.gz')));
    const img = readIdxImages(join(SAMPLE, 'train-images-idx3-ubyte.gz'));
    // Image 1, row 14, col 14: byte 16 + 1*784 + 14*28 + 14 of the decoded file.
    expect(raw[16 + 784 + 14 * 28 + 14]).toBe(204);
    expect(img.pixels[784 + 14 * 28 + 14]).toBe(204);
    expect(Array.from(img.pixels.subarray(784 + 10 * 28 + 5, 784 + 10 * 28 + 10))).toEqual([223, 237, 248, 211, 198]);
    const ds = loadDataset('fashion-mnist', SAMPLE, 'test');
    expect(ds.shape).toEqual([28, 28, 1]);
    expect(ds.images[14 * 28 + 14]).toBeCloseTo(110 / 255, 6);
    let sum = 0;
    for (let i = 0; i < 784; i++) sum += ds.images[i];
    expect(Math.round(sum * 255)).toBe(33456);
  });
});

describe('IDX reader on written fixtures', () => {
  const dir = tempDir();
  const pixels = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => i * 10);
  const images = encodeIdxImages(pixels, 3, 2, 4);

  it('reads gzipped and raw files alike', () => {
    writeIdx(join(dir, 'a-images.gz'), images);
    writeIdx(join(dir, 'a-images'), images);
    writeIdx(join(dir, 'a-labels.gz'), encodeIdxLabels([2, 0, 1]));
    for (const f of ['a-images.gz', 'a-images']) {
      const r = readIdxImages(join(dir, f));
      expect([r.count, r.rows, r.cols]).toEqual([3, 2, 4]);
      expect(Array.from(r.pixels)).toEqual(Array.from(pixels));
    }
    expect(Array.from(readIdxLabels(join(dir, 'a-labels.gz')))).toEqual([2, 0, 1]);
  });

  it('detects gzip by content, not by name', () => {
    writeFileSync(join(dir, 'gz-without-suffix'), gzipSync(images));
    expect(readIdxImages(join(dir, 'gz-without-suffix')).count).toBe(3);
  });

  it('rejects a wrong magic, naming the file', () => {
    const bad = images.slice();
    new DataView(bad.buffer).setUint32(0, 1234, false);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(bad));
    expect(() => readIdxImages(join(dir, 'train-images-idx3-ubyte.gz'))).toThrow(
      'train-images-idx3-ubyte.gz: expected IDX magic 2051 (images), found 1234',
    );
    // A labels file passed as images (and vice versa) is caught the same way.
    writeIdx(join(dir, 'labels'), encodeIdxLabels([1]));
    expect(() => readIdxImages(join(dir, 'labels'))).toThrow('labels: expected IDX magic 2051 (images), found 2049');
    expect(() => readIdxLabels(join(dir, 'a-images'))).toThrow('a-images: expected IDX magic 2049 (labels), found 2051');
  });

  it('rejects files whose size does not match the header counts', () => {
    writeFileSync(join(dir, 'short-images'), images.subarray(0, images.length - 1));
    expect(() => readIdxImages(join(dir, 'short-images'))).toThrow(/^short-images: header says 3 images of 2x4 \(40 bytes\), but the data has 39 bytes$/);
    writeIdx(join(dir, 'long-labels.gz'), Uint8Array.from([...encodeIdxLabels([1, 2]), 7]));
    expect(() => readIdxLabels(join(dir, 'long-labels.gz'))).toThrow(/^long-labels\.gz: header says 2 labels/);
    writeFileSync(join(dir, 'tiny'), Uint8Array.from([0, 0, 8, 3, 0, 0]));
    expect(() => readIdxImages(join(dir, 'tiny'))).toThrow(/^tiny: file has 6 bytes, too short for the 16-byte IDX images header/);
  });
});
