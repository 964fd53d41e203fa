/**
 * Replacing a weak model's class K with a module (from a stronger run): the patched model is
 * ONE tfjs model, the weak network and the module side by side, joined by a ReplaceClass layer
 * (src/layers/replace_class.ts) that lets the module decide column K.
 *
 * Both rules are always measured on the test set, and the one asked for is saved:
 *   cnnsplitter  CNNSplitter's patch (the module's score min-max normalised joins the weak
 *                model's softmax), the min and max taken on the weak run's training data;
 *   calibrated   (default) MODA-like: a scale and an offset for the module's score, fitted by
 *                cross-entropy on the weak run's training data, make it column K's logit.
 * Only those two or three numbers are fitted; neither network is trained.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { loadModel, saveModel } from '../io/model_io.js';
import { forgetOutput } from '../io/atomic.js';
import { reloadAgreement } from './reload_check.js';
import { MODEL_DIR, readRunInfo, RUN_FILE, type RunInfo } from '../train/run_info.js';
import { loadTrainingSet } from '../modularize/run.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { ReplaceClass, type ReplaceRule } from '../layers/replace_class.js';
import { accuracyOf, argmaxRows, classQualityOf, type ClassQuality } from './class_metrics.js';
import { applyColumnCalibration, fitColumnCalibration } from './calibration.js';
import { checkSameDomain, scoreBranch } from './branch.js';
import { inlineModel } from './inline.js';
import { loadRunTestSet } from './module_cards.js';
import type { LoadedModule } from './load.js';
import { predictOutputs } from './predict_outputs.js';
import type { ScoreHead } from './score_head.js';
import { InputError } from '../errors.js';

export { REPLACE_RULES } from './replace_rules.js';

export interface RuleResult {
  accuracy: number;
  classK: ClassQuality;
}

export interface ReplaceSummary {
  run: string;
  module: string;
  moduleSource: string;
  dataset: string;
  classIndex: number;
  className: string;
  rule: ReplaceRule;
  testSamples: number;
  fitSamples: number;
  before: RuleResult;
  after: Record<ReplaceRule, RuleResult>;
  /** The saved rule's constants. */
  constants: { scoreMin: number; scoreMax: number; scale: number; offset: number };
  /** The saved model reloaded from OUT with loadLayersModel: agreement with the measured predictions (src/modules/reload_check.ts). */
  reloaded: { agreement: number; samples: number };
  seconds: number;
}

/** Checks the weak run: finished, readable; returns its description (with --data-dir applied). */
export function readWeakRun(runDir: string, dataDir?: string): RunInfo {
  if (!fs.existsSync(runDir)) throw new InputError('run', `directory ${runDir} does not exist`, runDir);
  if (!fs.existsSync(path.join(runDir, RUN_FILE)))
    throw new InputError('run', `${runDir} has no ${RUN_FILE} (expected a run directory written by mwt train)`, runDir);
  if (!fs.existsSync(path.join(runDir, MODEL_DIR, 'model.json')))
    throw new InputError('run', `${runDir} has no ${MODEL_DIR}/model.json (training has not finished)`, runDir);
  const info = readRunInfo(runDir);
  return dataDir ? { ...info, dataDir } : info;
}

/** The module must be a single-class module of class K on the weak run's input domain. */
export function checkReplaceable(info: RunInfo, runDir: string, classIndex: number, module: Pick<LoadedModule, 'card'>): void {
  const { card } = module;
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= info.spec.numClasses)
    throw new InputError('class', `expected a class of ${runDir} in 0..${info.spec.numClasses - 1}, got ${classIndex}`);
  if (card.kind !== 'module')
    throw new InputError('module', `${card.id.slice(0, 12)} is a sub-task model, not a single-class module with its own score`);
  if (card.classes[0]!.index !== classIndex)
    throw new InputError(
      'module',
      `${card.id.slice(0, 12)} is the module of class ${card.classes[0]!.index} (${card.classes[0]!.name}), not of class ${classIndex}`,
    );
  if (card.sourceClasses !== info.spec.numClasses)
    throw new InputError(
      'module',
      `${card.id.slice(0, 12)} comes from a ${card.sourceClasses}-class model, ${runDir} has ${info.spec.numClasses} classes`,
    );
  checkSameDomain(
    { what: `--run ${runDir}`, dataset: info.dataset, inputShape: info.spec.inputShape, normalization: info.normalization },
    { what: `--module ${card.id.slice(0, 12)}`, dataset: card.dataset, inputShape: card.inputShape, normalization: card.normalization },
  );
}

function ruleResult(values: Float32Array, width: number, labels: Int32Array, k: number): RuleResult {
  const pred = argmaxRows(values, width);
  return { accuracy: accuracyOf(pred, labels), classK: classQualityOf(pred, labels, k) };
}

