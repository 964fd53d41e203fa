/**
 * Masks for samples (paper Sec. 3.3): one inference pass of the trained modular model over the
 * training set (eval mode: BN running statistics, no dropout, no augmentation, no gradients),
 * each sample's masks binarised (value > 0 = kernel used).
 *
 * Memory stays bounded: per-class usage counts are accumulated batch by batch, and the binary
 * sample masks, which cohesion needs once the module masks are known, are kept as bits. The same
 * pass sums each class's mask values (not binarised), which modularize folds into the modules.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TaskProgress } from '../log/logger.js';
import type { Dataset } from '../data/dataset.js';
import { BatchIterator } from '../data/batches.js';
import { BitMatrix } from './bit_matrix.js';
import type { MaskedLayer } from './module_masks.js';
import { checkInputShape } from '../train/evaluate.js';

export interface SampleMasks {
  /** Masked convs in the order of the model's mask outputs. */
  layers: MaskedLayer[];
  /** Sum of the layers' kernel counts: the width of a concatenated mask. */
  totalKernels: number;
  numClasses: number;
  /** Samples per class. */
  samples: number[];
  /** usage[k][j]: how many samples of class k use kernel j (all layers concatenated). */
  usage: Int32Array[];
  /** Per class, one bit row per sample (null when not requested). */
  bits: BitMatrix[] | null;
  /** meanMasks[k][j]: kernel j's mask value averaged over the samples of class k (all layers concatenated). */
  meanMasks: Float32Array[];
  /** Fraction of samples the modular model classifies correctly (from the same pass). */
  accuracy: number;
  /** Wall time of the pass. */
  seconds: number;
}

const MASK_SUFFIX = '_mask';

/** The masked convs of a modular model, read from its mask outputs (`conv3_mask` -> `conv3`). */
export function maskedLayersOf(model: LayersModel): MaskedLayer[] {
  if (model.outputs.length < 2) throw new Error(`model '${model.name}' has no mask outputs: it is not a modular model`);
  return model.outputs.slice(1).map((out) => {
    const layerName = out.sourceLayer.name;
    const name = layerName.endsWith(MASK_SUFFIX) ? layerName.slice(0, -MASK_SUFFIX.length) : layerName;
    const kernels = out.shape[out.shape.length - 1];
    if (kernels == null) throw new Error(`mask output '${layerName}' has no fixed kernel count`);
    return { name, kernels };
  });
}

export interface CollectOptions {
  batchSize?: number;
  /** Keep the per-sample bit rows (needed for cohesion). Default true. */
  keepBits?: boolean;
  /** Told the images done after every batch. */
  progress?: TaskProgress;
}

export function collectSampleMasks(model: LayersModel, ds: Dataset, opts: CollectOptions = {}): SampleMasks {
  const started = performance.now();
  checkInputShape(model, ds.shape, 'modularize');
  const layers = maskedLayersOf(model);
  const totalKernels = layers.reduce((n, l) => n + l.kernels, 0);
  const { numClasses } = ds;
  const samples = new Array<number>(numClasses).fill(0);
  const usage = Array.from({ length: numClasses }, () => new Int32Array(totalKernels));
  const bits = opts.keepBits === false ? null : Array.from({ length: numClasses }, () => new BitMatrix(totalKernels));
  // [classes, kernels] on the device: one matmul per batch, read once at the end.
  let classSums = tf.zeros([numClasses, totalKernels]) as tf.Tensor2D;
  let correct = 0;
  const it = new BatchIterator(ds, { batchSize: opts.batchSize ?? 256, shuffle: false });
  let done = 0;
  for (const batch of it.epoch(0)) {
    // Tensors out of tidy, data read after: tidy walks every element of a returned typed array.
    const [onTensor, predictedTensor, nextSums] = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.size, ...ds.shape]);
      const outputs = model.predict(x, { batchSize: batch.size }) as tf.Tensor[];
      const masks = tf.concat(outputs.slice(1) as tf.Tensor2D[], 1);
      // Cast, not oneHot's dtype argument: wasm's OneHot writes int32 bits whatever the dtype.
      const oneHot = tf.cast(tf.oneHot(tf.tensor1d(batch.y.subarray(0, batch.size), 'int32'), numClasses), 'float32');
      return [tf.cast(tf.greater(masks, 0), 'int32'), tf.argMax(outputs[0]!, 1), tf.add(classSums, tf.matMul(oneHot, masks, true, false))];
    });
    classSums.dispose();
    classSums = nextSums as tf.Tensor2D;
    const binary = onTensor.dataSync();
    const predicted = predictedTensor.dataSync();
    tf.dispose([onTensor, predictedTensor]);
    for (let i = 0; i < batch.size; i++) {
      const k = batch.y[i]!;
      if (predicted[i] === k) correct++;
      samples[k]!++;
      const counts = usage[k]!;
      const base = i * totalKernels;
      for (let j = 0; j < totalKernels; j++) counts[j]! += binary[base + j]!;
      bits?.[k]!.appendRow(binary, base);
    }
    opts.progress?.update((done += batch.size));
  }
  opts.progress?.stop();
  const sums = classSums.dataSync() as Float32Array;
  classSums.dispose();
  const meanMasks = samples.map((n, k) =>
    Float32Array.from(sums.subarray(k * totalKernels, (k + 1) * totalKernels), (v) => v / Math.max(n, 1)),
  );
  return {
    layers,
    totalKernels,
    numClasses,
    samples,
    usage,
    bits,
    meanMasks,
    accuracy: correct / Math.max(ds.count, 1),
    seconds: (performance.now() - started) / 1000,
  };
}
