/**
 * CIFAR-10, binary version (cifar-10-batches-bin): data_batch_1.bin .. data_batch_5.bin and
 * test_batch.bin. Each record is 3073 bytes: 1 label byte (0..9), then the 32x32 red plane,
 * green plane and blue plane, each row-major. We convert to NHWC floats in [0,1].
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { validateDataset, type Dataset } from './dataset.js';

export const CIFAR10_CLASS_NAMES = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
];
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILES = ['test_batch.bin'];
export const CIFAR10_META_FILE = 'batches.meta.txt';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;
export const CIFAR10_RECORD_BYTES = 1 + PIXELS;

/** Number of records in a batch file, checking that its size is a whole number of records. */
function recordCount(path: string, bytes: number): number {
  if (bytes % CIFAR10_RECORD_BYTES !== 0) {
    throw new Error(
      `${basename(path)}: size ${bytes} bytes is not a multiple of the ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 record (1 label + 3072 pixels)`,
    );
  }
  return bytes / CIFAR10_RECORD_BYTES;
}

/**
 * Decodes one batch file into `images`/`labels` starting at sample `offset`, so several batches
 * fill one preallocated train set without concatenation copies. Returns the record count.
 */
function decodeInto(path: string, images: Float32Array, labels: Int32Array, offset: number): number {
  const bytes = readFileSync(path);
  const n = recordCount(path, bytes.length);
  for (let r = 0; r < n; r++) {
    const rec = r * CIFAR10_RECORD_BYTES;
    const label = bytes[rec];
    if (label > 9) throw new Error(`${basename(path)}: record ${r} has label ${label}, expected 0..9`);
    labels[offset + r] = label;
    const out = (offset + r) * PIXELS;
    const red = rec + 1;
    // Planar RGB -> interleaved HWC: pixel p (= row*32 + col) of plane ch goes to out + 3p + ch.
    for (let p = 0; p < PLANE; p++) {
      const o = out + 3 * p;
      images[o] = bytes[red + p] / 255;
      images[o + 1] = bytes[red + PLANE + p] / 255;
      images[o + 2] = bytes[red + 2 * PLANE + p] / 255;
    }
  }
  return n;
}

/** Reads batch files (in the given order) into one dataset. */
export function readCifar10Batches(paths: string[], classNames: string[] = CIFAR10_CLASS_NAMES): Dataset {
  const counts = paths.map((p) => recordCount(p, statSync(p).size));
  const total = counts.reduce((a, b) => a + b, 0);
  const images = new Float32Array(total * PIXELS);
  const labels = new Int32Array(total);
  let offset = 0;
  for (const p of paths) offset += decodeInto(p, images, labels, offset);
  return validateDataset(
    { images, labels, count: total, shape: [SIDE, SIDE, 3], numClasses: 10, classNames: [...classNames] },
    paths.map((p) => basename(p)).join(', '),
  );
}

/** Class names from batches.meta.txt (one per line, blank lines ignored). */
export function readCifar10Meta(path: string): string[] {
  const names = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length !== 10) throw new Error(`${basename(path)}: expected 10 class names, found ${names.length}`);
  return names;
}

/**
 * Train (5 batches, 50000 images) or test (10000) split from a directory holding the .bin files.
 * Class names come from batches.meta.txt when present, else the standard ten.
 */
export function readCifar10(dir: string, split: 'train' | 'test'): Dataset {
  const files = split === 'train' ? CIFAR10_TRAIN_FILES : CIFAR10_TEST_FILES;
  const missing = files.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new Error(`cifar10: missing ${missing.join(', ')} in ${dir} (the ${split} split needs ${files.join(', ')})`);
  }
  const meta = join(dir, CIFAR10_META_FILE);
  const names = existsSync(meta) ? readCifar10Meta(meta) : CIFAR10_CLASS_NAMES;
  return readCifar10Batches(files.map((f) => join(dir, f)), names);
}
