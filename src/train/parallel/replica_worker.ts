/**
 * Worker-thread side of data-parallel training: its own wasm backend (one thread), its own copy
 * of the model and optimizer, and the same replica step as the main thread. Commands arrive by
 * postMessage; batches, weights and collectives go through shared memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, setWasmThreads } from '../../engine/index.js';
import { buildModel } from '../../../models/registry.js';
import { ReplicaChannel } from './replica_channel.js';
import { makeReplicaStep, replicaRows } from './replica_step.js';
import type { ReplicaCommand, ReplicaSetup } from './protocol.js';
import { BatchBuffer, unpackInto } from './protocol.js';
import { disposeOptimizer } from '../dispose_optimizer.js';

async function main(): Promise<void> {
  const setup = workerData as ReplicaSetup;
  const channel = new ReplicaChannel(setup.channel, setup.rank);
  const port = parentPort!;
  try {
    setWasmThreads(1);
    await initBackend(setup.backend);
    const { model } = buildModel(setup.model.name, setup.model);
    const optimizer = tf.train.momentum(setup.optimizer.learningRate, setup.optimizer.momentum, setup.optimizer.nesterov);
    const step = makeReplicaStep(model, optimizer, setup.step, channel);
    const batch = new BatchBuffer(setup.batch);
    port.on('message', (cmd: ReplicaCommand) => {
      try {
        if (cmd.kind === 'step') {
          optimizer.setLearningRate(cmd.learningRate);
          const { x, y } = batch.read(cmd.batchSize);
          const [start, count] = replicaRows(cmd.batchSize, channel.size, channel.rank);
          const stats = tf.tidy(() => {
            const xs = tf.tensor4d(x.subarray(start * batch.sampleSize, (start + count) * batch.sampleSize), [
              count,
              ...setup.model.inputShape,
            ]);
            const yAll = tf.tensor1d(y, 'int32');
            return step(xs, tf.slice(yAll, [start], [count]), yAll);
          });
          stats.dispose(); // the main thread reports the (identical) stats
        } else if (cmd.kind === 'sync') {
          unpackInto(model, channel.broadcast(null, cmd.length), cmd.layout);
          const state = unpackOptimizerState(channel.broadcast(null, cmd.stateLength), cmd);
          optimizer
            .setWeights(state)
            .then(() => {
              tf.dispose(state.map((s) => s.tensor));
              port.postMessage({ kind: 'synced' });
            })
            .catch((e: unknown) => {
              channel.abort();
              port.postMessage({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
            });
        } else if (cmd.kind === 'stop') {
          model.dispose();
          disposeOptimizer(optimizer);
          port.close();
        }
      } catch (e) {
        channel.abort();
        port.postMessage({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    });
    port.postMessage({ kind: 'ready' });
  } catch (e) {
    channel.abort();
    port.postMessage({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
}

/** Optimizer state: the iteration count, then one accumulator per trainable weight. */
function unpackOptimizerState(flat: Float32Array, cmd: Extract<ReplicaCommand, { kind: 'sync' }>): { name: string; tensor: tf.Tensor }[] {
  let offset = 0;
  return cmd.optimizerState.map((entry) => {
    const size = entry.shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(flat.slice(offset, offset + size), entry.shape, entry.dtype);
    offset += size;
    return { name: entry.name, tensor: t };
  });
}

void main();
