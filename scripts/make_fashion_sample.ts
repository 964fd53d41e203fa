/**
 * Builds data/fashion-mnist-sample/ from the official Fashion-MNIST IDX files: the first 300
 * images of each class in the training file (3000) and the first 100 of each class in the test
 * file (1000), kept in file order, written as gzipped IDX under the official names.
 *
 *   npx tsx scripts/make_fashion_sample.ts [sourceDir] [outDir]
 *   (defaults: /work/shared/data/fashion-mnist, data/fashion-mnist-sample)
 *
 * The selection is deterministic (no randomness), so rerunning reproduces the same files.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeIdxImages, encodeIdxLabels, readIdxImages, readIdxLabels, writeIdx } from '../src/data/idx.js';

const [src = '/work/shared/data/fashion-mnist', out = 'data/fashion-mnist-sample'] = process.argv.slice(2);
const PER_CLASS = { train: 300, t10k: 100 } as const;

mkdirSync(out, { recursive: true });
for (const [prefix, perClass] of Object.entries(PER_CLASS)) {
  const img = readIdxImages(join(src, `${prefix}-images-idx3-ubyte.gz`));
  const labels = readIdxLabels(join(src, `${prefix}-labels-idx1-ubyte.gz`));
  const size = img.rows * img.cols;
  const taken = new Array<number>(10).fill(0);
  const keep: number[] = [];
  for (let i = 0; i < labels.length && keep.length < 10 * perClass; i++) {
    if (taken[labels[i]] < perClass) {
      taken[labels[i]]++;
      keep.push(i);
    }
  }
  if (keep.length !== 10 * perClass) throw new Error(`${prefix}: only ${keep.length} images found, wanted ${10 * perClass}`);
  const pixels = new Uint8Array(keep.length * size);
  keep.forEach((i, k) => pixels.set(img.pixels.subarray(i * size, (i + 1) * size), k * size));
  writeIdx(join(out, `${prefix}-images-idx3-ubyte.gz`), encodeIdxImages(pixels, keep.length, img.rows, img.cols));
  writeIdx(join(out, `${prefix}-labels-idx1-ubyte.gz`), encodeIdxLabels(keep.map((i) => labels[i])));
  console.log(`${prefix}: ${keep.length} images (${perClass} per class), last source index ${keep[keep.length - 1]}`);
}
