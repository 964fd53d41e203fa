/**
 * Images into the model's input: raw bytes / 255, then the modules' normalisation with the
 * library's `normalize` (src/data/dataset.ts), the same arithmetic as `loadDataset` +
 * `normalize` in Node. A dropped file is drawn onto a canvas at the input size first.
 */
import { normalize } from '../src/data/dataset.js';
import type { ChannelStats } from '../src/data/dataset.js';

export type Shape = [number, number, number];

export function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

/** Normalised float input of one image, row-major [h, w, c]. */
export function inputOf(bytes: Uint8Array, shape: Shape, stats: ChannelStats): Float32Array {
  const images = Float32Array.from(bytes, (v) => v / 255);
  return normalize({ images, labels: new Int32Array(1), count: 1, shape, numClasses: 1 }, stats).images;
}

/** Draws bytes [h, w, c] (c = 1 or 3) onto a canvas, scaled up for the eye. */
export function drawBytes(canvas: HTMLCanvasElement, bytes: Uint8Array, shape: Shape): void {
  const [h, w, c] = shape;
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(w, h);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) img.data[p * 4 + k] = bytes[p * c + (c === 1 ? 0 : k)]!;
    img.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** A dropped image file, resized to the input and reduced to its channels (grey: the mean of RGB). */
export async function bytesOfFile(file: File, shape: Shape): Promise<Uint8Array> {
  const [h, w, c] = shape;
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0, w, h);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const out = new Uint8Array(h * w * c);
  for (let p = 0; p < h * w; p++) {
    if (c === 1) out[p] = Math.round((rgba[p * 4]! + rgba[p * 4 + 1]! + rgba[p * 4 + 2]!) / 3);
    else for (let k = 0; k < c; k++) out[p * c + k] = rgba[p * 4 + k]!;
  }
  return out;
}
