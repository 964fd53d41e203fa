/**
 * The zoo's model names, kept free of tfjs imports so that the CLI can list and check them
 * without loading the engine (`mwt --help` and `mwt models` stay fast).
 */
export const MODEL_NAMES = ['vgg16', 'resnet18', 'simcnn', 'rescnn'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

/**
 * How a classifier's dense kernels can start: `heNormal` (std sqrt(2 / fan_in)) or `fanInUniform`,
 * PyTorch's nn.Linear default, uniform in +-1/sqrt(fan_in) (about 0.4x He's std).
 */
export const DENSE_INITS = ['heNormal', 'fanInUniform'] as const;
export type DenseInit = (typeof DENSE_INITS)[number];

/** The channel multiplier a model is built with unless told otherwise (1: the published widths). */
export const DEFAULT_WIDTH = 1;
