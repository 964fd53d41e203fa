/**
 * Which module serves each class when several are offered (compose, and the page of `mwt serve`):
 * one candidate per class, or the best validation F1 with `pick: 'best-f1'`. Pure over the
 * cards, with no file access, so the browser bundle uses the same rule as the command line.
 */
import { checkSameDomain } from './branch.js';
import type { ModuleCard } from './card.js';
import { InputError } from '../errors.js';

export type PickRule = 'best-f1';

/** The F1 of a module's own score on its held-out training images (0 when it has none). */
export const validationF1 = (card: ModuleCard) => card.score?.validation.perClass[0]?.f1 ?? 0;

/** The module for each class, checked: one candidate per class unless `pick` says how to choose. */
export function chooseModules(modules: { card: ModuleCard }[], pick?: PickRule): number[] {
  if (modules.length < 2) throw new InputError('modules', `expected at least two modules, got ${modules.length}`);
  const first = modules[0]!.card;
  const byClass = new Map<number, number[]>();
  modules.forEach(({ card }, i) => {
    if (card.kind !== 'module')
      throw new InputError('modules', `${card.id.slice(0, 12)} is a sub-task model, not a single-class module with its own score`);
    if (i > 0)
      checkSameDomain(
        {
          what: `module ${first.id.slice(0, 12)}`,
          dataset: first.dataset,
          inputShape: first.inputShape,
          normalization: first.normalization,
        },
        { what: `module ${card.id.slice(0, 12)}`, dataset: card.dataset, inputShape: card.inputShape, normalization: card.normalization },
      );
    const k = card.classes[0]!.index;
    byClass.set(k, [...(byClass.get(k) ?? []), i]);
  });
  if (byClass.size < 2)
    throw new InputError('modules', `all modules are of class ${[...byClass.keys()][0]}; a classifier needs at least two classes`);
  const chosen: number[] = [];
  for (const k of [...byClass.keys()].sort((a, b) => a - b)) {
    const candidates = byClass.get(k)!;
    if (candidates.length > 1 && pick == null)
      throw new InputError(
        'modules',
        `class ${k} has ${candidates.length} modules (${candidates.map((i) => modules[i]!.card.id.slice(0, 12)).join(', ')}); keep one or choose with --pick best-f1`,
      );
    // Ties keep the first listed.
    chosen.push(candidates.reduce((best, i) => (validationF1(modules[i]!.card) > validationF1(modules[best]!.card) ? i : best)));
  }
  return chosen;
}
