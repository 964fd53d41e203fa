/**
 * How the cohesion and coupling losses average over a batch's sample pairs. tfjs-free, so the
 * options schema can name the choices.
 *
 * - `classes`: the paper's Eq. 4-5. Each class's within-class mean (cohesion) and each class
 *   pair's mean (coupling) weighs the same, however many samples of it the batch holds.
 * - `pairs`: the published implementation's `loss_func_cos` (qibinhang/MwT). One mean over every
 *   same-class (cohesion) or different-class (coupling) sample pair of the batch, so classes with
 *   more samples in a batch weigh more.
 *
 * The two are equal on a batch with the same number of samples of every class.
 */
export const MASK_LOSS_MEANS = ['classes', 'pairs'] as const;
export type MaskLossMean = (typeof MASK_LOSS_MEANS)[number];
export const DEFAULT_MASK_LOSS_MEAN: MaskLossMean = 'classes';
