/**
 * Composing one classifier from modules of different runs, without fine-tuning any of them:
 * every module scores its own class ("is this my class", its one-vs-rest head) and the composed
 * model predicts the class whose module scores highest (GradSplitter's composition). With
 * `calibrate`, a scale and an offset per module score are fitted by cross-entropy on training
 * images of the union classes (MODA-like; the modules stay as they are).
 *
 * `pick: 'best-f1'` chooses, for a class several candidates cover, the module with the best F1
 * on its validation split (held-out training data, recorded in its card), never on the test set
 * the composition is then measured on.
 *
 * The result is ONE tfjs model (the modules' layers copied side by side, src/modules/inline.ts)
 * whose C outputs are the scores of the union classes in ascending class order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { loadDataset, type DatasetName } from '../data/load.js';
import { balancedSubset, normalize, selectClasses, type Dataset } from '../data/dataset.js';
import { loadModel, saveModel } from '../io/model_io.js';
import { forgetOutput } from '../io/atomic.js';
import { reloadAgreement } from './reload_check.js';
import { MODEL_DIR, readRunInfo, RUN_FILE } from '../train/run_info.js';
import { restrictedAccuracy } from '../reuse/restricted_accuracy.js';
import { countFlops } from '../modularize/flops.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { channelAffine } from '../layers/channel_affine.js';
import { accuracyOf, argmaxRows, classQualityOf, type ClassQuality } from './class_metrics.js';
import { applyColumnCalibration, fitColumnCalibration, type ColumnCalibration } from './calibration.js';
import { chooseModules, validationF1, type PickRule } from './choose.js';
import { composedGraph } from './compose_graph.js';
import type { LoadedModule } from './load.js';
import type { ModuleCard } from './card.js';
import type { ScoreHead } from './score_head.js';
import { predictOutputs } from './predict_outputs.js';

export interface ComposeOptions {
  modules: LoadedModule[];
  out: string;
  pick?: PickRule;
  calibrate?: boolean;
  /** Training images per class for calibration (class-balanced subset of the train split). */
  calibrationPerClass?: number;
  dataDir?: string;
  log?: Logger;
}

export interface ComposeSummary {
  dataset: string;
  classes: { index: number; name: string; module: string; source: string; validationF1: number }[];
  candidates: number;
  calibrated: boolean;
  testSamples: number;
  /** Accuracy on the test images of the union classes; per class precision/recall/F1. */
  accuracy: number;
  uncalibratedAccuracy: number;
  perClass: (ClassQuality & { class: number })[];
  calibration?: Pick<ColumnCalibration, 'scale' | 'offset' | 'lossBefore' | 'lossAfter' | 'samples'>;
  /** Each source run's whole model, its logits restricted to the same classes (null: run not found). */
  sources: { run: string; model: string; width: number; seed: number | null; restrictedAccuracy: number | null }[];
  /** Accuracy minus the best source's restricted accuracy. */
  versusBestSource: number | null;
  flops: number;
  parameters: number;
  /** The saved model reloaded with loadLayersModel: agreement with the measured predictions. */
  reloaded: { agreement: number; samples: number };
  seconds: number;
}

/** The class numbers' test (or training) images, normalised as the composed model's input. */
function loadSplit(dataset: string, dataDir: string, split: 'train' | 'test', card: ModuleCard, classes: number[]): Dataset {
  return selectClasses(normalize(loadDataset(dataset as DatasetName, dataDir, split), card.normalization), classes);
}

/** A source run's whole model on the union classes, with its own normalisation. */
async function sourceAccuracy(card: ModuleCard, dataDir: string, classes: number[]): Promise<ComposeSummary['sources'][number]> {
  const run = card.source.run;
  const seed = typeof card.source.settings.seed === 'number' ? card.source.settings.seed : null;
  const base = { run, model: card.model, width: card.width, seed };
  if (!fs.existsSync(path.join(run, RUN_FILE)) || !fs.existsSync(path.join(run, MODEL_DIR, 'model.json')))
    return { ...base, restrictedAccuracy: null };
  const info = readRunInfo(run);
  const test = selectClasses(normalize(loadDataset(info.dataset, dataDir, 'test'), info.normalization), classes);
  const model = await loadModel(path.join(run, MODEL_DIR));
  try {
    return { ...base, restrictedAccuracy: restrictedAccuracy(model, test, classes) };
  } finally {
    model.dispose();
  }
}

