/**
 * Residual networks: ResNet18 (CIFAR variant) and ResCNN (the CNNSplitter baseline).
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ModelBuilder, scaleChannels, type ModelConfig } from './builder.js';
import type { Feature } from './builder.js';

/** Basic block: two 3x3 convs, identity or 1x1-conv shortcut. */
function basicBlock(b: ModelBuilder, x: Feature, name: string, filters: number, stride: number, inChannels: number): Feature {
  let y = b.conv(x, `${name}_conv1`, filters, { stride });
  y = b.conv(y, `${name}_conv2`, filters, { relu: false });
  const shortcut = stride !== 1 || inChannels !== filters ? b.conv(x, `${name}_down`, filters, { kernel: 1, stride, relu: false }) : x;
  return b.add(y, shortcut, `${name}_add`);
}

/** Blocks per stage and stage widths of ResNet18. */
export const RESNET18_STAGES = [
  { filters: 64, blocks: 2, stride: 1 },
  { filters: 128, blocks: 2, stride: 2 },
  { filters: 256, blocks: 2, stride: 2 },
  { filters: 512, blocks: 2, stride: 2 },
];

/** ResNet18, CIFAR variant: 3x3 stem, no max-pool, global average pool, dense to N. */
export function resnet18(b: ModelBuilder, config: ModelConfig): LayersModel {
  const input = b.input(config.inputShape);
  let channels = scaleChannels(64, config.width);
  let x = b.conv(input, 'conv0', channels, { masked: false });
  RESNET18_STAGES.forEach((stage, s) => {
    const filters = scaleChannels(stage.filters, config.width);
    for (let i = 0; i < stage.blocks; i++) {
      x = basicBlock(b, x, `layer${s + 1}_${i}`, filters, i === 0 ? stage.stride : 1, channels);
      channels = filters;
    }
  });
  const pooled = b.globalAvgPool(x, 'avgpool');
  return b.finish(
    input,
    b.dense(pooled.tensor, 'logits', config.numClasses, { rows: pooled.rows, init: config.classifierInit }),
    'resnet18',
  );
}

/**
 * ResCNN: 12 convs (64, 128, 128, 128, 256, 512, then 512 x6), five max-pools, three residual
 * additions that add the input of conv2 (conv6, conv10) to the output of conv3 (conv7, conv11),
 * and one dense layer to N, which starts as PyTorch's does (DEFAULT_CLASSIFIER_INIT, models/names.ts).
 * The reference's ResCNN pools after conv9 instead of conv11, adds the residual after the ReLU and
 * has dropout before the dense layer; all three together trained 2.75 points less accurate here
 * (docs/modular-training.md, "The reference's ResCNN layout"). Entries: [conv width, pool after it?].
 */
export const RESCNN_CONFIG: [number, boolean][] = [
  [64, false],
  [128, true],
  [128, false],
  [128, false],
  [256, true],
  [512, true],
  [512, false],
  [512, false],
  [512, true],
  [512, false],
  [512, false],
  [512, true],
];
/** Convs whose input is added to the output of the conv after them. */
export const RESCNN_RESIDUAL_STARTS = [2, 6, 10];

export function rescnn(b: ModelBuilder, config: ModelConfig): LayersModel {
  const input = b.input(config.inputShape);
  let x = input;
  let residual: Feature | null = null;
  let pools = 0;
  let lastChannels = 0;
  RESCNN_CONFIG.forEach(([width, pool], i) => {
    lastChannels = scaleChannels(width, config.width);
    const closesResidual = RESCNN_RESIDUAL_STARTS.includes(i - 1);
    if (RESCNN_RESIDUAL_STARTS.includes(i)) residual = x;
    x = b.conv(x, `conv${i}`, lastChannels, { masked: i > 0, relu: !closesResidual });
    if (closesResidual) {
      x = b.add(x, residual!, `res${RESCNN_RESIDUAL_STARTS.indexOf(i - 1)}_add`);
      residual = null;
    }
    if (pool) x = b.maxPool(x, `pool${pools++}`);
  });
  const flat = b.flatten(x, 'flatten', lastChannels);
  return b.finish(input, b.dense(flat.tensor, 'logits', config.numClasses, { rows: flat.rows, init: config.classifierInit }), 'rescnn');
}
