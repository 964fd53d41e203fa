/**
 * Proof that a saved composed/patched model is the model that was measured: reload it from disk
 * with plain loadLayersModel and compare its predictions with the measured ones on the first
 * (up to) 500 test images. A sample, because the full pass would double the cost of the command.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { subsetByIndices, type Dataset } from '../data/dataset.js';
import { fileHandler } from '../io/model_io.js';
import { argmaxRows } from './class_metrics.js';
import { predictOutputs } from './predict_outputs.js';

export const RELOAD_CHECK_SAMPLES = 500;

/** Fraction of the checked images on which the reloaded model predicts what `predictions` say. */
export async function reloadAgreement(
  dir: string,
  test: Dataset,
  predictions: ArrayLike<number>,
): Promise<{ agreement: number; samples: number }> {
  const n = Math.min(RELOAD_CHECK_SAMPLES, test.count);
  const sample = subsetByIndices(
    test,
    Array.from({ length: n }, (_, i) => i),
  );
  const model = await tfl.loadLayersModel(fileHandler(dir));
  try {
    const [out] = predictOutputs(model, sample);
    const pred = argmaxRows(out!.values, out!.width);
    let same = 0;
    for (let i = 0; i < n; i++) if (pred[i] === predictions[i]) same++;
    return { agreement: same / n, samples: n };
  } finally {
    model.dispose();
  }
}
