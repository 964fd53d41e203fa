/**
 * IDX files (MNIST, Fashion-MNIST): a big-endian header, then unsigned bytes.
 *   images: magic 2051 (0x00000803), count, rows, cols, then count*rows*cols pixels
 *   labels: magic 2049 (0x00000801), count, then count labels
 * The official downloads are gzipped; gzip is detected by its magic bytes (1f 8b), not the name,
 * because people often un-gzip the files and keep or drop the suffix inconsistently.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count*rows*cols bytes, row-major per image (a view into the decoded file). */
  pixels: Uint8Array;
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** File bytes, gunzipped when they start with the gzip magic. */
function readMaybeGzip(path: string): Uint8Array {
  const raw = readFileSync(path);
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (e) {
    throw new Error(`${basename(path)}: gzip data is corrupt (${(e as Error).message})`, { cause: e });
  }
}

function header(bytes: Uint8Array, path: string, words: number, magic: number, what: string): number[] {
  const name = basename(path);
  // Magic first: a labels file passed as images should say so, not "too short".
  if (bytes.length < 4) throw new Error(`${name}: file has ${bytes.length} bytes, too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic) throw new Error(`${name}: expected IDX magic ${magic} (${what}), found ${found}`);
  if (bytes.length < 4 * words) {
    throw new Error(`${name}: file has ${bytes.length} bytes, too short for the ${4 * words}-byte IDX ${what} header`);
  }
  const h = Array.from({ length: words }, (_, i) => view.getUint32(4 * i, false));
  return h;
}

export function readIdxImages(path: string): IdxImages {
  const bytes = readMaybeGzip(path);
  const [, count, rows, cols] = header(bytes, path, 4, IDX_IMAGES_MAGIC, 'images');
  if (rows === 0 || cols === 0) throw new Error(`${basename(path)}: image size ${rows}x${cols} is empty`);
  const expected = 16 + count * rows * cols;
  if (bytes.length !== expected) {
    throw new Error(
      `${basename(path)}: header says ${count} images of ${rows}x${cols} (${expected} bytes), but the data has ${bytes.length} bytes`,
    );
  }
  return { count, rows, cols, pixels: bytes.subarray(16) };
}

export function readIdxLabels(path: string): Int32Array {
  const bytes = readMaybeGzip(path);
  const [, count] = header(bytes, path, 2, IDX_LABELS_MAGIC, 'labels');
  if (bytes.length !== 8 + count) {
    throw new Error(`${basename(path)}: header says ${count} labels (${8 + count} bytes), but the data has ${bytes.length} bytes`);
  }
  return Int32Array.from(bytes.subarray(8));
}

/** IDX bytes for images (used by the sample generator and by tests). */
export function encodeIdxImages(pixels: Uint8Array, count: number, rows: number, cols: number): Uint8Array {
  if (pixels.length !== count * rows * cols) {
    throw new Error(`encodeIdxImages: expected ${count * rows * cols} pixels, got ${pixels.length}`);
  }
  const out = new Uint8Array(16 + pixels.length);
  const view = new DataView(out.buffer);
  [IDX_IMAGES_MAGIC, count, rows, cols].forEach((v, i) => view.setUint32(4 * i, v, false));
  out.set(pixels, 16);
  return out;
}

export function encodeIdxLabels(labels: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(8 + labels.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, IDX_LABELS_MAGIC, false);
  view.setUint32(4, labels.length, false);
  for (let i = 0; i < labels.length; i++) {
    if (!(labels[i] >= 0 && labels[i] <= 255)) throw new Error(`encodeIdxLabels: label ${labels[i]} does not fit a byte`);
    out[8 + i] = labels[i];
  }
  return out;
}

/** Writes IDX bytes, gzipped when the path ends in .gz (level 9, as the official files). */
export function writeIdx(path: string, bytes: Uint8Array): void {
  writeFileSync(path, path.endsWith('.gz') ? gzipSync(bytes, { level: 9 }) : bytes);
}
