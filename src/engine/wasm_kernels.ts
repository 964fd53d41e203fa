/**
 * Everything the wasm backend needs to train our CNNs fast, registered in one place:
 * conv gradients from XNNPACK forward convs, transposed matmuls on XNNPACK, and a correct, fast
 * MaxPoolGrad. See each file for the measurements behind it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { wasmConvGradientKernels } from './conv_gradients_wasm.js';
import { wasmMaxPoolGradKernel } from './max_pool_grad_wasm.js';
import { makeWasmBatchMatMulKernel } from './matmul_wasm.js';

let registered = false;

function replace(config: KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) != null) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

function stockKernel(name: string): KernelConfig {
  const k = tf.getKernel(name, 'wasm');
  if (k == null) throw new Error(`the wasm backend has no ${name} kernel (tfjs-backend-wasm version mismatch?)`);
  return k;
}

/**
 * Registers our wasm kernels (idempotent). Must run after '@tensorflow/tfjs-backend-wasm' is
 * imported (its kernels are the ones being wrapped or replaced).
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const stockMatMul = stockKernel(tf.BatchMatMul);
  // Keep the stock setupFunc: it binds the C++ function when the backend initialises.
  const batchMatMul = { ...makeWasmBatchMatMulKernel(stockMatMul.kernelFunc, stockKernel(tf.Transpose).kernelFunc), setupFunc: stockMatMul.setupFunc };
  for (const k of [...wasmConvGradientKernels, wasmMaxPoolGradKernel, batchMatMul]) replace(k);
}
