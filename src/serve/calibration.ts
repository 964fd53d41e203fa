/**
 * The calibration images of `mwt serve --run`'s mask-union route: a few training images of every
 * class, served as raw bytes, so the page folds the mean masks and matches the batch norms of the
 * union it prunes, as `mwt reuse` does before fine-tuning (src/reuse/restricted_model.ts). The
 * page has no training data of its own, and without this a union runs every kept kernel at its
 * whole-network scale (docs/serve.md has the accuracy it costs).
 */
import * as path from 'node:path';
import { balancedSubset, type Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import type { RunInfo } from '../train/run_info.js';
import type { CatalogCalibration } from './catalog_types.js';
import { classStarts } from './calibration_images.js';

/**
 * Training images per class. On 2-class unions of SimCNN (Fashion-MNIST, CIFAR-10) and ResCNN
 * (CIFAR-10), 16 to 256 a class gave the same restricted accuracy within a few test images
 * (docs/serve.md); 64 a class is 0.5 MB of Fashion-MNIST and 2 MB of CIFAR-10.
 */
export const CALIBRATION_PER_CLASS = 64;

/** Where the page fetches them. */
export const CALIBRATION_URL = '/api/calibration.bin';

/**
 * `perClass` training images of each class (a seeded class-balanced draw, the run's seed), ordered
 * class by class, as bytes 0..255 (images are stored as byte / 255, so rounding gives them back).
 */
export function calibrationBytes(train: Dataset, perClass: number, seed: number): { bytes: Buffer; counts: number[] } {
  const drawn = balancedSubset(train, perClass * train.numClasses, seed);
  const size = drawn.shape[0] * drawn.shape[1] * drawn.shape[2];
  const counts = new Array<number>(drawn.numClasses).fill(0);
  for (const label of drawn.labels) counts[label]!++;
  const next = classStarts(counts);
  const bytes = Buffer.alloc(drawn.count * size);
  for (let i = 0; i < drawn.count; i++) {
    const at = next[drawn.labels[i]!]!++ * size;
    for (let p = 0; p < size; p++) bytes[at + p] = Math.round(drawn.images[i * size + p]! * 255);
  }
  return { bytes, counts };
}

/** The run's calibration images from its training data, or why there are none (the page then prunes without calibrating). */
export function runCalibration(info: RunInfo): { calibration: CatalogCalibration; bytes: Buffer } | { why: string } {
  let train: Dataset;
  try {
    train = loadDataset(info.dataset, info.dataDir, 'train');
  } catch (e) {
    return { why: `its training images cannot be read (${(e as Error).message})` };
  }
  if (train.shape.join('x') !== info.spec.inputShape.join('x') || train.numClasses !== info.spec.numClasses)
    return {
      why: `the training images in ${info.dataDir} are ${train.shape.join('x')} in ${train.numClasses} classes, the model takes ${info.spec.inputShape.join('x')} in ${info.spec.numClasses}`,
    };
  const { bytes, counts } = calibrationBytes(train, CALIBRATION_PER_CLASS, info.options.seed ?? 0);
  return {
    calibration: { url: CALIBRATION_URL, shape: [...train.shape], counts, from: path.resolve(info.dataDir) },
    bytes,
  };
}
