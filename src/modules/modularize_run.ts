/**
 * `modularizeRun`: a trained run's modules as products. src/modularize/run.ts builds and saves
 * the pruned modules (`buildModules`); this adds a card and a score head beside each one before
 * modules.json marks the folder complete. `mwt modularize`, the experiments and library callers
 * use this; `mwt reuse` builds modules without cards (they cost one inference pass per module).
 */
import { buildModules, type BuildModulesOptions, type ModulesReport, type SweepEntry } from '../modularize/run.js';
import { writeModuleCards, type CardSampling } from './module_cards.js';

export interface ModularizeRunOptions extends Omit<BuildModulesOptions, 'beforeReport'> {
  /** Write a card and a score head beside every module (default true; src/modules/module_cards.ts), optionally on fewer images. */
  cards?: boolean | CardSampling;
}

export async function modularizeRun(runDir: string, opts: ModularizeRunOptions = {}): Promise<ModulesReport & { sweep?: SweepEntry[] }> {
  const { cards, ...build } = opts;
  if (cards === false) return buildModules(runDir, build);
  return buildModules(runDir, {
    ...build,
    beforeReport: async ({ info, outDir, threshold, modules, trainSet, log }) => {
      await writeModuleCards(runDir, info, { threshold, modules }, outDir, trainSet, log, cards === true ? {} : cards);
    },
  });
}