export { chooseModules, type PickRule } from './choose.js';

export async function composeModules(opts: ComposeOptions): Promise<ComposeSummary> {
  const started = performance.now();
  const log = opts.log ?? silentLogger;
  const picked = chooseModules(opts.modules, opts.pick).map((i) => opts.modules[i]! as LoadedModule & { head: ScoreHead });
  const first = picked[0]!.card;
  const dataDir = opts.dataDir ?? first.dataDir;
  const classes = picked.map((m) => m.card.classes[0]!.index);
  const names = picked.map((m) => m.card.classes[0]!.name);

  let composed: LayersModel | null = null;
  try {
    // --- one graph: every module's score, side by side, in class order
    const { input, scores: joined, model: raw } = composedGraph(picked, 'composed_raw');

    const test = loadSplit(first.dataset, dataDir, 'test', first, classes);
    const [teScores] = predictOutputs(raw, test);
    const c = classes.length;
    const uncalibratedAccuracy = accuracyOf(argmaxRows(teScores!.values, c), test.labels);

    let output = joined;
    let calibration: ComposeSummary['calibration'];
    let finalScores = teScores!.values;
    if (opts.calibrate) {
      const train = loadSplit(first.dataset, dataDir, 'train', first, classes);
      const fitSet = balancedSubset(train, Math.min(train.count, (opts.calibrationPerClass ?? 200) * c), 0);
      const [fitScores] = predictOutputs(raw, fitSet);
      const cal = fitColumnCalibration(
        fitScores!.values,
        c,
        fitSet.labels,
        classes.map((_, j) => j),
      );
      calibration = { scale: cal.scale, offset: cal.offset, lossBefore: cal.lossBefore, lossAfter: cal.lossAfter, samples: cal.samples };
      log.info(
        `compose: calibration on ${fitSet.count} training images, cross-entropy ${cal.lossBefore.toFixed(4)} -> ${cal.lossAfter.toFixed(4)}`,
      );
      output = channelAffine({ name: 'calibration', scale: cal.scale, offset: cal.offset }).apply(joined) as SymbolicTensor;
      finalScores = applyColumnCalibration(teScores!.values, c, cal);
    }
    composed = tfl.model({ inputs: input, outputs: output, name: 'composed' });
    const pred = argmaxRows(finalScores, c);
    const accuracy = accuracyOf(pred, test.labels);

    forgetOutput(opts.out);
    await saveModel(composed, opts.out);
    const reloaded = await reloadAgreement(opts.out, test, pred);

    // --- the source models on the same classes, once per distinct run
    const runs = [...new Map(opts.modules.map((m) => [m.card.source.run, m.card])).values()];
    const sources = [];
    for (const card of runs) sources.push(await sourceAccuracy(card, dataDir, classes));
    const known = sources.map((s) => s.restrictedAccuracy).filter((x): x is number => x != null);

    return {
      dataset: first.dataset,
      classes: picked.map((m, j) => ({
        index: classes[j]!,
        name: names[j]!,
        module: m.card.id,
        source: m.card.source.run,
        validationF1: validationF1(m.card),
      })),
      candidates: opts.modules.length,
      calibrated: opts.calibrate === true,
      testSamples: test.count,
      accuracy,
      uncalibratedAccuracy,
      perClass: classes.map((k, j) => ({ class: k, ...classQualityOf(pred, test.labels, j) })),
      calibration,
      sources,
      versusBestSource: known.length ? accuracy - Math.max(...known) : null,
      flops: countFlops(composed).total,
      parameters: composed.countParams(),
      reloaded,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    composed?.dispose();
  }
}
