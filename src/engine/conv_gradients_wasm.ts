/**
 * Conv gradient kernels for the wasm backend, built from the fast XNNPACK forward conv.
 *
 * tfjs-backend-wasm ships no Conv2DBackpropFilter (tfjs #8474) and a Conv2DBackpropInput that is
 * plain C++ loops (about 10x slower than the forward conv of the same shape). Both gradients are
 * themselves convolutions, so we express them as forward convs over re-arranged tensors:
 *
 * - filter gradient: with x as [C_in, H, W, N] (batch and channels swapped) and dy as a
 *   [H_out, W_out, N, C_out] filter dilated by the stride, a stride-1 conv gives
 *   [C_in, kh, kw, C_out]; transposing gives [kh, kw, C_in, C_out]. Measured (batch 64, 32x32,
 *   64->64, CPU time on a loaded machine): ~180 ms for the conv against ~120 ms for the forward
 *   conv. Alternatives measured and rejected: nine XNNPACK matmuls (one per filter tap) over a
 *   transposed x or dy, whole or split along the batch: 1.3-3x slower (the reduction runs over
 *   N*H*W, too long a K for XNNPACK's unblocked GEMM micro-kernels), and the same conv split
 *   into batch chunks: no better.
 * - input gradient: dy dilated by the stride (zeros between rows/columns), padded by k-1-pad,
 *   convolved with the spatially flipped filter whose in/out channels are swapped. The flip is a
 *   JS loop over the heap (3.5 ms for 3x3x512x512) instead of wasm Reverse + Transpose (80 ms).
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedTensorInfoMap, TensorInfo, NamedAttrMap } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { allocF32, borrowTensor, heapF32, ownTensor } from './wasm_heap.js';
import { winogradFilterGrad3x3, winogradInputGrad3x3 } from './winograd.js';
import { useWinograd } from './conv_winograd_wasm.js';

export type ConvAttrs = {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape?: [number, number, number, number];
  inputShape?: [number, number, number, number];
};

function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs) {
  if (attrs.dataFormat === 'NCHW') {
    throw new Error('mwt wasm conv gradients support only NHWC (channels-last) data');
  }
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** Inserts (stride - 1) zero rows/columns between the rows/columns of a [N, H, W, C] tensor. */
export function dilateSpatial(t: tf.Tensor4D, strideH: number, strideW: number): tf.Tensor4D {
  if (strideH === 1 && strideW === 1) return t;
  const [n, h, w, c] = t.shape;
  // [n, h, 1, w, 1, c] padded to [n, h, sH, w, sW, c], then cropped to (h-1)*sH+1 rows.
  const expanded = tf.reshape(t, [n, h, 1, w, 1, c]);
  const padded = tf.pad(expanded, [
    [0, 0],
    [0, 0],
    [0, strideH - 1],
    [0, 0],
    [0, strideW - 1],
    [0, 0],
  ]);
  const flat = tf.reshape(padded, [n, h * strideH, w * strideW, c]);
  return tf.slice(flat, [0, 0, 0, 0], [n, (h - 1) * strideH + 1, (w - 1) * strideW + 1, c]) as tf.Tensor4D;
}

/** dW of a 2-D convolution as one forward conv. Pure tf ops: usable on any backend. */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  attrs: ConvAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(x.shape, filterShape, attrs);
    const { top, left } = info.padInfo;
    const [kh, kw] = filterShape;
    const [, inH, inW] = x.shape;
    const sH = info.strideHeight;
    const sW = info.strideWidth;
    // Rows of the (padded) input that the last output row reads up to.
    let bottom = kh + sH * (info.outHeight - 1) - inH - top;
    let right = kw + sW * (info.outWidth - 1) - inW - left;
    let xs = x;
    if (bottom < 0 || right < 0) {
      // Rows/columns the forward conv never read (valid padding with a remainder).
      xs = tf.slice(x, [0, 0, 0, 0], [-1, inH + Math.min(bottom, 0), inW + Math.min(right, 0), -1]);
      bottom = Math.max(bottom, 0);
      right = Math.max(right, 0);
    }
    const xT = tf.transpose(xs, [3, 1, 2, 0]) as tf.Tensor4D; // [C_in, H, W, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [H_out, W_out, N, C_out]
    const out = tf.conv2d(
      xT,
      dyT,
      1,
      [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      'NHWC',
      [sH, sW],
    );
    return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D; // [kh, kw, C_in, C_out]
  });
}

