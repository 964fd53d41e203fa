/**
 * The "mixed module" of paper section 3.4: for a sub-task of M target classes, the union of their
 * modules' kernel sets, layer by layer. Modules of one model share kernels, so the union keeps a
 * shared kernel once (a composed model of M separate modules would run it M times).
 *
 * Pure functions over plain arrays: no tfjs.
 */
import type { KeepSpec } from '../../models/builder.js';
import { InputError } from '../errors.js';

/** What the union needs of a module: its kept kernel indices per masked conv. */
export interface ModuleMask {
  class: number;
  mask: Record<string, number[]>;
}

/**
 * Checks a sub-task's class list: integers in 0..numClasses-1, distinct, at least two (a
 * one-class "classifier" has nothing to learn). Returns the list unchanged; its order is the
 * order of the sub-task's labels (classes[k] becomes label k).
 */
export function validateClasses(classes: readonly number[], numClasses: number, option = 'classes'): number[] {
  if (classes.length < 2)
    throw new InputError(option, `expected at least two classes, got ${classes.length} (${classes.join(',') || 'none'})`);
  const seen = new Set<number>();
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new InputError(option, `class ${c} is outside 0..${numClasses - 1}`);
    if (seen.has(c)) throw new InputError(option, `class ${c} is listed twice`);
    seen.add(c);
  }
  return [...classes];
}

/** Union, per masked conv, of the target classes' kept kernels (ascending indices). */
export function mixedModuleKeep(modules: readonly ModuleMask[], classes: readonly number[]): KeepSpec {
  const chosen = classes.map((c) => {
    const m = modules.find((x) => x.class === c);
    if (!m) throw new InputError('classes', `no module for class ${c} (modules exist for ${modules.map((x) => x.class).join(',')})`);
    return m;
  });
  const keep: KeepSpec = {};
  for (const conv of Object.keys(chosen[0]!.mask)) {
    const union = new Set<number>();
    for (const m of chosen) {
      const kept = m.mask[conv];
      if (!kept) throw new Error(`module of class ${m.class} has no mask for layer '${conv}'`);
      for (const k of kept) union.add(k);
    }
    keep[conv] = [...union].sort((a, b) => a - b);
  }
  return keep;
}

/** Kernels kept over all masked convs. */
export function keptKernels(keep: KeepSpec): number {
  return Object.values(keep).reduce((n, k) => n + k.length, 0);
}

/** Kernel retention rate: kept kernels / all masked kernels of the model (`maskedKernels` from buildModel). */
export function kernelRetentionRate(keep: KeepSpec, maskedKernels: Record<string, number>): number {
  const total = Object.values(maskedKernels).reduce((n, k) => n + k, 0);
  for (const conv of Object.keys(maskedKernels)) {
    if (!keep[conv]) throw new Error(`mixed module has no entry for masked layer '${conv}'`);
  }
  return keptKernels(keep) / total;
}
