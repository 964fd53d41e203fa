/**
 * Fine-tuning a sub-task model: cross-entropy only (the train step with alpha = beta = 0; the
 * model has one output, so no mask losses are formed anyway), SGD with Nesterov momentum, cosine
 * learning rate over the epochs (T_max = epochs, eta_min 0).
 *
 * The epoch kept is the one with the lowest cross-entropy on a validation split of the training
 * data (`selectBy: 'accuracy'`: the highest accuracy); ties go to the later epoch, which trained
 * longer at a lower rate. A sub-task's split is small (200 images for two Fashion-MNIST classes of
 * a 10,000-image run), so its accuracy moves in steps of half a point and saturates near 100%,
 * where one image decides; the loss keeps ranking the epochs (docs/modular-training.md). The
 * published implementation keeps the best epoch on the test set; selecting on test data would
 * make the reported test accuracy optimistic, so the test set never chooses here. It may be
 * watched (`monitor`): each epoch's test accuracy is recorded, as training records its own, so
 * that a figure can be set beside one chosen the reference's way (docs/modular-training.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/dataset.js';
import { BatchIterator } from '../data/batches.js';
import { localStepper } from '../train/stepper.js';
import { STAT, STAT_LENGTH } from '../losses/objective.js';
import { cosineLearningRate } from '../train/schedule.js';
import { evaluate } from '../train/evaluate.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { disposeOptimizer } from '../train/dispose_optimizer.js';
import { UsageError } from '../errors.js';
import { DEFAULT_REUSE, type EpochSelection } from './defaults.js';

export interface FineTuneOptions {
  epochs: number;
  lr: number;
  batchSize: number;
  momentum: number;
  seed: number;
  /** Random crop + flip (the run's training setting). */
  augment: boolean;
  /** What ranks the epochs on the validation split: its cross-entropy (default) or accuracy. */
  selectBy?: EpochSelection;
  /** Evaluated after every epoch and recorded as `testAccuracy`; never used to choose. */
  monitor?: Dataset;
  log?: Logger;
}

export interface FineTuneEpoch {
  epoch: number;
  learningRate: number;
  trainAccuracy: number;
  ceLoss: number;
  validationAccuracy: number;
  validationLoss: number;
  /** Accuracy on `monitor` after this epoch (null without one). */
  testAccuracy: number | null;
  seconds: number;
}

export interface FineTuneResult {
  history: FineTuneEpoch[];
  /** 1-based epoch whose weights the model holds on return. */
  bestEpoch: number;
  bestValidationAccuracy: number;
  bestValidationLoss: number;
}

function stepMetrics(s: ArrayLike<number>) {
  const n = Math.max(s[STAT.samples]!, 1);
  return { trainAccuracy: s[STAT.correct]! / n, ceLoss: s[STAT.ce]! / n, cohesionLoss: null, couplingLoss: null, kernelRate: null };
}

/** Trains `model` in place on `train` (labels 0..M-1) and leaves it at the best validation epoch. */
export function fineTune(model: LayersModel, train: Dataset, validation: Dataset, opts: FineTuneOptions): FineTuneResult {
  const log = opts.log ?? silentLogger;
  if (!(Number.isInteger(opts.epochs) && opts.epochs > 0))
    throw new UsageError(`--epochs: expected a positive integer, got ${opts.epochs}`, { option: 'epochs' });
  if (train.count === 0) throw new Error('fine-tune: no training samples for the chosen classes');
  if (validation.count === 0) throw new Error('fine-tune: the validation split is empty (too few training samples for the chosen classes)');
  const optimizer = tf.train.momentum(opts.lr, opts.momentum, true);
  const stepper = localStepper(model, optimizer, { numClasses: train.numClasses, alpha: 0, beta: 0 }, train.shape);
  // 'keep' the short last batch: a small sub-task may have fewer samples than one batch.
  const batches = new BatchIterator(train, {
    batchSize: opts.batchSize,
    shuffle: true,
    seed: opts.seed,
    augment: opts.augment,
    lastBatch: 'keep',
  });
  const steps = Math.ceil(train.count / opts.batchSize);
  const history: FineTuneEpoch[] = [];
  const selectBy = opts.selectBy ?? DEFAULT_REUSE.selectBy;
  // Higher is better for both keys; `>=` lets a tie go to the later epoch.
  const score = (e: FineTuneEpoch) => (selectBy === 'loss' ? -e.validationLoss : e.validationAccuracy);
  let best: { record: FineTuneEpoch; weights: tf.Tensor[] } | null = null;
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      const started = performance.now();
      const lr = cosineLearningRate(opts.lr, epoch, opts.epochs);
      optimizer.setLearningRate(lr);
      let sums = tf.zeros([STAT_LENGTH]) as tf.Tensor1D;
      const bar = log.epochProgress(epoch + 1, opts.epochs, steps, opts.batchSize, 'fine-tune');
      let stepIndex = 0;
      for (const batch of batches.epoch(epoch)) {
        const stats = stepper.step(batch.x, batch.y, batch.size);
        const next = tf.add(sums, stats) as tf.Tensor1D;
        tf.dispose([sums, stats]);
        sums = next;
        // Read back rarely: every read is a sync point.
        if (++stepIndex % 10 === 0 || stepIndex === steps) bar.update(stepIndex, stepMetrics(sums.dataSync()));
      }
      bar.stop();
      const s = sums.dataSync();
      sums.dispose();
      const n = Math.max(s[STAT.samples]!, 1);
      if (!Number.isFinite(s[STAT.ce]!)) throw new Error(`fine-tune diverged: loss is not finite at epoch ${epoch + 1} (try a lower --lr)`);
      const { accuracy: validationAccuracy, loss: validationLoss } = evaluate(
        model,
        validation,
        undefined,
        log.task('evaluate', validation.count, `fine-tune epoch ${epoch + 1}/${opts.epochs}: validation accuracy`),
      );
      const record: FineTuneEpoch = {
        epoch: epoch + 1,
        learningRate: lr,
        trainAccuracy: s[STAT.correct]! / n,
        ceLoss: s[STAT.ce]! / n,
        validationAccuracy,
        validationLoss,
        testAccuracy: opts.monitor ? evaluate(model, opts.monitor).accuracy : null,
        seconds: (performance.now() - started) / 1000,
      };
      history.push(record);
      log.info(
        `fine-tune epoch ${record.epoch}/${opts.epochs}: train ${(record.trainAccuracy * 100).toFixed(2)}% ce ${record.ceLoss.toFixed(3)} validation ${(validationAccuracy * 100).toFixed(2)}% ce ${validationLoss.toFixed(3)}${record.testAccuracy != null ? ` test ${(record.testAccuracy * 100).toFixed(2)}%` : ''} lr ${lr.toFixed(4)} | ${record.seconds.toFixed(1)} s`,
      );
      if (best == null || score(record) >= score(best.record)) {
        if (best) tf.dispose(best.weights);
        // Clones share data with the variables until the optimizer assigns new values.
        best = { record, weights: model.getWeights().map((w) => tf.clone(w)) };
      }
    }
    const chosen = best!.record;
    if (chosen.epoch !== opts.epochs) model.setWeights(best!.weights);
    return {
      history,
      bestEpoch: chosen.epoch,
      bestValidationAccuracy: chosen.validationAccuracy,
      bestValidationLoss: chosen.validationLoss,
    };
  } finally {
    if (best) tf.dispose(best.weights);
    disposeOptimizer(optimizer);
  }
}