/** [kh, kw, C_in, C_out] -> [kh, kw, C_out, C_in] flipped in both spatial axes. Any backend. */
export function flipSwapFilter(filter: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D);
}

/** flipSwapFilter as a JS loop over the wasm heap: 20x faster than wasm Reverse + Transpose. */
function flipSwapFilterWasm(backend: BackendWasm, filter: TensorInfo): tf.Tensor4D {
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const outInfo = allocF32(backend, [kh, kw, cout, cin]);
  const src = heapF32(backend, filter);
  const dst = heapF32(backend, outInfo);
  const taps = kh * kw;
  const block = cin * cout;
  const B = 16; // tile edge: keeps both the read and the strided write side in L1
  for (let t = 0; t < taps; t++) {
    const s0 = t * block;
    const d0 = (taps - 1 - t) * block;
    for (let c0 = 0; c0 < cin; c0 += B) {
      const c1 = Math.min(c0 + B, cin);
      for (let k0 = 0; k0 < cout; k0 += B) {
        const k1 = Math.min(k0 + B, cout);
        for (let c = c0; c < c1; c++) {
          const srow = s0 + c * cout;
          for (let k = k0; k < k1; k++) dst[d0 + k * cin + c] = src[srow + k]!;
        }
      }
    }
  }
  return ownTensor(outInfo) as tf.Tensor4D;
}

/**
 * dx of a 2-D convolution as one forward conv of the dilated dy with the flipped filter.
 * `flipped` is flipSwapFilter(filter), passed in so a backend can compute it its own way.
 */
export function conv2dInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  attrs: ConvAttrs,
  flipped?: tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(inputShape, filter.shape, attrs);
    const [kh, kw] = filter.shape;
    const { top, left } = info.padInfo;
    const [, inH, inW] = inputShape;
    const dilated = dilateSpatial(dy, info.strideHeight, info.strideWidth);
    const padTop = kh - 1 - top;
    const padLeft = kw - 1 - left;
    // Pad the far side so the output has exactly inH x inW positions (covers stride remainders).
    const padBottom = inH + kh - 1 - padTop - dilated.shape[1];
    const padRight = inW + kw - 1 - padLeft - dilated.shape[2];
    if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
      throw new Error(`conv2dInputGrad: unsupported padding ${JSON.stringify(info.padInfo)}`);
    }
    const w = flipped ?? flipSwapFilter(filter);
    return tf.conv2d(dilated, w, 1, [
      [0, 0],
      [padTop, padBottom],
      [padLeft, padRight],
      [0, 0],
    ]);
  });
}

function conv2DBackpropFilterKernel(args: { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap }): TensorInfo {
  const attrs = args.attrs as unknown as ConvAttrs;
  const x = borrowTensor(args.inputs.x!) as tf.Tensor4D;
  const dy = borrowTensor(args.inputs.dy!) as tf.Tensor4D;
  try {
    if (useWinograd('filterGrad', x.shape, attrs.filterShape!, attrs)) return winogradFilterGrad3x3(x, dy);
    return conv2dFilterGrad(x, dy, attrs.filterShape!, attrs);
  } finally {
    x.dispose();
    dy.dispose();
  }
}

function conv2DBackpropInputKernel(args: { inputs: NamedTensorInfoMap; attrs?: NamedAttrMap; backend: unknown }): TensorInfo {
  const attrs = args.attrs as unknown as ConvAttrs;
  const dy = borrowTensor(args.inputs.dy!) as tf.Tensor4D;
  const filter = borrowTensor(args.inputs.filter!) as tf.Tensor4D;
  try {
    if (useWinograd('inputGrad', attrs.inputShape!, filter.shape, attrs)) return winogradInputGrad3x3(dy, filter);
    const flipped = flipSwapFilterWasm(args.backend as BackendWasm, args.inputs.filter!);
    try {
      return conv2dInputGrad(dy, filter, attrs.inputShape!, attrs, flipped);
    } finally {
      flipped.dispose();
    }
  } finally {
    dy.dispose();
    filter.dispose();
  }
}

export const wasmConvGradientKernels: KernelConfig[] = [
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilterKernel as KernelConfig['kernelFunc'] },
  { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2DBackpropInputKernel as KernelConfig['kernelFunc'] },
];
