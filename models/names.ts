/**
 * The zoo's model names, kept free of tfjs imports so that the CLI can list and check them
 * without loading the engine (`mwt --help` and `mwt models` stay fast).
 */
export const MODEL_NAMES = ['vgg16', 'resnet18', 'simcnn', 'rescnn'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

/** The channel multiplier a model is built with unless told otherwise (1: the published widths). */
export const DEFAULT_WIDTH = 1;
