/**
 * One-vs-rest quality of a decision for one class: precision, recall and F1 from the count of
 * true/false positives and false negatives. Shared by module cards, replace and compose so that
 * every figure for "class K" means the same thing.
 */
export interface ClassQuality {
  precision: number;
  recall: number;
  f1: number;
  /** Samples of the class, and samples predicted as the class. */
  support: number;
  predicted: number;
}

/** `positive[i]`: sample i was decided to be the class; `actual[i]`: it is. */
export function classQuality(positive: ArrayLike<boolean | number>, actual: ArrayLike<boolean | number>): ClassQuality {
  if (positive.length !== actual.length) throw new Error(`class quality: ${positive.length} decisions for ${actual.length} samples`);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < actual.length; i++) {
    const p = Boolean(positive[i]);
    const a = Boolean(actual[i]);
    if (p && a) tp++;
    else if (p) fp++;
    else if (a) fn++;
  }
  // An empty denominator means nothing was predicted (or nothing exists): 0, not NaN, so JSON stays valid.
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, support: tp + fn, predicted: tp + fp };
}

/** Row-wise argmax of a row-major [n, width] matrix. */
export function argmaxRows(values: ArrayLike<number>, width: number): Int32Array {
  const n = values.length / width;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < width; j++) if (values[i * width + j]! > values[i * width + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** Quality of class `k` under multi-class predictions. */
export function classQualityOf(predictions: ArrayLike<number>, labels: ArrayLike<number>, k: number): ClassQuality {
  const n = labels.length;
  const pos = new Uint8Array(n);
  const act = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    pos[i] = predictions[i] === k ? 1 : 0;
    act[i] = labels[i] === k ? 1 : 0;
  }
  return classQuality(pos, act);
}

export function accuracyOf(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (labels.length === 0) throw new Error('accuracy: no samples');
  let c = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) c++;
  return c / labels.length;
}
