/**
 * Workarounds for TensorFlow bugs that crash the process, installed on the tensorflow backend
 * whenever mwt starts or finds it (initBackend, ensureBackend, installSpeedups), with or without
 * the speed-ups: unlike those, they are not optional.
 *
 * - Conv2DBackpropFilter of a 1x1 kernel at stride 2: TensorFlow 2.21's oneDNN kernel corrupts
 *   the heap on an AMD EPYC Zen 5 (cpu family 26: AVX-512 with avx512_bf16 and vp2intersect)
 *   when the conv has 4, 8 or 12 input channels (16 and more pass), and the process aborts soon
 *   after ("free(): invalid size", "corrupted double-linked list" or a segmentation fault).
 *   ResNet18's projection shortcuts at width 0.125 are such convs, so `mwt train --model resnet18
 *   --width 0.125` died in its first step there. The same process with TF_ENABLE_ONEDNN_OPTS=0
 *   does not crash, nor did the suite on this project's AVX2 EPYC and its earlier AVX-512 one.
 *   A 1x1 kernel reads one input pixel per output position (rows and columns 0, s, 2s, ...:
 *   'same' and 'valid' pad nothing for it), so its filter gradient is one matMul of the strided
 *   input with dy. That runs instead, for every 1x1 conv with a stride above 1: the same sums,
 *   so the other channel counts and CPUs, where the bug has not been seen, need no case of
 *   their own.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';

type Pair = [number, number];
const pair = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);

/** dw of a 1x1 conv with strides `strides` and no padding: [1, 1, C_in, C_out]. */
export function strided1x1FilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, strides: number | Pair): tf.Tensor4D {
  return tf.tidy(() => {
    const [sH, sW] = pair(strides);
    const [n, h, w, cIn] = x.shape;
    const cOut = dy.shape[3];
    const read = tf.stridedSlice(x, [0, 0, 0, 0], [n, h, w, cIn], [1, sH, sW, 1]) as tf.Tensor4D;
    if (read.shape[1] !== dy.shape[1] || read.shape[2] !== dy.shape[2]) {
      throw new Error(`strided1x1FilterGrad: input ${x.shape} at strides ${sH}x${sW} does not give dy's ${dy.shape}`);
    }
    const dw = tf.matMul(tf.reshape(read, [-1, cIn]), tf.reshape(dy, [-1, cOut]), true, false);
    return tf.reshape(dw, [1, 1, cIn, cOut]);
  });
}

export interface FilterGradAttrs {
  strides: number | Pair;
  pad: 'valid' | 'same' | number | number[][];
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: number | Pair;
  filterShape: [number, number, number, number];
}

/** True for the convs strided1x1FilterGrad computes: 1x1, stride > 1, NHWC, no padding, no dilation. */
export function isStrided1x1(attrs: FilterGradAttrs): boolean {
  const [kh, kw] = attrs.filterShape;
  const [sH, sW] = pair(attrs.strides);
  const [dH, dW] = pair(attrs.dilations ?? 1);
  const noPad =
    attrs.pad === 'same' ||
    attrs.pad === 'valid' ||
    attrs.pad === 0 ||
    (Array.isArray(attrs.pad) && attrs.pad.flat().every((p) => p === 0));
  return kh === 1 && kw === 1 && (sH > 1 || sW > 1) && dH === 1 && dW === 1 && attrs.dataFormat !== 'NCHW' && noPad;
}

let installed = false;

/** Installs the workarounds above on the tensorflow backend's kernels. Idempotent; a no-op where it is not registered. */
export function installTensorflowFixes(): void {
  if (installed) return;
  const stock = tf.getKernel(tf.Conv2DBackpropFilter, 'tensorflow');
  if (stock == null) return;
  const stockFunc: KernelFunc = stock.kernelFunc;
  tf.unregisterKernel(tf.Conv2DBackpropFilter, 'tensorflow');
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => {
      const attrs = args.attrs as unknown as FilterGradAttrs;
      if (!isStrided1x1(attrs)) return stockFunc(args);
      const { x, dy } = args.inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
      return strided1x1FilterGrad(x, dy, attrs.strides);
    },
  });
  installed = true;
}
