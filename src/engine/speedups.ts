/**
 * The training speed-ups, installed explicitly and per backend. Several are process-wide patches
 * of tfjs (a layer's method, the engine's backward pass, kernel and gradient registrations), so
 * each is installed only on the backend it was written for:
 *
 *   wasm        wasm-kernels (wasm_kernels.ts: conv gradients, Winograd, matmul, Slice, Identity,
 *               MaxPoolGrad; registered for the 'wasm' backend only), fused-batch-norm,
 *               streaming-gradients
 *   cpu         fused-batch-norm, streaming-gradients (the pure-JS fallback: the same memory
 *               savings; no kernels of ours)
 *   tensorflow  fused-batch-norm (TensorFlow's FusedBatchNormV3), tensorflow-relu-grad,
 *               tensorflow-conv-filter-grad, tensorflow-mean-grad; streaming-gradients is taken out (TensorFlow's
 *               allocator does not need it)
 *
 * fused-batch-norm (batch_norm_layer_patch.ts) wraps tfjs-layers' BatchNormalization.call in
 * training mode; it is also what data-parallel training's synchronised batch norm runs on.
 * streaming-gradients (streaming_gradients.ts) replaces tf.engine().gradients and is written for
 * tfjs-core 4.22.x (package.json pins it).
 *
 * initBackend() calls installSpeedups() for the backend it starts unless given
 * `{ speedups: false }`, so the CLI and every library entry point (train, modularizeRun, reuse,
 * ...) train with them; uninstallSpeedups() puts tfjs back as published. A speed-up that cannot
 * be installed says so once on stderr, with what it costs. The tensorflow backend's crash
 * workarounds (tensorflow_fixes.ts) are not speed-ups: they go in before these and
 * uninstallSpeedups() leaves them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from './backend_names.js';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './wasm_kernels.js';
import { installFusedBatchNorm, uninstallFusedBatchNorm } from './batch_norm_layer_patch.js';
import {
  installNativeReluGrad,
  installTensorflowConvFilterGrad,
  installTensorflowMeanGrad,
  uninstallNativeReluGrad,
  uninstallTensorflowConvFilterGrad,
  uninstallTensorflowMeanGrad,
} from './tensorflow_ops.js';
import { installTensorflowFixes } from './tensorflow_fixes.js';
import { installStreamingGradients, uninstallStreamingGradients, STREAMING_GRADIENTS_TFJS } from './streaming_gradients.js';

export type Speedup =
  | 'wasm-kernels'
  | 'fused-batch-norm'
  | 'streaming-gradients'
  | 'tensorflow-relu-grad'
  | 'tensorflow-conv-filter-grad'
  | 'tensorflow-mean-grad';

/** The speed-ups written for each backend. */
export const SPEEDUPS: Record<BackendName, readonly Speedup[]> = {
  wasm: ['wasm-kernels', 'fused-batch-norm', 'streaming-gradients'],
  cpu: ['fused-batch-norm', 'streaming-gradients'],
  tensorflow: ['fused-batch-norm', 'tensorflow-relu-grad', 'tensorflow-conv-filter-grad', 'tensorflow-mean-grad'],
};

/** What training loses without each one, for the warning. */
const WITHOUT: Record<Speedup, string> = {
  'wasm-kernels': "training runs on tfjs' stock wasm kernels (several times slower; the identity copies hold more memory)",
  'fused-batch-norm': "training-mode batch norm runs tfjs-layers' own (slower) path, and data-parallel batch norm is not synchronised",
  'streaming-gradients': `training uses tfjs' own backward pass, which holds every gradient until the pass ends: large models (e.g. ResNet18) may no longer fit the wasm heap; install tfjs ${STREAMING_GRADIENTS_TFJS} as package.json pins it`,
  'tensorflow-relu-grad': "ReLU's gradient runs as tfjs ops instead of TensorFlow's ReluGrad (slower)",
  'tensorflow-conv-filter-grad': 'small convs compute their filter gradients with the stock kernel (slower)',
  'tensorflow-mean-grad': "the mask generators' average pools take tfjs' own mean gradient (three full-size ops instead of one)",
};

/** Installs one speed-up (idempotent); throws, saying why, when it cannot be. */
const INSTALL: Record<Speedup, () => void> = {
  'wasm-kernels': registerWasmTrainingKernels,
  'fused-batch-norm': installFusedBatchNorm,
  'streaming-gradients': installStreamingGradients,
  'tensorflow-relu-grad': installNativeReluGrad,
  'tensorflow-conv-filter-grad': installTensorflowConvFilterGrad,
  'tensorflow-mean-grad': installTensorflowMeanGrad,
};

const UNINSTALL: Record<Speedup, () => void> = {
  'wasm-kernels': unregisterWasmTrainingKernels,
  'fused-batch-norm': uninstallFusedBatchNorm,
  'streaming-gradients': uninstallStreamingGradients,
  'tensorflow-relu-grad': uninstallNativeReluGrad,
  'tensorflow-conv-filter-grad': uninstallTensorflowConvFilterGrad,
  'tensorflow-mean-grad': uninstallTensorflowMeanGrad,
};

const warned = new Set<Speedup>();

/** One line on stderr, once per speed-up and process: which one is missing, why, and what it costs. */
function warnMissing(speedup: Speedup, why: string): void {
  if (warned.has(speedup)) return;
  warned.add(speedup);
  process.stderr.write(`mwt: warning: speed-up ${speedup} is not installed (${why}): ${WITHOUT[speedup]}\n`);
}

/**
 * Installs the speed-ups written for `backend` (default: the active backend) and takes out those
 * of another backend that would act on it (streaming-gradients on tensorflow). Idempotent.
 * Returns the speed-ups now in place for it; each one missing was reported on stderr.
 */
export function installSpeedups(backend: BackendName = tf.getBackend() as BackendName): Speedup[] {
  const wanted = SPEEDUPS[backend];
  if (wanted == null) throw new Error(`installSpeedups: unknown backend '${backend}'`);
  if (!wanted.includes('streaming-gradients')) uninstallStreamingGradients();
  // Before tensorflow-conv-filter-grad, which wraps the kernel it finds and puts it back on
  // uninstall: the crash workaround must be inside it, so it stays.
  if (backend === 'tensorflow') installTensorflowFixes();
  const installed: Speedup[] = [];
  for (const speedup of wanted) {
    try {
      INSTALL[speedup]();
      installed.push(speedup);
    } catch (e) {
      warnMissing(speedup, e instanceof Error ? e.message : String(e));
    }
  }
  return installed;
}

/** Takes every speed-up out: tfjs as published (comparisons in tests and benchmarks, library users who want it). */
export function uninstallSpeedups(): void {
  for (const speedup of Object.keys(UNINSTALL) as Speedup[]) UNINSTALL[speedup]();
}
