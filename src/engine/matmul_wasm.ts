/**
 * BatchMatMul on the wasm backend: route transposed products to XNNPACK.
 *
 * The wasm kernel uses XNNPACK's fully-connected operator only when neither operand is
 * transposed and the batch is 1; anything else runs a scalar triple loop (about 1-3 GFLOP/s
 * against 20-30). Every dense-layer gradient is a transposed product (dW = x^T dy,
 * dx = dy W^T), so a modular VGG16 step spent ~360 ms of CPU there. We transpose the operand
 * explicitly (a cheap copy next to the product) and call the stock kernel untransposed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Builds the replacement around the stock wasm kernel (looked up when registering). */
export function makeWasmBatchMatMulKernel(stock: KernelFunc, transpose: KernelFunc): KernelConfig {
  const kernelFunc = (args: { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap; backend: unknown }): TensorInfo => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as MatMulAttrs;
    const batch = (t: TensorInfo) => t.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    if ((!transposeA && !transposeB) || batch(a) !== 1 || batch(b) !== 1) {
      return stock(args as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const backend = args.backend as { disposeData(id: object): void };
    const swapLast = (t: TensorInfo): TensorInfo => {
      const r = t.shape.length;
      const perm = [...Array(r).keys()];
      [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
      return transpose({ inputs: { x: t }, backend: args.backend, attrs: { perm } } as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    };
    const a2 = transposeA ? swapLast(a) : a;
    const b2 = transposeB ? swapLast(b) : b;
    try {
      return stock({
        inputs: { a: a2, b: b2 },
        backend: args.backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      } as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    } finally {
      if (a2 !== a) backend.disposeData(a2.dataId);
      if (b2 !== b) backend.disposeData(b2.dataId);
    }
  };
  return { kernelName: tf.BatchMatMul, backendName: 'wasm', kernelFunc: kernelFunc as KernelConfig['kernelFunc'] };
}
