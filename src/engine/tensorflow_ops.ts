/**
 * TensorFlow's own training ops, called directly on the tensorflow backend where tfjs would
 * otherwise build them out of many small eager ops.
 *
 * tfjs-node runs every tfjs op as one TensorFlow eager op, so tfjs' composite gradients cost one
 * op dispatch and one full pass over the activations per elementwise step:
 * - training-mode batch norm: tf.moments + batchNorm and their autodiff gradient take ~15
 *   elementwise passes (Multiply, Sum, Sub, RealDiv, Tile) per layer. TensorFlow's
 *   FusedBatchNormV3 (is_training) and FusedBatchNormGradV3 do it in one op each (oneDNN).
 * - ReLU's gradient: tfjs computes dy * step(x), and tfjs-node's Step is five ops (Greater,
 *   Select, Fill, IsNan, ...). TensorFlow's ReluGrad is one.
 * - a mean's gradient: tfjs builds a ones tensor of the input's size, multiplies dy into it and
 *   divides the product, three full-size ops for what is dy / n at every position. The mask
 *   generators' global average pools take the mean of every masked conv's input, so a modular
 *   step paid this on each of them. One broadcast of the divided dy (Tile) does it; on wasm tfjs'
 *   own form is faster (its Tile is a plain loop), so wasm keeps it.
 * - the filter gradient of a conv whose output is small (8x8 and below: VGG16's and ResNet18's
 *   deep layers): TensorFlow's Conv2DBackpropFilter (oneDNN, NHWC) took 146-239 ms CPU where the
 *   forward conv of the same layer took 37-131 ms (batch 64, one thread: 256->256 at 8x8,
 *   512->512 at 4x4 and 2x2). The same gradient as one forward conv (x and dy transposed,
 *   conv2dFilterGrad) took 118, 117 and 55 ms. At 16x16 and above the native op is faster.
 * All give the same values as the composite forms up to float rounding (test/engine/batch_norm
 * and train_step compare them).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { conv2dFilterGrad, type ConvAttrs } from './conv_gradients_wasm.js';

interface TfAttr {
  name: string;
  type: number;
  value: unknown;
}
interface NodeBackend {
  binding: Record<string, number>;
  executeSingleOutput(name: string, attrs: TfAttr[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: TfAttr[], inputs: tf.TensorInfo[], numOutputs: number): tf.Tensor[];
}

function nodeBackend(): NodeBackend | null {
  if (tf.getBackend() !== 'tensorflow') return null;
  const b = tf.backend() as unknown as Partial<NodeBackend>;
  return typeof b.executeMultipleOutputs === 'function' && b.binding != null ? (b as NodeBackend) : null;
}

/** True where the native ops below can run (the tensorflow backend is the active one). */
export function nativeTensorflowOps(): boolean {
  return nodeBackend() != null;
}

function batchNormAttrs(b: NodeBackend, epsilon: number): TfAttr[] {
  const { TF_ATTR_TYPE, TF_ATTR_FLOAT, TF_ATTR_STRING, TF_ATTR_BOOL, TF_FLOAT } = b.binding as Record<string, number>;
  return [
    { name: 'T', type: TF_ATTR_TYPE!, value: TF_FLOAT },
    { name: 'U', type: TF_ATTR_TYPE!, value: TF_FLOAT },
    { name: 'epsilon', type: TF_ATTR_FLOAT!, value: epsilon },
    { name: 'data_format', type: TF_ATTR_STRING!, value: 'NHWC' },
    { name: 'is_training', type: TF_ATTR_BOOL!, value: true },
  ];
}

/**
 * Training-mode batch norm of a [N, H, W, C] tensor with TensorFlow's fused op. Same contract as
 * batchNormTraining(): returns the normalised tensor, `onStats` gets the batch mean and the
 * biased variance (what tfjs-layers' moving averages use).
 */
export function nativeBatchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor4D {
  const b = nodeBackend();
  if (b == null) throw new Error('nativeBatchNormTraining: the tensorflow backend is not active');
  const attrs = batchNormAttrs(b, epsilon);
  const rows = x.size / x.shape[3];
  let stats: tf.Tensor1D[] = [];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, g, off, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const empty = tf.tensor1d([]);
    const [y, mean, unbiased, r1, r2, r3] = b.executeMultipleOutputs(
      'FusedBatchNormV3',
      [...attrs, { name: 'exponential_avg_factor', type: b.binding.TF_ATTR_FLOAT!, value: 1 }],
      [xIn, g, off, empty, empty],
      6,
    );
    empty.dispose();
    // TensorFlow reports the unbiased (Bessel-corrected) batch variance.
    stats = [tf.keep(mean as tf.Tensor1D), tf.keep(tf.mul(unbiased!, (rows - 1) / rows) as tf.Tensor1D)];
    unbiased!.dispose();
    save([xIn, g, r1!, r2!, r3!]);
    return {
      value: y as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sg, s1, s2, s3] = saved as tf.Tensor[];
        const [dx, dGamma, dBeta, r4, r5] = b.executeMultipleOutputs(
          'FusedBatchNormGradV3',
          attrs,
          [dy as tf.Tensor, sx!, sg!, s1!, s2!, s3!],
          5,
        );
        tf.dispose([r4!, r5!]);
        return [dx!, dGamma!, dBeta!];
      },
    };
  });
  const normed = op(x, gamma, beta) as tf.Tensor4D;
  try {
    onStats?.(stats[0]!, stats[1]!);
  } finally {
    tf.dispose(stats);
  }
  return normed;
}

type GradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => Record<string, () => tf.Tensor>;
let stockMeanGradConfig: tf.GradConfig | null = null;

/** Puts tfjs' own Mean gradient back. */
export function uninstallTensorflowMeanGrad(): void {
  if (stockMeanGradConfig == null) return;
  tf.registerGradient(stockMeanGradConfig);
  stockMeanGradConfig = null;
}

/**
 * Makes a mean's gradient one broadcast of dy / n while the tensorflow backend is active (other
 * backends keep tfjs' own). The same values: dy * 1 / n and dy / n round alike. Idempotent.
 */
export function installTensorflowMeanGrad(): void {
  if (stockMeanGradConfig != null) return;
  const stock = tf.getGradient(tf.Mean);
  if (stock == null) throw new Error('tfjs-core registered no gradient for Mean');
  stockMeanGradConfig = stock;
  const stockFunc = stock.gradFunc as GradFunc;
  tf.registerGradient({
    kernelName: tf.Mean,
    inputsToSave: stock.inputsToSave,
    gradFunc: (dy, saved, attrs) => {
      if (nodeBackend() == null || Array.isArray(dy)) return stockFunc(dy, saved, attrs);
      const x = saved[0]!;
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
      const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const n = axes.reduce((size, a) => size * x.shape[a]!, 1);
      return { x: () => tf.broadcastTo(tf.reshape(tf.div(dy, n), expanded), x.shape) };
    },
  });
}
let stockReluGrad: GradFunc | null = null;
let stockReluGradConfig: tf.GradConfig | null = null;

/** Puts tfjs' own ReLU gradient back. */
export function uninstallNativeReluGrad(): void {
  if (stockReluGradConfig == null) return;
  tf.registerGradient(stockReluGradConfig);
  stockReluGrad = stockReluGradConfig = null;
}

/**
 * Makes ReLU's gradient TensorFlow's ReluGrad while the tensorflow backend is active (the
 * gradient registry is shared by all backends, so other backends keep tfjs' own). Idempotent.
 */
export function installNativeReluGrad(): void {
  if (stockReluGrad != null) return;
  const stock = tf.getGradient(tf.Relu);
  if (stock == null) throw new Error('tfjs-core registered no gradient for Relu');
  stockReluGradConfig = stock;
  stockReluGrad = stock.gradFunc as GradFunc;
  const stockFunc = stockReluGrad;
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: stock.inputsToSave,
    outputsToSave: stock.outputsToSave,
    gradFunc: (dy, saved, attrs) => {
      const b = nodeBackend();
      if (b == null || Array.isArray(dy)) return stockFunc(dy, saved, attrs);
      const { TF_ATTR_TYPE, TF_FLOAT } = b.binding as Record<string, number>;
      return { x: () => b.executeSingleOutput('ReluGrad', [{ name: 'T', type: TF_ATTR_TYPE!, value: TF_FLOAT }], [dy, saved[0]!]) };
    },
  });
}

/** Output positions (H x W) at or below which the filter gradient runs as a forward conv. */
export const SMALL_CONV_OUTPUT = 64;
let stockFilterGrad: KernelFunc | null = null;
let stockFilterGradConfig: tf.KernelConfig | null = null;

/** Puts the tensorflow backend's own Conv2DBackpropFilter back. */
export function uninstallTensorflowConvFilterGrad(): void {
  if (stockFilterGradConfig == null) return;
  tf.unregisterKernel(tf.Conv2DBackpropFilter, 'tensorflow');
  tf.registerKernel(stockFilterGradConfig);
  stockFilterGrad = stockFilterGradConfig = null;
}

/** Routes small-output filter gradients on the tensorflow backend to conv2dFilterGrad. Idempotent. */
export function installTensorflowConvFilterGrad(): void {
  if (stockFilterGrad != null) return;
  const stock = tf.getKernel(tf.Conv2DBackpropFilter, 'tensorflow');
  if (stock == null) throw new Error('the tensorflow backend registered no Conv2DBackpropFilter kernel');
  stockFilterGradConfig = stock;
  stockFilterGrad = stock.kernelFunc;
  const stockFunc = stockFilterGrad;
  tf.unregisterKernel(tf.Conv2DBackpropFilter, 'tensorflow');
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
      const attrs = args.attrs as unknown as ConvAttrs & {
        dilations?: number | [number, number];
        filterShape: [number, number, number, number];
      };
      const dilated =
        attrs.dilations != null && (Array.isArray(attrs.dilations) ? attrs.dilations.some((d) => d !== 1) : attrs.dilations !== 1);
      if (attrs.dataFormat === 'NCHW' || dilated || dy.shape[1] * dy.shape[2] > SMALL_CONV_OUTPUT) return stockFunc(args);
      return conv2dFilterGrad(x, dy, attrs.filterShape, attrs);
    },
  });
}
