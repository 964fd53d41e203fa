/**
 * The multi-threaded wasm backend under Node: XNNPACK kernels on all cores.
 *
 * tfjs-backend-wasm ships a threaded SIMD build (pthreads on worker_threads) but never loads it
 * in Node: its WASM_HAS_MULTITHREAD_SUPPORT flag is false there, and the loader it would use
 * passes the pthread worker script and the main script as Blob URLs, which Node's Worker and the
 * Emscripten worker (importScripts = fs.readFileSync) cannot open (tfjs #3830, PR #8059 unmerged).
 * The Emscripten glue itself supports Node, so we load the threaded build ourselves:
 *
 * - the pthread worker script is written to a file in the OS temp dir, the main script is given
 *   by its path (both as the glue's Node code path expects);
 * - the C++ side caps the thread count at (logical cores / 2), assuming hyper-threading, which is
 *   1 on a 2-core machine; during instantiation (when that cap is computed from os.cpus()) we
 *   make os.cpus() report 2 x the wanted thread count, then restore it;
 * - the pthread pool's workers are unref'd so they never keep the process alive (they only work
 *   while the main thread waits for them inside a kernel).
 *
 * Only XNNPACK operators (convolutions, fully-connected, some elementwise ops) run in parallel;
 * tfjs' own C++ loops and our JS kernels stay on the main thread. See BENCHMARKS.md for speed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread?: { runningWorkers: { unref(): void }[]; unusedWorkers: { unref(): void }[] };
  tfjs?: Record<string, unknown>;
}

type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');

/** Same binding table as tfjs-backend-wasm's own loader (backend_wasm.ts, init()). */
function bindTfjsApi(module: EmscriptenModule): void {
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
}

/** Writes the pthread worker script once per content (the file name carries its hash). */
function workerScriptFile(contents: string): string {
  // The Blob-based loader escapes newlines the same way: the script has "\n" inside strings.
  const text = contents.replace(/\n/g, '\\n');
  const hash = createHash('sha1').update(text).digest('hex').slice(0, 12);
  const file = path.join(os.tmpdir(), `mwt-tfjs-wasm-pthread-${hash}.cjs`);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return file;
}

async function instantiateThreaded(threads: number): Promise<EmscriptenModule> {
  const mainScript = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const dir = path.dirname(mainScript);
  const factory = require(mainScript) as (config: object) => Promise<EmscriptenModule>;
  const { wasmWorkerContents } = require(path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const workerFile = workerScriptFile(wasmWorkerContents);
  const osModule = require('node:os') as { cpus: () => os.CpuInfo[] };
  const realCpus = osModule.cpus;
  osModule.cpus = () => {
    const cpus = realCpus();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);
  };
  try {
    return await factory({
      locateFile: (file: string) => (file.endsWith('.worker.js') ? workerFile : path.join(dir, file)),
      mainScriptUrlOrBlob: mainScript,
    });
  } finally {
    osModule.cpus = realCpus;
  }
}

/**
 * Replaces the registered 'wasm' backend factory by one that loads the threaded build with
 * `threads` threads (the main thread counts as one). Call after importing
 * '@tensorflow/tfjs-backend-wasm' and before the backend is first initialised.
 */
export function registerThreadedWasmBackend(wasmPackage: WasmPackage, threads: number): void {
  if (!Number.isInteger(threads) || threads < 2) throw new Error(`wasm threads: expected an integer >= 2, got ${threads}`);
  let pending: Promise<InstanceType<WasmPackage['BackendWasm']>> | null = null;
  // tfjs may call a backend factory more than once (findBackend, then setBackend): share one.
  const factory = () =>
    (pending ??= (async () => {
      const module = await instantiateThreaded(threads);
      bindTfjsApi(module);
      wasmPackage.setThreadsCount(threads);
      const backend = new wasmPackage.BackendWasm(module as never);
      for (const w of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) w.unref();
      return backend;
    })());
  tf.removeBackend('wasm');
  // Priority 2 as the stock registration: below tensorflow, above cpu.
  tf.registerBackend('wasm', factory, 2);
}

/** Threads the running wasm backend uses, or 1 when it is the single-threaded build. */
export function wasmThreadsInUse(): number {
  const backend = tf.findBackend('wasm') as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } } | null;
  const n = backend?.wasm?.tfjs?.getThreadsCount?.();
  return typeof n === 'number' && n > 0 ? n : 1;
}
