/**
 * Where the wasm backend runs a 3x3 conv through Winograd (`winograd.ts`) instead of XNNPACK's
 * direct conv: the forward kernels (Conv2D, FusedConv2D) and, from conv_gradients_wasm.ts, both
 * gradients.
 *
 * Measured per VGG16 layer at batch 64 (BENCHMARKS.md has the whole-step figures): on one thread
 * Winograd wins every pass of every layer (1.3x at 32x32, 1.9x at 8x8 and 4x4); with the threaded
 * build, whose transforms stay mostly on the main thread, it loses the forward pass at 32x32 and
 * 2x2 and the input gradient at 32x32 by ~10%, and wins the rest. It loses wherever the convs
 * are small: fewer than 64 input or output channels, or fewer than 64 tiles (N*H*W < 256, e.g.
 * batch-1 inference). So, where it fits and the conv is not small:
 * - filter gradient: always;
 * - input gradient: one thread, or at most 16x16;
 * - forward: one thread, or 4x4 to 16x16.
 * MWT_WINOGRAD=0 turns it off (the direct convs), =1 uses it wherever it fits.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { winogradConv3x3, winogradFits } from './winograd.js';
import { wasmThreadsInUse } from './wasm_threads.js';
import { borrowTensor } from './wasm_heap.js';

export type WinogradPass = 'forward' | 'inputGrad' | 'filterGrad';

function mode(): 'auto' | 'off' | 'on' {
  const v = process.env.MWT_WINOGRAD;
  return v === '0' ? 'off' : v === '1' ? 'on' : 'auto';
}

interface ConvLike {
  strides: number | [number, number];
  pad: unknown;
  dataFormat?: string;
  dilations?: number | [number, number];
}

/** Whether `pass` of a conv with input [N, H, W, C] and this filter runs through Winograd on wasm. */
export function useWinograd(pass: WinogradPass, xShape: readonly number[], filterShape: readonly number[], attrs: ConvLike): boolean {
  const m = mode();
  if (m === 'off' || (attrs.dataFormat != null && attrs.dataFormat !== 'NHWC')) return false;
  if (!winogradFits(xShape, filterShape, attrs.strides, attrs.pad, attrs.dilations ?? 1)) return false;
  if (m === 'on') return true;
  const [n, h, w, c] = xShape as [number, number, number, number];
  // The tile transforms cost per element and the matmuls per channel pair, so with few channels
  // the transforms dominate (32 channels at 14x14: no gain; 16: 1.7-1.9x slower); with few tiles
  // XNNPACK's per-call packing of the 16 transformed filters does (batch 1 at 4x4x512: 8x slower).
  if (Math.min(c, filterShape[3]!) < 64 || n * h * w < 256) return false;
  if (pass === 'filterGrad') return true;
  const oneThread = wasmThreadsInUse() === 1;
  if (pass === 'inputGrad') return oneThread || h * w <= 256;
  return oneThread || (h >= 4 && w >= 4 && h * w <= 256);
}

type Args = { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap; backend: unknown };

function makeForward(kernelName: string, stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: Args): TensorInfo => {
    const attrs = args.attrs as unknown as ConvLike & { activation?: string };
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const activation = attrs.activation ?? 'linear';
    if (
      preluActivationWeights != null ||
      (activation !== 'linear' && activation !== 'relu') ||
      !useWinograd('forward', x!.shape, filter!.shape, attrs)
    ) {
      return stock.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const xs = borrowTensor(x!) as tf.Tensor4D;
    const w = borrowTensor(filter!) as tf.Tensor4D;
    const b = bias != null ? borrowTensor(bias) : null;
    try {
      return tf.tidy(() => {
        let y: tf.Tensor = winogradConv3x3(xs, w);
        if (b != null) y = tf.add(y, b);
        return activation === 'relu' ? tf.relu(y) : y;
      });
    } finally {
      tf.dispose([xs, w, ...(b ? [b] : [])]);
    }
  };
  // Keep the stock setupFunc: it binds the C++ function when the backend initialises.
  return { ...stock, kernelName, kernelFunc: kernelFunc as unknown as KernelConfig['kernelFunc'] };
}

/** Conv2D and FusedConv2D for wasm that take the Winograd path where useWinograd says so. */
export function makeWinogradForwardKernels(stockConv: KernelConfig, stockFused: KernelConfig): KernelConfig[] {
  return [makeForward(tf.Conv2D, stockConv), makeForward(tf.FusedConv2D, stockFused)];
}
