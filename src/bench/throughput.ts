/**
 * Training throughput of one zoo model on the current backend: the median images/s of full
 * training steps (forward, CE + cohesion/coupling for a modular model, backward, SGD momentum
 * update), measured after warm-up steps, on random 32x32x3 data.
 *
 * Each step is what the training loop does: a fresh input tensor from a host Float32Array, the
 * training loop's stepper, and one read-back of the step's stats (so the backend has finished).
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { buildModel } from '../../models/registry.js';
import { createStepper } from '../train/stepper.js';
import { profileKernels, type KernelProfile, type ProfileClock } from '../engine/index.js';
import { disposeOptimizer } from '../train/dispose_optimizer.js';
import { median } from '../stats/median.js';

export interface ThroughputOptions {
  model: string;
  width: number;
  batchSize: number;
  form: 'standard' | 'modular';
  /** Timed steps (the median is reported). */
  steps: number;
  /** Untimed steps first: kernel setup, weight packing and JIT warm-up. */
  warmup: number;
  numClasses?: number;
  inputShape?: [number, number, number];
  /** Data-parallel replicas (main thread + workers, each on one core); 1 = this thread only. */
  replicas?: number;
}

export interface Throughput {
  imagesPerSecond: number;
  medianStepMs: number;
  stepMs: number[];
  /**
   * CPU time per step (median): of the whole process, and of its busiest thread. On a machine
   * shared with other jobs the wall time depends on the share of the cores this process gets;
   * the busiest thread's CPU time is what a step would take with the cores to itself (less any
   * waiting between threads). Null where /proc is not available.
   */
  cpuMsPerStep: number | null;
  busiestThreadCpuMsPerStep: number | null;
  /** Tensors alive after the last step (equal across steps when nothing leaks). */
  numTensors: number;
}

/** CPU ms used so far by each thread of this process (Linux /proc; 10 ms resolution). */
function threadCpuMs(): Map<string, number> | null {
  try {
    const out = new Map<string, number>();
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const fields = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(tid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100); // utime + stime, USER_HZ = 100
    }
    return out;
  } catch {
    return null;
  }
}

/** Deterministic inputs (so runs are comparable) and labels cycling through the classes. */
function syntheticBatch(batchSize: number, shape: [number, number, number], numClasses: number): { x: Float32Array; y: Int32Array } {
  const n = batchSize * shape[0] * shape[1] * shape[2];
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[i] = (s / 4294967296) * 2 - 1;
  }
  const y = Int32Array.from({ length: batchSize }, (_, i) => i % numClasses);
  return { x, y };
}

/** Sets up a model and its training step; `run()` does one full step and returns its wall ms. */
export async function makeBenchStep(
  opts: Omit<ThroughputOptions, 'steps' | 'warmup'>,
): Promise<{ run: () => number; dispose: () => Promise<void> }> {
  const numClasses = opts.numClasses ?? 10;
  const inputShape = opts.inputShape ?? [32, 32, 3];
  const replicas = opts.replicas ?? 1;
  const spec = { name: opts.model, numClasses, inputShape, width: opts.width, form: opts.form };
  const { model } = buildModel(opts.model, spec);
  const optimizer = tf.train.momentum(0.01, 0.9, true);
  const objective = { numClasses, alpha: 0.5, beta: 1.5 };
  const batch = syntheticBatch(opts.batchSize, inputShape, numClasses);
  const stepper = await createStepper(model, optimizer, {
    step: objective,
    model: spec,
    replicas,
    momentum: 0.9,
    maxBatchSize: opts.batchSize,
  });
  const run = () => {
    const start = performance.now();
    const stats = stepper.step(batch.x, batch.y, opts.batchSize);
    stats.dataSync();
    stats.dispose();
    return performance.now() - start;
  };
  return {
    run,
    dispose: async () => {
      await stepper.dispose();
      model.dispose();
      disposeOptimizer(optimizer);
    },
  };
}

export async function measureThroughput(opts: ThroughputOptions): Promise<Throughput> {
  const bench = await makeBenchStep(opts);
  try {
    for (let i = 0; i < opts.warmup; i++) bench.run();
    const stepMs: number[] = [];
    const cpu: number[] = [];
    const busiest: number[] = [];
    for (let i = 0; i < opts.steps; i++) {
      const before = threadCpuMs();
      stepMs.push(bench.run());
      const after = threadCpuMs();
      if (before && after) {
        const deltas = [...after].map(([tid, ms]) => ms - (before.get(tid) ?? 0));
        cpu.push(deltas.reduce((a, b) => a + b, 0));
        busiest.push(Math.max(...deltas));
      }
    }
    const medianStepMs = median(stepMs);
    return {
      imagesPerSecond: (opts.batchSize * 1000) / medianStepMs,
      medianStepMs,
      stepMs,
      cpuMsPerStep: cpu.length ? median(cpu) : null,
      busiestThreadCpuMsPerStep: busiest.length ? median(busiest) : null,
      numTensors: tf.memory().numTensors,
    };
  } finally {
    await bench.dispose();
  }
}

/** Per-kernel profile of `steps` training steps after `warmup` untimed ones. */
export async function profileTrainStep(opts: ThroughputOptions & { clock?: ProfileClock }): Promise<KernelProfile> {
  const bench = await makeBenchStep(opts);
  try {
    for (let i = 0; i < opts.warmup; i++) bench.run();
    return await profileKernels(
      tf.getBackend(),
      () => {
        for (let i = 0; i < opts.steps; i++) bench.run();
      },
      { clock: opts.clock ?? 'wall' },
    );
  } finally {
    await bench.dispose();
  }
}
