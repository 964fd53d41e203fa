import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CIFAR10_CLASS_NAMES,
  CIFAR10_TRAIN_FILES,
  loadDataset,
  readCifar10Batches,
} from '../../src/data/index.js';
import { tempDir } from './tmp.js';

/**
 * One record in the official layout: label byte, then 1024 R, 1024 G, 1024 B, each plane
 * row-major. Pixel (r, c) gets R = (r + c + label) % 256, G = (2r + 3c) % 256, B = (label*7 + r) % 256.
 */
function record(label: number): Uint8Array {
  const rec = new Uint8Array(3073);
  rec[0] = label;
  for (let r = 0; r < 32; r++) {
    for (let c = 0; c < 32; c++) {
      const p = r * 32 + c;
      rec[1 + p] = (r + c + label) % 256;
      rec[1 + 1024 + p] = (2 * r + 3 * c) % 256;
      rec[1 + 2048 + p] = (label * 7 + r) % 256;
    }
  }
  return rec;
}

function batchFile(path: string, labels: number[]): void {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((l, i) => out.set(record(l), i * 3073));
  writeFileSync(path, out);
}

describe('CIFAR-10 binary reader', () => {
  const dir = tempDir();

  it('puts R, G, B planes into NHWC in the right places', () => {
    batchFile(join(dir, 'test_batch.bin'), [3, 9, 0]);
    const ds = loadDataset('cifar10', dir, 'test');
    expect(ds.count).toBe(3);
    expect(ds.shape).toEqual([32, 32, 3]);
    expect(Array.from(ds.labels)).toEqual([3, 9, 0]);
    expect(ds.classNames).toEqual(CIFAR10_CLASS_NAMES);
    const px = (i: number, r: number, c: number, ch: number) => Math.round(ds.images[((i * 32 + r) * 32 + c) * 3 + ch] * 255);
    for (const [i, label] of [[0, 3], [1, 9], [2, 0]]) {
      for (const [r, c] of [[0, 0], [0, 31], [5, 17], [31, 2], [31, 31]]) {
        expect([px(i, r, c, 0), px(i, r, c, 1), px(i, r, c, 2)]).toEqual([(r + c + label) % 256, (2 * r + 3 * c) % 256, (label * 7 + r) % 256]);
      }
    }
    expect(ds.images[0]).toBeCloseTo(3 / 255, 7);
  });

  it('concatenates the five training batches in order and reads batches.meta.txt', () => {
    CIFAR10_TRAIN_FILES.forEach((f, k) => batchFile(join(dir, f), [k, (k + 5) % 10]));
    const names = CIFAR10_CLASS_NAMES.map((n) => n.toUpperCase());
    writeFileSync(join(dir, 'batches.meta.txt'), names.join('\n') + '\n\n');
    const ds = loadDataset('cifar10', dir, 'train');
    expect(ds.count).toBe(10);
    expect(Array.from(ds.labels)).toEqual([0, 5, 1, 6, 2, 7, 3, 8, 4, 9]);
    expect(ds.classNames).toEqual(names);
    // Record 7 (batch 4, second record, label 8): R at (0,0) = 8.
    expect(Math.round(ds.images[7 * 3072] * 255)).toBe(8);
  });

  it('rejects a truncated file, naming it and the record size', () => {
    const path = join(dir, 'truncated.bin');
    writeFileSync(path, record(1).subarray(0, 3000));
    expect(() => readCifar10Batches([path])).toThrow(
      'truncated.bin: size 3000 bytes is not a multiple of the 3073-byte CIFAR-10 record (1 label + 3072 pixels)',
    );
  });

  it('rejects a label above 9, naming the file and record', () => {
    const path = join(dir, 'badlabel.bin');
    batchFile(path, [1, 12]);
    expect(() => readCifar10Batches([path])).toThrow('badlabel.bin: record 1 has label 12, expected 0..9');
  });

  it('lists the expected files when some are missing', () => {
    const empty = tempDir();
    expect(() => loadDataset('cifar10', empty, 'train')).toThrow(/^cifar10: missing data_batch_1\.bin, .*data_batch_5\.bin in /);
  });
});
