/**
 * A module's own score, "is this my class": a one-output logistic head on the module's frozen
 * penultimate features (the input of its final dense layer), fitted one-vs-rest on training data
 * of the source run. See docs/modules.md for why this and not the module's raw logit.
 *
 * The head starts from the module's own logit for its class (that column of the final dense
 * layer), so the fit is a short correction, not a search: 300 full-batch Adam steps on a few
 * thousand feature rows take well under a second.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import type { Dataset } from '../data/dataset.js';
import { BatchIterator } from '../data/batches.js';
import { readJson, writeJsonAtomic } from '../io/atomic.js';
import { featureModel } from './inline.js';

export const SCORE_HEAD_FILE = 'score_head.json';

export const scoreHeadSchema = z.object({
  kind: z.literal('one-vs-rest-head'),
  /** The class this score says yes to (source numbering). */
  classIndex: z.number().int().min(0),
  /** score(x) = features(x) . weights + bias, a log-odds; > 0 means "my class". */
  weights: z.array(z.number()),
  bias: z.number(),
  fit: z.object({
    samples: z.number().int(),
    positives: z.number().int(),
    steps: z.number().int(),
    lr: z.number(),
    l2: z.number(),
    loss: z.number(),
  }),
});
export type ScoreHead = z.infer<typeof scoreHeadSchema>;

export const DEFAULT_HEAD_FIT = { steps: 300, lr: 0.05, l2: 1e-4 } as const;

/** The module's penultimate features for every sample, row-major [count, dim]. */
export function predictFeatures(model: LayersModel, ds: Dataset, batchSize = 256): { features: Float32Array; dim: number } {
  const fm = featureModel(model);
  const dim = (fm.outputs[0]!.shape as number[]).slice(1).reduce((a, b) => a * b, 1);
  const features = new Float32Array(ds.count * dim);
  let offset = 0;
  for (const batch of new BatchIterator(ds, { batchSize, shuffle: false }).epoch(0)) {
    const values = tf.tidy(() => (fm.predict(tf.tensor4d(batch.x, [batch.size, ...ds.shape])) as tf.Tensor).dataSync() as Float32Array);
    features.set(values, offset);
    offset += values.length;
  }
  // fm shares the module's layers: disposing it would free their weights, so it is just dropped.
  return { features, dim };
}

/** The module's final dense column for `k`: the starting point of the head. */
export function logitColumn(model: LayersModel, k: number): { weights: number[]; bias: number } {
  const last = model.outputs[0]!.sourceLayer;
  const [kernel, bias] = last.getWeights();
  return tf.tidy(() => {
    const col = tf.squeeze(tf.slice(kernel!, [0, k], [-1, 1]));
    return { weights: Array.from(col.dataSync()), bias: bias ? bias.dataSync()[k]! : 0 };
  });
}

/** Fits the head on features [n, dim] with 0/1 targets (weighted logistic loss + L2). */
export function fitScoreHead(
  features: Float32Array,
  dim: number,
  positive: ArrayLike<number>,
  init: { weights: number[]; bias: number },
  classIndex: number,
  opts: { steps?: number; lr?: number; l2?: number } = {},
): ScoreHead {
  const steps = opts.steps ?? DEFAULT_HEAD_FIT.steps;
  const lr = opts.lr ?? DEFAULT_HEAD_FIT.lr;
  const l2 = opts.l2 ?? DEFAULT_HEAD_FIT.l2;
  const n = features.length / dim;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += positive[i] ? 1 : 0;
  const x = tf.tensor2d(features, [n, dim]);
  const y = tf.tensor2d(
    Float32Array.from({ length: n }, (_, i) => (positive[i] ? 1 : 0)),
    [n, 1],
  );
  // In tidy: a variable shares its initial tensor's data, and that tensor must be freed too.
  const w = tf.tidy(() => tf.variable(tf.tensor2d(init.weights, [dim, 1])));
  const b = tf.tidy(() => tf.variable(tf.scalar(init.bias)));
  const optimizer = tf.train.adam(lr);
  const lossOf = () => tf.add(tf.losses.sigmoidCrossEntropy(y, tf.add(tf.matMul(x, w), b)), tf.mul(l2, tf.sum(tf.square(w)))) as tf.Scalar;
  try {
    for (let s = 0; s < steps; s++) tf.tidy(() => void optimizer.minimize(lossOf));
    const loss = tf.tidy(() => lossOf().dataSync()[0]!);
    return {
      kind: 'one-vs-rest-head',
      classIndex,
      weights: Array.from(w.dataSync()),
      bias: b.dataSync()[0]!,
      fit: { samples: n, positives, steps, lr, l2, loss },
    };
  } finally {
    tf.dispose([x, y, w, b]);
    optimizer.dispose();
  }
}

/** score = features . weights + bias for every row. */
export function scoresOf(features: Float32Array, dim: number, head: Pick<ScoreHead, 'weights' | 'bias'>): Float32Array {
  if (head.weights.length !== dim) throw new Error(`score head: expected ${head.weights.length} features, got ${dim}`);
  const n = features.length / dim;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = head.bias;
    for (let j = 0; j < dim; j++) s += features[i * dim + j]! * head.weights[j]!;
    out[i] = s;
  }
  return out;
}

export function writeScoreHead(dir: string, head: ScoreHead): void {
  writeJsonAtomic(path.join(dir, SCORE_HEAD_FILE), head);
}

export function readScoreHead(dir: string): ScoreHead | null {
  const file = path.join(dir, SCORE_HEAD_FILE);
  if (!fs.existsSync(file)) return null;
  const parsed = scoreHeadSchema.safeParse(readJson(file, 'module score head'));
  if (!parsed.success) throw new Error(`${file}: not a module score head (${parsed.error.issues[0]!.message})`);
  return parsed.data;
}
