/**
 * Plain conv stacks: VGG16-BN (CIFAR variant) and SimCNN (the CNNSplitter baseline).
 * An architecture is data: a number is a conv width, 'M' a 2x2 max-pool (torchvision's vgg.py).
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ModelBuilder, scaleChannels, type ModelConfig } from './builder.js';

export type StackConfig = (number | 'M')[];

/** 13 convs, five pools: VGG16's 'D' configuration. SimCNN uses the same stack. */
export const VGG16_CONFIG: StackConfig = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

export interface StackClassifier {
  hidden: number[];
  dropout: number;
}

export function buildStack(
  b: ModelBuilder,
  name: string,
  stack: StackConfig,
  classifier: StackClassifier,
  config: ModelConfig,
): LayersModel {
  const input = b.input(config.inputShape);
  let x = input;
  let convIndex = 0;
  let poolIndex = 0;
  let lastChannels = config.inputShape[2];
  for (const item of stack) {
    if (item === 'M') {
      x = b.maxPool(x, `pool${poolIndex++}`);
    } else {
      lastChannels = scaleChannels(item, config.width);
      x = b.conv(x, `conv${convIndex}`, lastChannels, { masked: convIndex > 0 });
      convIndex++;
    }
  }
  const flat = b.flatten(x, 'flatten', lastChannels);
  const init = config.classifierInit;
  let h = flat.tensor;
  classifier.hidden.forEach((units, i) => {
    h = b.dense(h, `fc${i}`, scaleChannels(units, config.width), {
      rows: i === 0 ? flat.rows : undefined,
      activation: 'relu',
      init,
    });
    if (classifier.dropout > 0) h = b.dropout(h, `fc${i}_dropout`, classifier.dropout);
  });
  const logits = b.dense(h, 'logits', config.numClasses, {
    rows: classifier.hidden.length === 0 ? flat.rows : undefined,
    init,
  });
  return b.finish(input, logits, name);
}

/**
 * VGG16 with batch norm, CIFAR variant: classifier 512-512-N with dropout 0.5. Its dense layers
 * start as PyTorch's do (DEFAULT_CLASSIFIER_INIT, models/names.ts): with He-normal kernels behind
 * dropout 0.5 the standard model learned at half the speed.
 */
export const vgg16 = (b: ModelBuilder, config: ModelConfig) =>
  buildStack(b, 'vgg16', VGG16_CONFIG, { hidden: [512, 512], dropout: 0.5 }, config);

/** SimCNN: the same 13-conv stack, classifier 512-512-N without dropout. */
export const simcnn = (b: ModelBuilder, config: ModelConfig) =>
  buildStack(b, 'simcnn', VGG16_CONFIG, { hidden: [512, 512], dropout: 0 }, config);
