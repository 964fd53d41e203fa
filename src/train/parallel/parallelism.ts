/**
 * How a training run uses the cores when the options do not say: data-parallel replicas (one
 * single-threaded wasm backend per core, data_parallel_trainer.ts) or one replica on the threaded
 * wasm build (every kernel split over the cores, src/engine/wasm_threads.ts).
 *
 * Measured on 2 cores (modular images/s, BENCHMARKS.md): replicas win whenever each gets a
 * reasonable share of the batch: VGG16 width 1 batch 64: 34.4 vs 29.6 with 2 threads; ResNet18
 * width 1 batch 64: 17.5 vs 15.0; VGG16 width 0.25 batch 128: 204 vs 179. With 16 samples per
 * replica (SimCNN width 0.25 batch 32) the per-step exchange of masks and gradients costs more
 * than it saves: 117 vs 145. Replicas also give each share of the batch its own 4 GiB wasm heap.
 *
 * MWT_WORKERS overrides the default (as MWT_WASM_THREADS does for threads).
 */
import * as os from 'node:os';
import { chooseWasmThreads, initBackend, wasmThreadsInUse, type BackendName } from '../../engine/index.js';
import { UsageError } from '../../errors.js';

/** Samples per replica from which data-parallel replicas beat the threaded build. */
export const MIN_SAMPLES_PER_REPLICA = 32;

/** Replicas for a run with this batch size on the wasm backend when --workers is not given. */
export function defaultReplicas(batchSize: number, cores = os.availableParallelism()): number {
  const env = process.env.MWT_WORKERS;
  if (env) {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`MWT_WORKERS: expected an integer from 1 to 16, got '${env}'`);
    return n;
  }
  const replicas = Math.min(cores, 8, Math.floor(batchSize / MIN_SAMPLES_PER_REPLICA));
  return replicas >= 2 ? replicas : 1;
}

/**
 * Replicas a run plans for: `workers` when given; 1 when only `threads` is given (threads were
 * asked for, not replicas); else defaultReplicas. Only the wasm backend uses more than one.
 */
export function plannedReplicas(opts: { threads?: number; workers?: number; batchSize: number }): number {
  if (opts.workers != null) return opts.workers;
  if (opts.threads != null) return 1;
  return defaultReplicas(opts.batchSize);
}

export interface Parallelism {
  backend: BackendName;
  /** Data-parallel replicas (1: this thread alone). */
  workers: number;
  /** wasm threads per replica; TensorFlow's intra-op threads; 1 on cpu. */
  threads: number;
}

/**
 * Starts the backend for a training run (or a benchmark of one) and settles how it uses the
 * cores: the given --workers / --threads, else the defaults above. Threads are fixed when the
 * backend starts, so they are chosen for the replicas wasm would get.
 */
export async function initTrainingBackend(opts: {
  backend?: string;
  threads?: number;
  workers?: number;
  batchSize: number;
}): Promise<Parallelism> {
  const planned = plannedReplicas(opts);
  chooseWasmThreads(opts.threads, planned);
  const backend = await initBackend(opts.backend);
  if (opts.workers != null && opts.workers > 1 && backend !== 'wasm' && backend !== 'cpu') {
    throw new UsageError(
      `--workers: not needed on the ${backend} backend, whose kernels already use every core (${process.env.TF_NUM_INTRAOP_THREADS ?? 'all'} intra-op threads); data-parallel replicas are for wasm (leave --workers out, or use --backend wasm)`,
    );
  }
  const threads =
    backend === 'wasm'
      ? wasmThreadsInUse()
      : backend === 'tensorflow'
        ? Number(process.env.TF_NUM_INTRAOP_THREADS) || os.availableParallelism()
        : 1;
  return { backend, workers: opts.workers ?? (backend === 'wasm' ? planned : 1), threads };
}

/** "wasm (1 thread per replica), 2 data-parallel replicas", for the log. */
export function describeParallelism({ backend, workers, threads }: Parallelism): string {
  const perReplica = workers > 1 ? ' per replica' : '';
  const wasm = backend === 'wasm' || backend === 'tensorflow' ? ` (${threads} thread${threads > 1 ? 's' : ''}${perReplica})` : '';
  return `${backend}${wasm}${workers > 1 ? `, ${workers} data-parallel replicas` : ''}`;
}
