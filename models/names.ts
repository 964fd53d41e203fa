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

/**
 * How each model's classifier starts unless `classifierInit` says otherwise: PyTorch's default
 * where He-normal trained the standard model far lower (VGG16, behind dropout 0.5: 22-25% against
 * 44% after 5 epochs; ResCNN: 9-13 points lower at 30 epochs; docs/modular-training.md, "VGG16's
 * classifier init" and "ResCNN's classifier init"), He-normal where nothing measured says to move.
 * Kept here, tfjs-free, so `--classifier-init`'s help names the defaults without building a model.
 */
export const DEFAULT_CLASSIFIER_INIT: Record<ModelName, DenseInit> = {
  vgg16: 'fanInUniform',
  resnet18: 'heNormal',
  simcnn: 'heNormal',
  rescnn: 'fanInUniform',
};

/** The defaults in words, for help text: "heNormal for resnet18 and simcnn, fanInUniform for vgg16 and rescnn". */
export function classifierInitDefaultsText(): string {
  return DENSE_INITS.map((init) => [init, MODEL_NAMES.filter((m) => DEFAULT_CLASSIFIER_INIT[m] === init)] as const)
    .filter(([, models]) => models.length > 0)
    .map(([init, models]) => `${init} for ${models.join(', ').replace(/, ([^,]*)$/, ' and $1')}`)
    .join(', ');
}

/** The channel multiplier a model is built with unless told otherwise (1: the published widths). */
export const DEFAULT_WIDTH = 1;
