/**
 * Loading a module by its files: the card is read and the files are checked against the id
 * first, so changed weights are reported (CorruptModuleError) and never reach tfjs.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { loadModel } from '../io/model_io.js';
import { readCard, verifyCard, type ModuleCard } from './card.js';
import { readScoreHead, type ScoreHead } from './score_head.js';
import { verifiedModuleDir } from './repository.js';

export interface LoadedModule {
  dir: string;
  card: ModuleCard;
  model: LayersModel;
  /** The module's own score (null for a sub-task model). */
  head: ScoreHead | null;
}

/** Reads and verifies a module directory (card.json, model.json, weights.bin[, score_head.json]). */
export async function loadCardedModule(dir: string): Promise<LoadedModule> {
  const card = readCard(dir);
  verifyCard(dir, card);
  const head = readScoreHead(dir);
  if (card.kind === 'module' && head == null) throw new Error(`${dir}: module ${card.id.slice(0, 12)} has no score_head.json`);
  const model = await loadModel(dir);
  return { dir, card, model, head };
}

/** A module of a repository by id (or unique prefix), verified before it is loaded. */
export async function loadRepositoryModule(repo: string, idOrPrefix: string): Promise<LoadedModule> {
  const { dir } = verifiedModuleDir(repo, idOrPrefix);
  return loadCardedModule(dir);
}
