/**
 * Data-parallel training on several cores: the main thread and (replicas - 1) worker threads
 * each run their own single-threaded wasm backend on a slice of every batch, in lockstep.
 *
 * The result is the same as one process training on the whole batch (see replica_step.ts):
 * batch norm is synchronised, mask losses see the whole batch, gradients are summed before the
 * update. The main thread's model and optimizer are the real ones (evaluate, checkpoint and save
 * them as usual); workers hold copies that stay identical because every replica applies the same
 * summed gradients. After changing the main model's weights or optimizer state outside step()
 * (loading a checkpoint), call syncReplicas().
 *
 *   const trainer = await DataParallelTrainer.create(model, optimizer, { replicas: 2, model: spec, ... });
 *   const stats = trainer.step(batch.x, batch.y, batch.size); // like makeTrainStep's stats
 *   await trainer.dispose();
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { StepConfig } from '../step.js';
import { createChannelBuffers, ReplicaAbortedError, ReplicaChannel } from './replica_channel.js';
import { makeReplicaStep, replicaRows, type ReplicaStep } from './replica_step.js';
import { installFusedBatchNorm } from '../../engine/index.js';
import {
  BatchBuffer,
  packWeights,
  type ModelSetup,
  type OptimizerStateEntry,
  type ReplicaCommand,
  type ReplicaMessage,
  type ReplicaSetup,
} from './protocol.js';

export interface DataParallelOptions {
  /** Replicas including the main thread (2 on a 2-core machine). */
  replicas: number;
  /** How to build the model again in each worker (the zoo name and build config). */
  model: ModelSetup;
  /** The main optimizer's settings (momentum SGD, as the training loop uses). */
  optimizer: { momentum: number; nesterov: boolean };
  step: StepConfig;
  /** Largest batch step() will get. */
  maxBatchSize: number;
}

/** Starts a worker on replica_worker (.ts under tsx/vitest, .js once compiled). */
function startWorker(setup: ReplicaSetup): Worker {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const target = pathToFileURL(path.join(path.dirname(here), 'replica_worker.ts')).href;
    // tsx's ESM entry (the require condition resolves to its .cjs twin).
    const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
    const esm = cjs.replace(/\.cjs$/, '.mjs');
    const tsxApi = pathToFileURL(fs.existsSync(esm) ? esm : cjs).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
    return new Worker(boot, { eval: true, workerData: setup });
  }
  return new Worker(new URL('./replica_worker.js', import.meta.url), { workerData: setup });
}

export class DataParallelTrainer {
  private readonly workers: Worker[] = [];
  private workerError: string | null = null;
  private replicaStep!: ReplicaStep;

  private constructor(
    private readonly model: LayersModel,
    private readonly optimizer: tf.Optimizer & { learningRate?: number },
    private readonly opts: DataParallelOptions,
    private readonly channel: ReplicaChannel,
    private readonly batch: BatchBuffer,
  ) {}