/** cnnsplitter's N values: softmax of the logits, column K the normalised score. */
function cnnsplitterValues(logits: Float32Array, width: number, z: Float32Array, k: number, zMin: number, zMax: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < z.length; i++) {
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, logits[i * width + j]!);
    let sum = 0;
    for (let j = 0; j < width; j++) sum += Math.exp(logits[i * width + j]! - max);
    for (let j = 0; j < width; j++) out[i * width + j] = Math.exp(logits[i * width + j]! - max) / sum;
    out[i * width + k] = Math.min(1, Math.max(0, (z[i]! - zMin) / Math.max(zMax - zMin, 1e-12)));
  }
  return out;
}

function withColumn(logits: Float32Array, width: number, z: Float32Array, k: number): Float32Array {
  const out = logits.slice();
  for (let i = 0; i < z.length; i++) out[i * width + k] = z[i]!;
  return out;
}

export interface ReplaceOptions {
  run: string;
  classIndex: number;
  module: LoadedModule;
  out: string;
  rule?: ReplaceRule;
  dataDir?: string;
  log?: Logger;
}

export async function replaceClass(opts: ReplaceOptions): Promise<ReplaceSummary> {
  const started = performance.now();
  const log = opts.log ?? silentLogger;
  const rule = opts.rule ?? 'calibrated';
  const info = readWeakRun(opts.run, opts.dataDir);
  const k = opts.classIndex;
  checkReplaceable(info, opts.run, k, opts.module);
  const module = opts.module as LoadedModule & { head: ScoreHead };
  const weak = await loadModel(path.join(opts.run, MODEL_DIR));
  // The graph's copied layers belong to whichever model holds all of them: `both`, then `patched`
  // (a superset); disposing both would dispose the shared layers twice.
  let owner: LayersModel | null = null;
  try {
    // --- one graph: the weak network's logits and the module's score, side by side
    const input = tfl.input({ shape: info.spec.inputShape, name: 'input' });
    const logits = inlineModel(weak, input, 'weak_').outputs[0]!;
    const score = scoreBranch(input, info.normalization, module, 'module_');
    const both = tfl.model({ inputs: input, outputs: [logits, score], name: 'replace_fit' });
    owner = both;

    // --- the rules' constants from the weak run's training data
    const train = loadTrainingSet(info);
    const [trLogits, trScore] = predictOutputs(both, train);
    const n = info.spec.numClasses;
    let scoreMin = Infinity;
    let scoreMax = -Infinity;
    for (const v of trScore!.values) {
      scoreMin = Math.min(scoreMin, v);
      scoreMax = Math.max(scoreMax, v);
    }
    const cal = fitColumnCalibration(withColumn(trLogits!.values, n, trScore!.values, k), n, train.labels, [k]);
    log.info(
      `replace: fitted on ${train.count} training samples of ${opts.run}: score range ${scoreMin.toFixed(2)}..${scoreMax.toFixed(2)}, calibration ${cal.scale[k]!.toFixed(3)} * score + ${cal.offset[k]!.toFixed(3)} (cross-entropy ${cal.lossBefore.toFixed(4)} -> ${cal.lossAfter.toFixed(4)})`,
    );

    // --- before and after, both rules, on the test set
    const test = loadRunTestSet(info);
    const [teLogits, teScore] = predictOutputs(both, test);
    const before = ruleResult(teLogits!.values, n, test.labels, k);
    const values: Record<ReplaceRule, Float32Array> = {
      cnnsplitter: cnnsplitterValues(teLogits!.values, n, teScore!.values, k, scoreMin, scoreMax),
      calibrated: applyColumnCalibration(withColumn(teLogits!.values, n, teScore!.values, k), n, cal),
    };
    const after: Record<ReplaceRule, RuleResult> = {
      cnnsplitter: ruleResult(values.cnnsplitter, n, test.labels, k),
      calibrated: ruleResult(values.calibrated, n, test.labels, k),
    };

    // --- the patched model, saved and reloaded
    const constants = { scoreMin, scoreMax, scale: cal.scale[k]!, offset: cal.offset[k]! };
    const decided = new ReplaceClass({ name: 'replace_class', classIndex: k, rule, ...constants }).apply([logits, score]) as SymbolicTensor;
    const patched = tfl.model({ inputs: input, outputs: decided, name: `${info.spec.name}_replaced_${k}` });
    owner = patched;
    forgetOutput(opts.out);
    await saveModel(patched, opts.out);
    const reloaded = await reloadAgreement(opts.out, test, argmaxRows(values[rule], n));

    return {
      run: path.resolve(opts.run),
      module: module.card.id,
      moduleSource: module.card.source.run,
      dataset: info.dataset,
      classIndex: k,
      className: info.classNames?.[k] ?? String(k),
      rule,
      testSamples: test.count,
      fitSamples: train.count,
      before,
      after,
      constants,
      reloaded,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    owner?.dispose();
    weak.dispose();
  }
}
