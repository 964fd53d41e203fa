/**
 * What every training loop drives (train, fine-tune, the throughput benchmark): one step on a
 * batch in host memory, returning the objective's stats. The loop does not know whether the step
 * runs on this thread or on data-parallel replicas; createStepper chooses once.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { StepConfig } from './step.js';
import { makeTrainStep } from './step.js';
import { DataParallelTrainer } from './parallel/data_parallel_trainer.js';
import type { ModelSetup } from './parallel/protocol.js';

export interface Stepper {
  /** One step on rows [0, n) of x (NHWC, flat) and y: the stats of those rows (STAT layout). */
  step(x: Float32Array, y: Int32Array, n: number): tf.Tensor1D;
  /** Frees what the stepper started (replicas); the model and optimizer stay the caller's. */
  dispose(): Promise<void>;
}

/** The step on this thread: makeTrainStep on the batch as one tensor. */
export function localStepper(model: LayersModel, optimizer: tf.Optimizer, config: StepConfig, inputShape: readonly number[]): Stepper {
  const trainStep = makeTrainStep(model, optimizer, config);
  const sampleSize = inputShape.reduce((a, b) => a * b, 1);
  return {
    step: (x, y, n) =>
      tf.tidy(() =>
        trainStep(
          tf.tensor4d(x.subarray(0, n * sampleSize), [n, ...inputShape] as [number, number, number, number]),
          tf.tensor1d(y.subarray(0, n), 'int32'),
        ),
      ),
    dispose: async () => {},
  };
}

export interface StepperOptions {
  step: StepConfig;
  /** The zoo model being trained: a data-parallel worker builds its own copy from it. */
  model: ModelSetup;
  /** Data-parallel replicas (main thread + workers, one core each); 1 = this thread only. */
  replicas: number;
  /** Momentum of the (Nesterov) SGD optimizer, for the workers' copies. */
  momentum: number;
  /** Largest batch step() will get. */
  maxBatchSize: number;
}

/**
 * A stepper for `model` and `optimizer`: local for one replica, else data-parallel, with the
 * replicas starting from the model's and optimizer's current state (a resumed run's).
 */
export async function createStepper(model: LayersModel, optimizer: tf.Optimizer, opts: StepperOptions): Promise<Stepper> {
  if (opts.replicas <= 1) return localStepper(model, optimizer, opts.step, opts.model.inputShape);
  return DataParallelTrainer.create(model, optimizer, {
    replicas: opts.replicas,
    model: opts.model,
    optimizer: { momentum: opts.momentum, nesterov: true },
    step: opts.step,
    maxBatchSize: opts.maxBatchSize,
  });
}
