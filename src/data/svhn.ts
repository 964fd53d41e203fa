/**
 * SVHN cropped digits (format 2): train_32x32.mat / test_32x32.mat, MAT v5 files with
 *   X: uint8 32x32x3xN, MATLAB column-major, index (row, col, channel, image)
 *   y: Nx1 double (class), digit 0 stored as 10
 * We convert X to NHWC floats in [0,1] and map label 10 -> 0 so labels equal the digits.
 */
import { basename } from 'node:path';
import { validateDataset, type Dataset } from './dataset.js';
import { readMat5, type MatFile, type MatVariable } from './mat5.js';

export const SVHN_FILES = { train: 'train_32x32.mat', test: 'test_32x32.mat' } as const;
export const SVHN_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function variables(mat: MatFile, file: string): { X: MatVariable; y: MatVariable } {
  const X = mat.variables.get('X');
  const y = mat.variables.get('y');
  if (!X?.real || !y?.real) {
    const found = [...mat.variables.keys()];
    throw new Error(`${file}: expected variables X and y, found ${found.length ? found.join(', ') : 'none'}`);
  }
  return { X, y };
}

/** Converts SVHN's X/y variables (already parsed) to a dataset; `file` names errors. */
export function svhnFromMat(mat: MatFile, file: string): Dataset {
  const { X, y } = variables(mat, file);
  if (X.dims.length !== 4 || X.dims[2] !== 3) {
    throw new Error(`${file}: expected X of size HxWx3xN, found ${X.dims.join('x')}`);
  }
  const [h, w, c, n] = X.dims;
  if (y.dims.reduce((a, b) => a * b, 1) !== n) {
    throw new Error(`${file}: X holds ${n} images but y holds ${y.dims.join('x')} labels`);
  }
  const px = X.real!;
  const labels = new Int32Array(n);
  const ys = y.real!;
  for (let i = 0; i < n; i++) {
    const v = ys[i];
    if (!(Number.isInteger(v) && v >= 0 && v <= 10)) throw new Error(`${file}: label ${v} at index ${i}, expected 1..10`);
    labels[i] = v === 10 ? 0 : v;
  }
  // Column-major source offset of (r, col, ch, img) is r + h*(col + w*(ch + c*img)); NHWC wants
  // ((img*h + r)*w + col)*c + ch. Writing the destination sequentially was the faster order.
  // uint8 (what SVHN stores) goes through a 256-entry table instead of a division per value.
  const images = new Float32Array(n * h * w * c);
  const lut = new Float32Array(256).map((_, i) => i / 255);
  const scale = px instanceof Uint8Array ? (v: number) => lut[v] : (v: number) => v / 255;
  const plane = h * w;
  let dst = 0;
  for (let img = 0; img < n; img++) {
    const base = img * plane * c;
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < w; col++) {
        const s = base + r + h * col;
        for (let ch = 0; ch < c; ch++) images[dst++] = scale(px[s + ch * plane]);
      }
    }
  }
  return validateDataset({ images, labels, count: n, shape: [h, w, c], numClasses: 10, classNames: [...SVHN_CLASS_NAMES] }, file);
}

export function readSvhnMat(path: string): Dataset {
  return svhnFromMat(readMat5(path), basename(path));
}
