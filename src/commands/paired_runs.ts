/**
 * Two trained runs on the same test images, image by image: the paired difference of their
 * accuracies (src/stats/paired.ts). `mwt experiment trends` holds its modular run to its standard
 * run this way, so the accuracy loss comes with what the draw of test images alone could make of it.
 */
import * as path from 'node:path';
import { loadDataset } from '../data/load.js';
import { normalize } from '../data/dataset.js';
import { loadModel } from '../io/model_io.js';
import { pairedDifference, type PairedDifference } from '../stats/paired.js';
import { correctPerImage } from '../reuse/restricted_accuracy.js';
import { MODEL_DIR, readRunInfo } from '../train/run_info.js';

/** Whether the run's final model gets each test image right, on the run's own dataset and normalization. */
async function correctOnTestSet(runDir: string, dataDir?: string): Promise<{ correct: Uint8Array; labels: Int32Array }> {
  const info = readRunInfo(runDir);
  const test = normalize(loadDataset(info.dataset, dataDir ?? info.dataDir, 'test'), info.normalization);
  const model = await loadModel(path.join(runDir, MODEL_DIR));
  try {
    return { correct: correctPerImage(model, test), labels: test.labels };
  } finally {
    model.dispose();
  }
}

/** The first run's test accuracy less the second's, paired over the images; both runs must test on the same images. */
export async function pairedRunDifference(firstRun: string, secondRun: string, dataDir?: string): Promise<PairedDifference> {
  const first = await correctOnTestSet(firstRun, dataDir);
  const second = await correctOnTestSet(secondRun, dataDir);
  const same = first.labels.length === second.labels.length && first.labels.every((y, i) => y === second.labels[i]);
  if (!same) throw new Error(`${secondRun}: tests on other images than ${firstRun}; a paired difference needs the same test set`);
  return pairedDifference(first.correct, second.correct);
}
