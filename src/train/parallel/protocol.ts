/**
 * What the main thread and the replica workers exchange: the setup a worker starts with, the
 * commands it receives, the shared batch buffer, and the packing of model weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { StepConfig } from '../step.js';
import type { ChannelBuffers } from './replica_channel.js';

export interface ModelSetup {
  name: string;
  numClasses: number;
  inputShape: [number, number, number];
  width: number;
  form: 'modular' | 'standard';
}

export interface OptimizerSetup {
  learningRate: number;
  momentum: number;
  nesterov: boolean;
}

export interface BatchBufferSpec {
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  /** Ordering word: written after a batch, read before using it. */
  sequence: SharedArrayBuffer;
  sampleSize: number;
  maxBatch: number;
}

export interface ReplicaSetup {
  rank: number;
  backend: 'wasm' | 'cpu';
  model: ModelSetup;
  optimizer: OptimizerSetup;
  step: StepConfig;
  channel: ChannelBuffers;
  batch: BatchBufferSpec;
}

export interface WeightLayout {
  name: string;
  shape: number[];
  size: number;
}

export interface OptimizerStateEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export type ReplicaCommand =
  | { kind: 'step'; batchSize: number; learningRate: number }
  /** Followed by two broadcasts: the weights (`length` floats), then the optimizer state. */
  | { kind: 'sync'; length: number; stateLength: number; layout: WeightLayout[]; optimizerState: OptimizerStateEntry[] }
  | { kind: 'stop' };

export type ReplicaMessage = { kind: 'ready' } | { kind: 'synced' } | { kind: 'error'; message: string };

/** The current batch, shared by all replicas (each reads its own rows). */
export class BatchBuffer {
  readonly x: Float32Array;
  readonly y: Int32Array;
  private readonly sequence: Int32Array;

  constructor(readonly spec: BatchBufferSpec) {
    this.x = new Float32Array(spec.x);
    this.y = new Int32Array(spec.y);
    this.sequence = new Int32Array(spec.sequence);
  }

  static create(sampleSize: number, maxBatch: number): BatchBuffer {
    return new BatchBuffer({
      x: new SharedArrayBuffer(sampleSize * maxBatch * 4),
      y: new SharedArrayBuffer(maxBatch * 4),
      sequence: new SharedArrayBuffer(4),
      sampleSize,
      maxBatch,
    });
  }

  get sampleSize(): number {
    return this.spec.sampleSize;
  }

  write(x: Float32Array, y: Int32Array, n: number): void {
    if (n > this.spec.maxBatch)
      throw new Error(`data-parallel: batch of ${n} exceeds the ${this.spec.maxBatch} samples the trainer was created for`);
    if (x.length < n * this.sampleSize || y.length < n) throw new Error(`data-parallel: batch arrays hold fewer than ${n} samples`);
    this.x.set(x.subarray(0, n * this.sampleSize));
    this.y.set(y.subarray(0, n));
    Atomics.add(this.sequence, 0, 1); // publishes the writes above
  }

  read(n: number): { x: Float32Array; y: Int32Array } {
    Atomics.load(this.sequence, 0); // orders the reads below after the writer's
    return { x: this.x.subarray(0, n * this.sampleSize), y: this.y.slice(0, n) };
  }
}

/** All weights of a model (trainable and not, in model.weights order) in one array. */
export function packWeights(model: LayersModel): { flat: Float32Array; layout: WeightLayout[] } {
  const values = model.getWeights();
  const layout = values.map((t, i) => ({ name: model.weights[i]!.name, shape: t.shape, size: t.size }));
  const flat = new Float32Array(layout.reduce((s, l) => s + l.size, 0));
  let offset = 0;
  for (const t of values) {
    flat.set(t.dataSync() as Float32Array, offset);
    offset += t.size;
  }
  return { flat, layout };
}

export function unpackInto(model: LayersModel, flat: Float32Array, layout: WeightLayout[]): void {
  if (layout.length !== model.weights.length)
    throw new Error(`data-parallel: ${layout.length} weights sent, the replica's model has ${model.weights.length}`);
  let offset = 0;
  const tensors = layout.map((l) => {
    const t = tf.tensor(flat.subarray(offset, offset + l.size), l.shape);
    offset += l.size;
    return t;
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
}
