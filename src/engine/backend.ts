/**
 * Run-time backend choice: tensorflow (tfjs-node-gpu / tfjs-node installed in node_modules, or
 * the build of `mwt setup tensorflow` in its cache, tensorflow_native.ts) when it loads, else
 * wasm, else cpu. `--backend NAME` or MWT_BACKEND force one. Every command prints what it runs on.
 *
 * On wasm the build is chosen here: the threaded one (`wasm_threads.ts`, which reports twice
 * the thread count from os.cpus() while it instantiates; MWT_WASM_THREADS or setWasmThreads()
 * choose the thread count, default 1: tfjs' own single-threaded build) or tfjs' own.
 *
 * The training speed-ups (wasm kernels, fused batch norm, streaming backward pass, TensorFlow's
 * fused ops) are speedups.ts: initBackend installs those of the backend it starts
 * (installSpeedups), unless given `{ speedups: false }`.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerThreadedWasmBackend } from './wasm_threads.js';
import { installSpeedups } from './speedups.js';
import { installTensorflowFixes } from './tensorflow_fixes.js';
import { loadCachedTensorflow, tensorflowEnvironment } from './tensorflow_native.js';

import { BACKENDS, type BackendName } from './backend_names.js';
import { InputError, UsageError } from '../errors.js';

export { BACKENDS, type BackendName } from './backend_names.js';

async function tryTensorflow(): Promise<boolean> {
  if (tf.findBackend('tensorflow') != null) return true;
  // TensorFlow reads these once, when its library loads (oneDNN, thread pools).
  for (const [k, v] of Object.entries(tensorflowEnvironment())) process.env[k] = v;
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (tf.findBackend('tensorflow') != null) return true;
    } catch {
      // Not installed in node_modules (its own install step cannot download libtensorflow here).
    }
  }
  // The build of `mwt setup tensorflow`; a build that is there but fails to load throws.
  return loadCachedTensorflow() && tf.findBackend('tensorflow') != null;
}

let wasmThreads: number | null = null;
let wasmFactoryThreads: number | null = null;

/**
 * Threads for the wasm backend; call before initBackend. Default: MWT_WASM_THREADS, else 1
 * (tfjs' single-threaded build). More threads split each XNNPACK kernel across cores, which pays
 * on an otherwise idle machine but costs a thread hand-off per kernel: on a busy machine, or for
 * small models, 1 thread is faster (measurements in BENCHMARKS.md). At most 8, the size of the
 * threaded build's worker pool.
 */
export function setWasmThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > 8)
    throw new UsageError(`--threads: expected an integer from 1 to 8, got ${threads}`, { option: 'threads' });
  if (wasmFactoryThreads != null && wasmFactoryThreads !== threads) {
    throw new InputError(
      'threads',
      `the wasm backend is already set up with ${wasmFactoryThreads} thread(s); choose threads before the first initBackend`,
    );
  }
  wasmThreads = threads;
}

/**
 * Chooses the wasm thread count for a run: `threads` when given; else MWT_WASM_THREADS or an
 * earlier choice in this process; else one thread per core (at most 8), or 1 when `replicas`
 * data-parallel replicas already take a core each. Call before initBackend.
 */
export function chooseWasmThreads(threads: number | undefined, replicas = 1): void {
  if (threads != null) setWasmThreads(threads);
  else if (wasmThreadsChosen() == null && !process.env.MWT_WASM_THREADS) {
    setWasmThreads(replicas > 1 ? 1 : Math.min(8, os.availableParallelism()));
  }
}

/** The wasm thread count once chosen (set, or fixed by the first initBackend), else null. */
export function wasmThreadsChosen(): number | null {
  return wasmFactoryThreads ?? wasmThreads;
}

function wantedWasmThreads(): number {
  if (wasmThreads != null) return wasmThreads;
  const env = process.env.MWT_WASM_THREADS;
  if (env) {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`MWT_WASM_THREADS: expected an integer from 1 to 8, got '${env}'`);
    return n;
  }
  return 1;
}

async function tryWasm(): Promise<boolean> {
  let wasmPackage: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasmPackage = await import('@tensorflow/tfjs-backend-wasm');
  } catch {
    return false;
  }
  // The factory is chosen once, before the backend is first created.
  if (wasmFactoryThreads == null) {
    const threads = wantedWasmThreads();
    if (threads > 1) registerThreadedWasmBackend(wasmPackage, threads);
    wasmFactoryThreads = threads;
  }
  return tf.engine().registryFactory['wasm'] != null;
}

const loaders: Record<BackendName, () => Promise<boolean>> = {
  tensorflow: tryTensorflow,
  wasm: tryWasm,
  cpu: async () => true,
};

/** Whether initBackend has chosen a backend in this process. */
let initialised = false;

/**
 * The backend a command runs on: `requested` when given; else the one already chosen by
 * initBackend, or set by the caller (tf.setBackend) to anything but cpu; else the best available.
 *
 * Not `tf.engine().backendName` alone: any tensor op before initBackend (building a model to
 * check a modules file, say) makes tfjs pick its cpu backend lazily, and a command that then
 * took that as a choice would run on cpu, many times slower.
 */
export async function ensureBackend(requested?: string): Promise<string> {
  const current = tf.engine().backendName;
  if (requested == null && (initialised || (current != null && current !== 'cpu'))) {
    // A tensorflow backend the app set itself still gets the crash workarounds.
    if (current === 'tensorflow') installTensorflowFixes();
    return current;
  }
  return initBackend(requested);
}

export interface InitBackendOptions {
  /** Install the backend's training speed-ups (installSpeedups, speedups.ts); default true. */
  speedups?: boolean;
}

/**
 * Selects and initialises a backend. With `requested` (or MWT_BACKEND) that backend must load,
 * else this throws; without it the best available one is used. Then installs its speed-ups
 * unless `speedups: false`. Returns the backend's name.
 */
export async function initBackend(requested?: string, opts: InitBackendOptions = {}): Promise<BackendName> {
  const started = (name: BackendName) => {
    // Crash workarounds (tensorflow_fixes.ts) go in first, speed-ups or not.
    if (name === 'tensorflow') installTensorflowFixes();
    if (opts.speedups !== false) installSpeedups(name);
    initialised = true;
    return name;
  };
  // PROD silences tfjs' console advice to install tfjs-node (it cannot install here).
  tf.env().set('PROD', true);
  const wanted = requested ?? process.env.MWT_BACKEND;
  if (wanted) {
    if (!(BACKENDS as readonly string[]).includes(wanted)) {
      throw new InputError('backend', `unknown backend '${wanted}', expected one of ${BACKENDS.join(', ')}`);
    }
    const name = wanted as BackendName;
    if (!(await loaders[name]()) || !(await tf.setBackend(name))) {
      throw new InputError(
        'backend',
        `the '${name}' backend is not available on this machine${name === 'tensorflow' ? ' (build it with `mwt setup tensorflow`)' : ''}`,
      );
    }
    await tf.ready();
    return started(name);
  }
  for (const name of BACKENDS) {
    if ((await loaders[name]()) && (await tf.setBackend(name).catch(() => false))) {
      await tf.ready();
      return started(name);
    }
  }
  throw new Error('no tfjs backend could be initialised');
}
