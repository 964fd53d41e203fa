/**
 * The composed classifier's graph: one input, every module's score side by side (in the order
 * given), nothing trained. `mwt compose` builds it in Node and the page of `mwt serve` builds it
 * in the browser from this same function, so both compute the same model.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { scoreBranch } from './branch.js';
import type { LoadedModule } from './load.js';
import type { ScoreHead } from './score_head.js';

export interface ComposedGraph {
  input: SymbolicTensor;
  /** [batch, modules]: each module's log-odds for its own class. */
  scores: SymbolicTensor;
  model: LayersModel;
}

/** Modules read the first one's input normalisation (the others are renormalised inside the graph). */
export function composedGraph(modules: (LoadedModule & { head: ScoreHead })[], name = 'composed'): ComposedGraph {
  const first = modules[0]!.card;
  const input = tfl.input({ shape: [...first.inputShape], name: 'input' });
  const branches = modules.map((m, i) => scoreBranch(input, first.normalization, m, `m${i}_`));
  const scores = tfl.layers.concatenate({ name: 'scores', axis: -1 }).apply(branches) as SymbolicTensor;
  return { input, scores, model: tfl.model({ inputs: input, outputs: scores, name }) };
}
