import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/engine/backend.js';
import { maskLosses, cosineSimilarityMatrix, layerMaskLosses, MIN_ROW_NORM } from '../../src/losses/mask_losses.js';
import { mwtObjective, STAT } from '../../src/losses/objective.js';
import type { MaskLossMean } from '../../src/losses/mask_loss_mean.js';
import { testBackend } from '../support/backend.js';

beforeAll(async () => {
  await initBackend(testBackend('cpu'));
});

function losses(masks: number[][], labels: number[], numClasses: number, mean?: MaskLossMean) {
  return tf.tidy(() => {
    const { cohesion, coupling } = maskLosses([tf.tensor2d(masks)], tf.tensor1d(labels, 'int32'), numClasses, mean);
    return { cohesion: cohesion.dataSync()[0]!, coupling: coupling.dataSync()[0]! };
  });
}

const r2 = Math.SQRT1_2;

// a=[1,0] b=[1,0] (class 0); c=[0,1] d=[1,1] (class 1): two samples of each class.
const BALANCED_MASKS = [
  [1, 0],
  [1, 0],
  [0, 1],
  [1, 1],
];
const BALANCED_LABELS = [0, 0, 1, 1];

describe('cohesion and coupling losses (paper Eq. 4-5)', () => {
  it('match values worked out by hand on a balanced batch', () => {
    // cos: ab=1, cd=1/sqrt2; cross: ac=0, ad=1/sqrt2, bc=0, bd=1/sqrt2
    const { cohesion, coupling } = losses(BALANCED_MASKS, BALANCED_LABELS, 2);
    expect(cohesion).toBeCloseTo(1 - (1 + r2) / 2, 5); // 0.146447
    expect(coupling).toBeCloseTo((2 * r2) / 4, 5); // 0.353553
  });

  it('average class by class, skipping classes with one sample', () => {
    // class 0: a=[1,0] b=[1,0] c=[0,1] -> pairs ab=1, ac=0, bc=0 -> 1/3; class 1 has one sample.
    // coupling (0,1): ad=1, bd=1, cd=0 -> 2/3
    const { cohesion, coupling } = losses(
      [
        [1, 0],
        [1, 0],
        [0, 1],
        [1, 0],
      ],
      [0, 0, 0, 1],
      2,
    );
    expect(cohesion).toBeCloseTo(1 - 1 / 3, 5);
    expect(coupling).toBeCloseTo(2 / 3, 5);
  });

  it('weights classes equally, not pairs, in the coupling mean', () => {
    // three classes: (0,1) pair mean 1, (0,2) pair mean 0, (1,2) pair mean 0 -> 1/3
    const { coupling } = losses(
      [
        [1, 0],
        [1, 0],
        [0, 1],
      ],
      [0, 1, 2],
      3,
    );
    expect(coupling).toBeCloseTo(1 / 3, 5);
  });

  describe("averaged over sample pairs (--mask-loss-mean pairs, the published code's loss_func_cos)", () => {
    // Class 0: a=[1,0] b=[1,0] c=[0,1]; class 1: d=[1,0] e=[1,1]; class 2: f=[0,1].
    // Within: ab=1 ac=0 bc=0 (class 0, 3 pairs), de=1/sqrt2 (class 1, 1 pair).
    // Across: (0,1) ad=1 ae=r2 bd=1 be=r2 cd=0 ce=r2 -> 2+3r2 over 6 pairs;
    //         (0,2) af=0 bf=0 cf=1 -> 1 over 3; (1,2) df=0 ef=r2 -> r2 over 2.
    const masks = [
      [1, 0],
      [1, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [0, 1],
    ];
    const labels = [0, 0, 0, 1, 1, 2];

    it('weigh every pair the same, so classes with more samples weigh more', () => {
      const { cohesion, coupling } = losses(masks, labels, 3, 'pairs');
      expect(cohesion).toBeCloseTo(1 - (1 + r2) / 4, 5); // 0.573223
      expect(coupling).toBeCloseTo((2 + 3 * r2 + 1 + r2) / 11, 5); // 0.529859
    });

    it('differ from the class-by-class means (the default) on this unbalanced batch', () => {
      const byClass = losses(masks, labels, 3);
      expect(byClass).toEqual(losses(masks, labels, 3, 'classes'));
      expect(byClass.cohesion).toBeCloseTo(1 - (1 / 3 + r2) / 2, 5); // 0.479798
      expect(byClass.coupling).toBeCloseTo(((2 + 3 * r2) / 6 + 1 / 3 + r2 / 2) / 3, 5); // 0.458316
    });

    it('equal the class-by-class means on a batch with as many samples of every class', () => {
      const byPair = losses(BALANCED_MASKS, BALANCED_LABELS, 2, 'pairs');
      const byClass = losses(BALANCED_MASKS, BALANCED_LABELS, 2);
      expect(byPair.cohesion).toBeCloseTo(byClass.cohesion, 6);
      expect(byPair.coupling).toBeCloseTo(byClass.coupling, 6);
    });

    it('reach the training objective through its config', () => {
      const { loss, parts } = tf.tidy(() => {
        const logits = tf.zeros([6, 3]);
        const objective = mwtObjective([logits, tf.tensor2d(masks)], tf.tensor1d(labels, 'int32'), {
          numClasses: 3,
          alpha: 0.5,
          beta: 1.5,
          maskLossMean: 'pairs',
        });
        objective.stats.dispose();
        return { loss: objective.loss.dataSync()[0]!, parts: losses(masks, labels, 3, 'pairs') };
      });
      expect(loss).toBeCloseTo(Math.log(3) + 0.5 * parts.cohesion + 1.5 * parts.coupling, 5);
    });
  });

  it('give a finite loss when no class has two samples (no cohesion term)', () => {
    const { cohesion, coupling } = losses(
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      [0, 1, 2],
      3,
    );
    expect(cohesion).toBe(0);
    expect(coupling).toBeCloseTo((0 + r2 + r2) / 3, 5);
  });

  it('give a finite loss when all samples share one class (no coupling term)', () => {
    const { cohesion, coupling } = losses(
      [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      [2, 2, 2],
      3,
    );
    expect(cohesion).toBeCloseTo(1 - (0 + r2 + r2) / 3, 5);
    expect(coupling).toBe(0);
  });

  it('treat an all-zero mask as similar to nothing, without NaN', () => {
    const { cohesion, coupling } = losses(
      [
        [0, 0],
        [1, 0],
        [1, 0],
      ],
      [0, 0, 1],
      2,
    );
    expect(cohesion).toBeCloseTo(1, 5);
    expect(coupling).toBeCloseTo(0.5, 5);
    expect(Number.isFinite(cohesion + coupling)).toBe(true);
  });

  it('average over layers', () => {
    const v = tf.tidy(() => {
      const l1 = tf.tensor2d([
        [1, 0],
        [1, 0],
      ]);
      const l2 = tf.tensor2d([
        [1, 0, 0],
        [0, 1, 0],
      ]);
      const { cohesion } = maskLosses([l1, l2], tf.tensor1d([0, 0], 'int32'), 2);
      return cohesion.dataSync()[0]!;
    });
    expect(v).toBeCloseTo((0 + 1) / 2, 5);
  });

  it('equal the per-layer losses averaged, values and gradients (computed in one pass over all layers)', () => {
    const labels = tf.tensor1d([0, 0, 1, 2, 1, 0, 2], 'int32');
    const layers = [3, 5, 2].map((w, l) =>
      tf.tensor2d(
        Array.from({ length: 7 * w }, (_, i) => ((i * 7 + l * 3) % 5) / 4),
        [7, w],
      ),
    );
    const onehot = tf.cast(tf.oneHot(labels, 3), 'float32') as tf.Tensor2D;
    const fused = (...ms: tf.Tensor[]) => {
      const { cohesion, coupling } = maskLosses(ms as tf.Tensor2D[], labels, 3);
      return tf.add(tf.mul(0.5, cohesion), tf.mul(1.5, coupling)) as tf.Scalar;
    };
    const perLayer = (...ms: tf.Tensor[]) => {
      const each = ms.map((m) => layerMaskLosses(m as tf.Tensor2D, onehot));
      const mean = (k: 'cohesion' | 'coupling') => tf.div(tf.addN(each.map((e) => e[k])), ms.length);
      return tf.add(tf.mul(0.5, mean('cohesion')), tf.mul(1.5, mean('coupling'))) as tf.Scalar;
    };
    const a = tf.grads(fused)(layers);
    const b = tf.grads(perLayer)(layers);
    expect(fused(...layers).dataSync()[0]).toBeCloseTo(perLayer(...layers).dataSync()[0]!, 6);
    a.forEach((g, i) => Array.from(g.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(b[i]!.dataSync()[j]!, 6)));
  });

  it('combine as CE + alpha cohesion + beta coupling (Eq. 6)', () => {
    const { loss, parts, stats } = tf.tidy(() => {
      const logits = tf.tensor2d([
        [2, 0, -1],
        [0.5, 1, 0],
        [0, 0, 3],
        [1, -2, 0],
      ]);
      const masks = tf.tensor2d([
        [0.9, 0.1, 0.5],
        [0.8, 0.2, 0.4],
        [0.1, 0.7, 0.6],
        [0.3, 0.9, 0.1],
      ]);
      const labels = tf.tensor1d([0, 0, 2, 1], 'int32');
      const objective = mwtObjective([logits, masks], labels, { numClasses: 3, alpha: 0.5, beta: 1.5 });
      const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 3), logits).dataSync()[0]!;
      const { cohesion, coupling } = maskLosses([masks], labels, 3);
      const out = {
        loss: objective.loss.dataSync()[0]!,
        parts: { ce, cohesion: cohesion.dataSync()[0]!, coupling: coupling.dataSync()[0]! },
        stats: Array.from(objective.stats.dataSync()),
      };
      objective.stats.dispose();
      return out;
    });
    expect(loss).toBeCloseTo(parts.ce + 0.5 * parts.cohesion + 1.5 * parts.coupling, 6);
    // stats: sums over the 4 samples (logits' argmax is right for samples 0 and 2)
    expect(stats[STAT.samples]).toBe(4);
    expect(stats[STAT.ce]).toBeCloseTo(4 * parts.ce, 5);
    expect(stats[STAT.cohesion]).toBeCloseTo(4 * parts.cohesion, 5);
    expect(stats[STAT.coupling]).toBeCloseTo(4 * parts.coupling, 5);
    expect(stats[STAT.correct]).toBe(2);
    expect([stats[STAT.activeMask], stats[STAT.maskEntries]]).toEqual([12, 12]);
  });

  it('cosine matrix has ones on the diagonal for non-zero rows', () => {
    const s = tf.tidy(() =>
      Array.from(
        cosineSimilarityMatrix(
          tf.tensor2d([
            [3, 4],
            [4, 3],
          ]),
        ).dataSync(),
      ),
    );
    expect(s[0]).toBeCloseTo(1, 6);
    expect(s[1]).toBeCloseTo(24 / 25, 6);
  });

  it('cosine matrix is exact for a row as short as MIN_ROW_NORM, and scales a shorter one by 1/MIN_ROW_NORM', () => {
    const similarity = (scale: number) =>
      tf.tidy(() =>
        Array.from(
          cosineSimilarityMatrix(
            tf.tensor2d([
              [3 * scale, 4 * scale],
              [4, 3],
            ]),
          ).dataSync(),
        ),
      );
    const atFloor = similarity(MIN_ROW_NORM / 5); // |row| = MIN_ROW_NORM
    expect(atFloor[1]).toBeCloseTo(24 / 25, 5);
    const below = similarity(MIN_ROW_NORM / 50); // |row| = MIN_ROW_NORM / 10
    expect(below[0]).toBeCloseTo(0.01, 5); // |row|^2 / MIN_ROW_NORM^2
    expect(below[1]).toBeCloseTo(24 / 25 / 10, 5);
  });
});

