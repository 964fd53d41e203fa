/**
 * Slice for the wasm backend without the stock kernel's whole-input copy.
 *
 * tfjs-backend-wasm 4.22's Slice reads the entire input out of the heap (backend.readSync) on
 * every call, then slices that copy: taking 1/16 of a 16 MB activation copies all 16 MB. The
 * Winograd transforms slice big tensors many times per conv (at 32x32x64 that copy was 120 of
 * 150 ms of the input transform). This one copies only the selected runs, straight between heap
 * views.
 */
import * as tf from '@tensorflow/tfjs-core';
import { slice_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export function makeWasmSliceKernel(stock: KernelFunc): KernelConfig {
  const kernelFunc = (args: { inputs: { x: TensorInfo }; attrs: NamedAttrMap; backend: BackendWasm }): TensorInfo => {
    const { x } = args.inputs;
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    if (x.dtype === 'string' || x.shape.length > 4) return stock(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const [b, s] = slice_util.parseSliceParams(x, begin, size);
    const backend = args.backend;
    const out = backend.makeOutput(s, x.dtype);
    if (util.sizeFromShape(s) === 0) return out;
    // Views after the allocation: it may grow (and move) the heap.
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    const strides = util.computeStrides(x.shape);
    if (slice_util.isSliceContinous(x.shape, b, s)) {
      const offset = slice_util.computeFlatOffset(b, strides);
      dst.set(src.subarray(offset, offset + util.sizeFromShape(s)));
      return out;
    }
    // Rank <= 4 as rank 4: copy runs along the last axis.
    const B = [0, 0, 0, ...b].slice(-4);
    const S = [1, 1, 1, ...s].slice(-4);
    const ST = [0, 0, 0, ...strides, 1].slice(-4);
    const run = S[3]!;
    let o = 0;
    for (let i = B[0]!; i < B[0]! + S[0]!; i++) {
      for (let j = B[1]!; j < B[1]! + S[1]!; j++) {
        for (let k = B[2]!; k < B[2]! + S[2]!; k++) {
          const from = i * ST[0]! + j * ST[1]! + k * ST[2]! + B[3]!;
          dst.set(src.subarray(from, from + run), o);
          o += run;
        }
      }
    }
    return out;
  };
  return { kernelName: tf.Slice, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelConfig['kernelFunc'] };
}
