/**
 * The engine: choosing and starting a tfjs backend, and what makes training fast on it (wasm
 * kernels, threads, the fused batch norm, the streaming backward pass, TensorFlow's fused ops).
 * It imports tfjs only (and src/errors.ts, which imports nothing); training, models and commands
 * use it through this file.
 *
 * Two files are imported directly by code that must not load tfjs (the CLI's option parsing,
 * `mwt setup tensorflow`, the test config): backend_names.ts and tensorflow_native.ts.
 */
export { initBackend, ensureBackend, setWasmThreads, chooseWasmThreads, wasmThreadsChosen, BACKENDS } from './backend.js';
export type { BackendName, InitBackendOptions } from './backend.js';
export { installSpeedups, uninstallSpeedups, SPEEDUPS } from './speedups.js';
export type { Speedup } from './speedups.js';
export { wasmThreadsInUse } from './wasm_threads.js';
export { installFusedBatchNorm, uninstallFusedBatchNorm } from './batch_norm_layer_patch.js';
export { setCrossReplicaSum } from './batch_norm_training.js';
export { profileKernels } from './kernel_profiler.js';
export type { KernelProfile, ProfileClock } from './kernel_profiler.js';
