/**
 * The served calibration images (src/serve/calibration.ts) of some classes as a normalised dataset:
 * what the page calibrates a mask union on, and what a Node check rebuilds from the same bytes.
 * No file or network access, so the browser bundle shares it.
 */
import { normalize, type ChannelStats, type Dataset } from '../data/dataset.js';
import type { CatalogCalibration } from './catalog_types.js';

/** Where each class's images start in the served bytes (in images): the bytes hold them class by class. */
export function classStarts(counts: readonly number[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const n of counts) {
    starts.push(at);
    at += n;
  }
  return starts;
}

/** Images of `classes` (labelled 0..M-1 in that order) from the served bytes, normalised with `stats`. */
export function calibrationImages(bytes: Uint8Array, cal: CatalogCalibration, classes: readonly number[], stats: ChannelStats): Dataset {
  const size = cal.shape[0] * cal.shape[1] * cal.shape[2];
  const total = cal.counts.reduce((a, b) => a + b, 0);
  if (bytes.length !== total * size)
    throw new Error(`calibration images: ${bytes.length} bytes, expected ${total} images of ${cal.shape.join('x')} (${total * size})`);
  const starts = classStarts(cal.counts);
  for (const c of classes) if (cal.counts[c] == null) throw new Error(`calibration images: no class ${c}`);
  const count = classes.reduce((n, c) => n + cal.counts[c]!, 0);
  const images = new Float32Array(count * size);
  const labels = new Int32Array(count);
  let at = 0;
  classes.forEach((c, k) => {
    const from = bytes.subarray(starts[c]! * size, (starts[c]! + cal.counts[c]!) * size);
    for (let p = 0; p < from.length; p++) images[at * size + p] = from[p]! / 255;
    labels.fill(k, at, at + cal.counts[c]!);
    at += cal.counts[c]!;
  });
  return normalize({ images, labels, count, shape: [...cal.shape], numClasses: classes.length }, stats);
}