  static async create(model: LayersModel, optimizer: tf.Optimizer, opts: DataParallelOptions): Promise<DataParallelTrainer> {
    if (!Number.isInteger(opts.replicas) || opts.replicas < 2) throw new Error(`workers: expected an integer >= 2, got ${opts.replicas}`);
    const backend = tf.getBackend();
    if (backend !== 'wasm' && backend !== 'cpu')
      throw new Error(`workers: data-parallel training needs the wasm or cpu backend, not '${backend}'`);
    installFusedBatchNorm(); // the synchronised batch norm lives in the fused implementation
    const [h, w, c] = opts.model.inputShape;
    const weightCount = model.weights.reduce((s, v) => s + v.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
    const maskWidth = model.outputs.slice(1).reduce((s, o) => s + (o.shape[1] ?? 0), 0);
    const rowsPerReplica = Math.ceil(opts.maxBatchSize / opts.replicas);
    const widestLayer = 2 * Math.max(...model.weights.map((v) => v.shape[v.shape.length - 1] ?? 1)) + 1;
    // A slot holds the largest message: all weights (sync; the optimizer state, one accumulator
    // per trainable weight plus the iteration count, goes separately), or a replica's masks.
    const slotFloats = Math.max(weightCount + 16, rowsPerReplica * maskWidth, widestLayer, 64);
    const channelBuffers = createChannelBuffers(opts.replicas, slotFloats);
    const batch = BatchBuffer.create(h * w * c, opts.maxBatchSize);
    const trainer = new DataParallelTrainer(model, optimizer, opts, new ReplicaChannel(channelBuffers, 0), batch);
    trainer.replicaStep = makeReplicaStep(model, optimizer, opts.step, trainer.channel);
    const lr = (optimizer as { learningRate?: number }).learningRate ?? 0.01;
    const ready: Promise<void>[] = [];
    for (let rank = 1; rank < opts.replicas; rank++) {
      const worker = startWorker({
        rank,
        backend,
        model: opts.model,
        optimizer: { learningRate: lr, ...opts.optimizer },
        step: opts.step,
        channel: channelBuffers,
        batch: batch.spec,
      });
      trainer.workers.push(worker);
      ready.push(trainer.expect(worker, 'ready'));
    }
    await Promise.all(ready);
    await trainer.syncReplicas();
    return trainer;
  }

  /** Resolves on the worker's next message of `kind`; rejects on its error or exit. */
  private expect(worker: Worker, kind: ReplicaMessage['kind']): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: ReplicaMessage) => {
        if (m.kind === 'error') {
          this.workerError = m.message;
          cleanup();
          reject(new Error(`data-parallel worker failed: ${m.message}`));
        } else if (m.kind === kind) {
          cleanup();
          resolve();
        }
      };
      const onError = (e: Error) => {
        cleanup();
        reject(e);
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
    });
  }

  private post(command: ReplicaCommand): void {
    for (const w of this.workers) w.postMessage(command);
  }

  /**
   * One training step on batch rows [0, n) of x (NHWC, flat) and y. Returns makeTrainStep's
   * stats vector for the whole batch.
   */
  step(x: Float32Array, y: Int32Array, n: number): tf.Tensor1D {
    this.batch.write(x, y, n);
    const lr = this.optimizer.learningRate ?? 0.01;
    this.post({ kind: 'step', batchSize: n, learningRate: lr });
    const [start, count] = replicaRows(n, this.opts.replicas, 0);
    try {
      return tf.tidy(() => {
        const xs = tf.tensor4d(this.batch.x.subarray(start * this.batch.sampleSize, (start + count) * this.batch.sampleSize), [
          count,
          ...this.opts.model.inputShape,
        ]);
        const yAll = tf.tensor1d(this.batch.y.slice(0, n), 'int32');
        return this.replicaStep(xs, tf.slice(yAll, [start], [count]), yAll);
      });
    } catch (e) {
      if (e instanceof ReplicaAbortedError && this.workerError)
        throw new Error(`data-parallel worker failed: ${this.workerError}`, { cause: e });
      throw e;
    }
  }

  /** Copies the main model's weights and optimizer state to every worker. */
  async syncReplicas(): Promise<void> {
    const { flat: weights, layout } = packWeights(this.model);
    const state = await this.optimizer.getWeights();
    const optimizerState: OptimizerStateEntry[] = state.map((s) => ({
      name: s.name,
      shape: s.tensor.shape,
      dtype: s.tensor.dtype === 'int32' ? 'int32' : 'float32',
    }));
    const stateFlat = new Float32Array(state.reduce((sum, s) => sum + s.tensor.size, 0));
    let offset = 0;
    for (const s of state) {
      stateFlat.set(s.tensor.dataSync(), offset);
      offset += s.tensor.size;
      if (!(s.tensor instanceof tf.Variable)) s.tensor.dispose(); // the iteration count is a fresh scalar
    }
    const synced = this.workers.map((w) => this.expect(w, 'synced'));
    this.post({ kind: 'sync', length: weights.length, stateLength: stateFlat.length, layout, optimizerState });
    this.channel.broadcast(weights, weights.length);
    this.channel.broadcast(stateFlat, stateFlat.length);
    await Promise.all(synced);
  }

  async dispose(): Promise<void> {
    this.post({ kind: 'stop' });
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