describe('loss gradients', () => {
  const masks = [
    [0.9, 0.1, 0.5, 0.0],
    [0.8, 0.2, 0.4, 0.3],
    [0.1, 0.7, 0.6, 0.2],
    [0.3, 0.9, 0.1, 0.5],
    [0.5, 0.5, 0.5, 0.5],
  ];
  const labels = [0, 0, 1, 1, 2];
  const objective = (m: tf.Tensor) => {
    const { cohesion, coupling } = maskLosses([m as tf.Tensor2D], tf.tensor1d(labels, 'int32'), 3);
    return tf.add(tf.mul(0.5, cohesion), tf.mul(1.5, coupling)) as tf.Scalar;
  };

  it('match central finite differences', () => {
    const analytic = tf.tidy(() => Array.from(tf.grad(objective)(tf.tensor2d(masks)).dataSync()));
    const h = 1e-2;
    const flat = masks.flat();
    for (let i = 0; i < flat.length; i++) {
      const f = (delta: number) =>
        tf.tidy(() => {
          const v = flat.slice();
          v[i]! += delta;
          return objective(tf.tensor2d(v, [masks.length, 4])).dataSync()[0]!;
        });
      const numeric = (f(h) - f(-h)) / (2 * h);
      expect(Math.abs(analytic[i]! - numeric)).toBeLessThan(2e-3);
    }
  });

  it('are defined (finite) for degenerate batches', () => {
    for (const lab of [
      [0, 1, 2, 3, 4],
      [1, 1, 1, 1, 1],
    ]) {
      const g = tf.tidy(() =>
        Array.from(
          tf
            .grad((m: tf.Tensor) => {
              const { cohesion, coupling } = maskLosses([m as tf.Tensor2D], tf.tensor1d(lab, 'int32'), 5);
              return tf.add(cohesion, coupling) as tf.Scalar;
            })(tf.tensor2d([[0, 0, 0, 0], ...masks.slice(1)]))
            .dataSync(),
        ),
      );
      expect(g.every(Number.isFinite)).toBe(true);
    }
  });

  // The ResCNN collapse: one sample's mask in one layer at norm ~1e-6 gave a step 500x the usual.
  it('stay bounded for a nearly silent row: no larger at norm 1e-7 than at MIN_ROW_NORM / 10', () => {
    const rowGradient = (norm: number) =>
      tf.tidy(() => {
        const row = masks[0]!.map((v) => (v * norm) / Math.hypot(...masks[0]!));
        return Array.from(
          tf
            .grad(objective)(tf.tensor2d([row, ...masks.slice(1)]))
            .dataSync(),
        ).slice(0, 4);
      });
    const tiny = rowGradient(1e-7);
    const small = rowGradient(MIN_ROW_NORM / 10);
    const largest = Math.max(...tiny.map(Math.abs));
    expect(largest).toBeGreaterThan(0); // the row still learns
    expect(largest).toBeLessThan(2 / MIN_ROW_NORM); // dividing by the norm itself: 2.7e5
    tiny.forEach((v, k) => expect(v).toBeCloseTo(small[k]!, 3));
  });

  it('leak no tensors', () => {
    const m = tf.tensor2d(masks);
    tf.grad(objective)(m).dispose(); // warm-up
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.grad(objective)(m).dispose();
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});
