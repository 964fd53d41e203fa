/** Dataset names; tfjs-free so the CLI can offer them without loading the readers. */
export const DATASET_NAMES = ['cifar10', 'svhn', 'mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];
