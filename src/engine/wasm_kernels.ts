/**
 * Everything the wasm backend needs to train our CNNs fast, registered in one place:
 * conv gradients from XNNPACK forward convs, Winograd for 3x3 convs, transposed matmuls on
 * XNNPACK, a correct, fast MaxPoolGrad, and Identity and Slice without needless copies. See each
 * file for the measurements behind it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { wasmConvGradientKernels } from './conv_gradients_wasm.js';
import { wasmMaxPoolGradKernel } from './max_pool_grad_wasm.js';
import { makeWasmBatchMatMulKernel } from './matmul_wasm.js';
import { makeWasmSliceKernel } from './slice_wasm.js';
import { makeWinogradForwardKernels } from './conv_winograd_wasm.js';

let registered = false;
/** What each kernel of ours replaced (null: the backend had none), to put back. */
let replaced: { name: string; stock: KernelConfig | null }[] = [];

function replace(config: KernelConfig): void {
  const stock = tf.getKernel(config.kernelName, config.backendName) ?? null;
  if (stock != null) tf.unregisterKernel(config.kernelName, config.backendName);
  replaced.push({ name: config.kernelName, stock });
  tf.registerKernel(config);
}

/** Puts tfjs-backend-wasm's own kernels back (idempotent). */
export function unregisterWasmTrainingKernels(): void {
  if (!registered) return;
  for (const { name, stock } of replaced.reverse()) {
    tf.unregisterKernel(name, 'wasm');
    if (stock != null) tf.registerKernel(stock);
  }
  replaced = [];
  registered = false;
}

function stockKernel(name: string): KernelConfig {
  const k = tf.getKernel(name, 'wasm');
  if (k == null) throw new Error(`the wasm backend has no ${name} kernel (tfjs-backend-wasm version mismatch?)`);
  return k;
}

/**
 * Identity that shares the input's data (as the cpu and webgl backends do) instead of copying it.
 * tfjs clones every tensor it saves for the backward pass through Identity, so the stock wasm
 * kernel duplicated each saved activation: ~0.5 GiB of a ResNet18 step at batch 128. Tensors are
 * immutable (kernels always write fresh outputs), so sharing is safe; Reshape does the same.
 */
function makeSharedIdentityKernel(stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: { inputs: { x: TensorInfo }; backend: { incRef(dataId: object): void } }): TensorInfo => {
    const { x } = args.inputs;
    if (x.dtype === 'string') return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as KernelConfig['kernelFunc'] };
}

/**
 * Registers our wasm kernels (idempotent; for the 'wasm' backend only, before or after it
 * starts: the engine looks kernels up at each call, and ours keep the stock setupFunc). Must run
 * after '@tensorflow/tfjs-backend-wasm' is imported (its kernels are the ones being wrapped or
 * replaced).
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const stockMatMul = stockKernel(tf.BatchMatMul);
  // Keep the stock setupFunc: it binds the C++ function when the backend initialises.
  const batchMatMul = {
    ...makeWasmBatchMatMulKernel(stockMatMul.kernelFunc, stockKernel(tf.Transpose).kernelFunc),
    setupFunc: stockMatMul.setupFunc,
  };
  const identity = makeSharedIdentityKernel(stockKernel(tf.Identity));
  const slice = makeWasmSliceKernel(stockKernel(tf.Slice).kernelFunc);
  const forwardConvs = makeWinogradForwardKernels(stockKernel(tf.Conv2D), stockKernel(tf.FusedConv2D));
  for (const k of [...wasmConvGradientKernels, wasmMaxPoolGradKernel, batchMatMul, identity, slice, ...forwardConvs]) replace(k);
  registered = true;
}
