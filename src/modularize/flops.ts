/**
 * Inference cost of a tfjs LayersModel (a zoo model, a pruned module, a sub-task model),
 * worked out from its layers' weight and output shapes: nothing is run.
 *
 * Convention: multiply-accumulates (MACs), one per multiply-add, per input sample:
 *   Conv2D            kh * kw * C_in * C_out * H_out * W_out   (bias not counted)
 *   DepthwiseConv2D   kh * kw * C_in * multiplier * H_out * W_out
 *   Dense             in * out (times the positions when applied to a feature map; bias not counted)
 *   MwtMaskGenerator  C_in * hidden + hidden * kernels (its two matmuls; the pooling is not counted)
 * Everything else counts 0: batch norm, activations, pooling, additions, ApplyMask, and ChannelPad
 * (zero-padding of residual branches, conceptually free; ours is a 0/1 matmul, see channel_pad.ts).
 *
 * This is what thop and fvcore count as one "FLOP" for convs and linears. The paper's whole-model
 * figures (VGG16 315.11 M, ResNet18 558.50 M on 32x32x3, 10 classes) come from fvcore, which also
 * counts batch norm (5 per element: the model was measured in training mode) and adaptive average
 * pooling (1 per input element). `paperFlops` adds those two terms and reproduces both figures
 * exactly (315,108,352 and 558,502,912); our MAC counts are 313,725,952 and 555,422,720.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** A layer as far as counting goes (tfjs' Layer, without importing its internals). */
interface CountedLayer {
  name: string;
  getClassName(): string;
  weights: { shape: number[] }[];
  outputShape: (number | null)[] | (number | null)[][];
  countParams(): number;
  trainableWeights: { shape: number[] }[];
  /** Present on nested models (a model used as a layer). */
  layers?: CountedLayer[];
}

export interface FlopCount {
  /** Every MAC the model computes: conv + dense + generators. */
  total: number;
  /** conv + dense: the cost without mask generators (what a standard or pruned model computes). */
  withoutGenerators: number;
  conv: number;
  dense: number;
  generators: number;
  /** MACs per counted layer, by layer name. */
  byLayer: Record<string, number>;
  /** Elements that batch norm layers normalise per sample (for the fvcore comparison). */
  batchNormElements: number;
  /** Input elements of global average pools per sample (for the fvcore comparison). */
  globalPoolInputElements: number;
}

const product = (xs: (number | null)[]): number => xs.reduce<number>((p, x) => p * (x ?? 1), 1);

/** The single output shape of a layer, batch dimension included (null). */
function outputShapeOf(layer: CountedLayer): (number | null)[] {
  const shape = layer.outputShape;
  if (Array.isArray(shape[0])) throw new Error(`countFlops: layer '${layer.name}' has several outputs, expected one`);
  return shape as (number | null)[];
}

/** Layers of a model with nested models expanded (a sub-model used as a layer counts its own layers). */
function flatLayers(layers: CountedLayer[]): CountedLayer[] {
  return layers.flatMap((l) => (Array.isArray(l.layers) ? flatLayers(l.layers) : [l]));
}

function inputShapeOf(layer: CountedLayer): (number | null)[] {
  const input = (layer as unknown as { input: { shape: (number | null)[] } | { shape: (number | null)[] }[] }).input;
  return (Array.isArray(input) ? input[0]! : input).shape;
}

/** MACs of one layer, and which bucket they go to. */
function layerMacs(layer: CountedLayer): { kind: 'conv' | 'dense' | 'generators'; macs: number } | null {
  switch (layer.getClassName()) {
    case 'Conv2D': {
      const [kh, kw, cin, cout] = layer.weights[0]!.shape as [number, number, number, number];
      const [, h, w] = outputShapeOf(layer);
      return { kind: 'conv', macs: kh * kw * cin * cout * h! * w! };
    }
    case 'DepthwiseConv2D': {
      const [kh, kw, cin, mult] = layer.weights[0]!.shape as [number, number, number, number];
      const [, h, w] = outputShapeOf(layer);
      return { kind: 'conv', macs: kh * kw * cin * mult * h! * w! };
    }
    case 'Dense': {
      const [inputs, units] = layer.weights[0]!.shape as [number, number];
      const positions = product(outputShapeOf(layer).slice(1, -1));
      return { kind: 'dense', macs: inputs * units * positions };
    }
    case 'MwtMaskGenerator': {
      const [w1, w2] = layer.weights;
      const [cin, hidden] = w1!.shape as [number, number];
      const kernels = w2!.shape[1]!;
      return { kind: 'generators', macs: cin * hidden + hidden * kernels };
    }
    default:
      return null;
  }
}

/** MACs of a model per sample; see the file header for what is counted. */
export function countFlops(model: LayersModel): FlopCount {
  const count: FlopCount = {
    total: 0,
    withoutGenerators: 0,
    conv: 0,
    dense: 0,
    generators: 0,
    byLayer: {},
    batchNormElements: 0,
    globalPoolInputElements: 0,
  };
  for (const layer of flatLayers(model.layers as unknown as CountedLayer[])) {
    const cls = layer.getClassName();
    if (cls === 'BatchNormalization') count.batchNormElements += product(outputShapeOf(layer).slice(1));
    if (cls === 'GlobalAveragePooling2D') count.globalPoolInputElements += product(inputShapeOf(layer).slice(1));
    const macs = layerMacs(layer);
    if (!macs) continue;
    count[macs.kind] += macs.macs;
    count.byLayer[layer.name] = macs.macs;
  }
  count.withoutGenerators = count.conv + count.dense;
  count.total = count.withoutGenerators + count.generators;
  return count;
}

/**
 * The paper's (fvcore's) figure for a model without generators: conv and dense MACs, plus 5 per
 * batch-norm element (fvcore's count for batch norm in training mode) and 1 per input element of
 * global average pooling. For comparing with the paper only; every other figure here is MACs.
 */
export function paperFlops(count: FlopCount): number {
  return count.withoutGenerators + 5 * count.batchNormElements + count.globalPoolInputElements;
}

export interface ParameterCount {
  /** Every weight, batch norm moving statistics included (tfjs' countParams). */
  total: number;
  trainable: number;
  /** total minus the mask generators' weights. */
  withoutGenerators: number;
}

export function countParameters(model: LayersModel): ParameterCount {
  let total = 0;
  let trainable = 0;
  let generators = 0;
  for (const layer of flatLayers(model.layers as unknown as CountedLayer[])) {
    const n = layer.countParams();
    total += n;
    trainable += layer.trainableWeights.reduce((s, w) => s + product(w.shape), 0);
    if (layer.getClassName() === 'MwtMaskGenerator') generators += n;
  }
  return { total, trainable, withoutGenerators: total - generators };
}
