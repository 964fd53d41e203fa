/**
 * The compose route (`mwt serve --repo`): modules fetched from the server once each, then composed with the library's own
 * `chooseModules` + `composedGraph` (src/modules), exactly the model `mwt compose` builds in
 * Node, without calibration and without any training.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import '../src/layers/index.js';
import { chooseModules } from '../src/modules/choose.js';
import { composedGraph } from '../src/modules/compose_graph.js';
import type { LoadedModule } from '../src/modules/load.js';
import type { ScoreHead } from '../src/modules/score_head.js';
import type { CatalogModule } from '../src/serve/catalog_types.js';

type Scored = LoadedModule & { head: ScoreHead };
const cache = new Map<string, Promise<Scored>>();

async function fetchModule(m: CatalogModule): Promise<Scored> {
  const [model, head] = await Promise.all([
    tfl.loadLayersModel(m.url + 'model.json'),
    fetch(m.url + 'score_head.json').then((r) => {
      if (!r.ok) throw new Error(`${m.url}score_head.json: HTTP ${r.status}`);
      return r.json() as Promise<ScoreHead>;
    }),
  ]);
  return { dir: m.url, card: m.card, model, head };
}

/** Loads (or reuses) a module's model and score head. */
export function loadModule(m: CatalogModule): Promise<Scored> {
  let p = cache.get(m.card.id);
  if (!p) {
    p = fetchModule(m);
    p.catch(() => cache.delete(m.card.id));
    cache.set(m.card.id, p);
  }
  return p;
}

/** A sub-task model built in the page, by either route. */
export interface Assembled {
  /** 'union': the whole model pruned to the union of masks (web/union.ts); 'compose': modules side by side. */
  route: 'union' | 'compose';
  model: LayersModel;
  /** Source class of each output column, in order. */
  classes: { index: number; name: string }[];
  modules: CatalogModule[];
  /** Kept kernels of the mask union (union route only). */
  kernels?: number;
  /** Training images the mask union was calibrated on (union route; 0: none were served). */
  calibrationImages?: number;
}

/** One classifier from the ticked modules: one per class (best validation F1 among duplicates). */
export async function composeTicked(ticked: CatalogModule[]): Promise<Assembled> {
  const picked = chooseModules(ticked, 'best-f1').map((i) => ticked[i]!);
  const loaded = await Promise.all(picked.map(loadModule));
  const { model } = composedGraph(loaded, 'composed');
  return { route: 'compose', model, classes: picked.map((m) => m.card.classes[0]!), modules: picked };
}
