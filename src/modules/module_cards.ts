/**
 * Writes the cards: for each module of a modularized run (its score head fitted first, since the
 * head is one of the files its id covers), and for a reuse sub-task model. Both measure on the
 * run's test set, normalised as in training, so a card's figures need nothing but the card.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDataset } from '../data/load.js';
import { balancedSubset, normalize, splitValidation, selectClasses, type Dataset } from '../data/dataset.js';
import { loadModel } from '../io/model_io.js';
import { checkFormat, TRAIN_SUMMARY_FORMAT } from '../io/formats.js';
import { readRunInfo, type RunInfo } from '../train/run_info.js';
import { mixedModuleKeep } from '../reuse/mixed_module.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { predictLogits } from '../reuse/restricted_accuracy.js';
import { countFlops } from '../modularize/flops.js';
import { loadModules, type ModuleEntry, type ModulesReport } from '../modularize/modules_file.js';
import { argmaxRows, classQuality, classQualityOf } from './class_metrics.js';
import { writeCard, type CardFields, type ModuleCard } from './card.js';
import { fitScoreHead, logitColumn, predictFeatures, scoresOf, writeScoreHead, type ScoreHead } from './score_head.js';
import { versions } from './versions.js';

/** Fraction of the head's training images held out to measure it (never the test set). */
export const HEAD_VALIDATION_FRACTION = 0.1;
/**
 * Class-balanced subsets the cards use: every module is a separate network, so ten modules over a
 * whole training and test set are ten full inference passes; 2,000 images each keep the cards to
 * a fraction of modularize's own time, and the card records the sample count it measured on.
 */
export const CARD_FIT_SAMPLES = 2000;
export const CARD_TEST_SAMPLES = 2000;

function sourceTestAccuracy(runDir: string): number | null {
  const file = path.join(runDir, 'summary.json');
  if (!fs.existsSync(file)) return null;
  const s = checkFormat(TRAIN_SUMMARY_FORMAT, JSON.parse(fs.readFileSync(file, 'utf8'))).value;
  return s?.testAccuracy ?? null;
}

export function loadRunTestSet(info: RunInfo): Dataset {
  return normalize(loadDataset(info.dataset, info.dataDir, 'test'), info.normalization);
}

const className = (info: RunInfo, k: number) => info.classNames?.[k] ?? String(k);

/** The card fields every kind shares, from the run. */
function commonFields(runDir: string, info: RunInfo) {
  return {
    model: info.spec.name,
    width: info.spec.width,
    inputShape: info.spec.inputShape,
    normalization: info.normalization,
    dataset: info.dataset,
    dataDir: path.resolve(info.dataDir),
    sourceClasses: info.spec.numClasses,
    source: {
      run: path.resolve(runDir),
      settings: { ...info.options } as Record<string, unknown>,
      testAccuracy: sourceTestAccuracy(runDir),
    },
    versions: versions(),
    created: new Date().toISOString(),
  };
}

const labelsIs = (labels: Int32Array, k: number) => Uint8Array.from(labels, (l) => (l === k ? 1 : 0));

/** One module: fit its score head on 90% of the training set, measure on the rest and on test. */
export async function writeModuleCard(
  dir: string,
  runDir: string,
  info: RunInfo,
  report: Pick<ModulesReport, 'threshold'>,
  entry: ModuleEntry,
  data: { train: Dataset; test: Dataset; testCount: number },
): Promise<{ card: ModuleCard; head: ScoreHead }> {
  const k = entry.class;
  const model = await loadModel(dir);
  try {
    const { train, validation } = splitValidation(data.train, HEAD_VALIDATION_FRACTION, info.options.seed);
    const tr = predictFeatures(model, train);
    const head = fitScoreHead(tr.features, tr.dim, labelsIs(train.labels, k), logitColumn(model, k), k);
    const measure = (ds: Dataset, split: 'test' | 'validation') => {
      const f = predictFeatures(model, ds);
      const s = scoresOf(f.features, f.dim, head);
      const q = classQuality(
        Uint8Array.from(s, (v) => (v > 0 ? 1 : 0)),
        labelsIs(ds.labels, k),
      );
      return {
        split,
        samples: ds.count,
        rule: `module score > 0 (its one-vs-rest head), against all ${info.spec.numClasses} classes${split === 'test' && ds.count < data.testCount ? `, class-balanced subset of the ${data.testCount} test images` : ''}`,
        perClass: [{ class: k, name: className(info, k), ...q }],
      };
    };
    const validationQuality = measure(validation, 'validation');
    const testQuality = measure(data.test, 'test');
    writeScoreHead(dir, head);
    const fields: CardFields = {
      kind: 'module',
      ...commonFields(runDir, info),
      classes: [{ index: k, name: className(info, k) }],
      threshold: report.threshold,
      kernelsPerLayer: entry.kernelsPerLayer,
      kernelRate: entry.kernelRate,
      parameters: entry.parameters,
      flops: entry.flops,
      score: { kind: 'one-vs-rest-head', file: 'score_head.json', validation: validationQuality },
      quality: testQuality,
    };
    return { card: writeCard(dir, fields), head };
  } finally {
    model.dispose();
  }
}

/** Cards for every module of a modularization (called by modularizeRun, src/modules/modularize_run.ts, before modules.json). */
export interface CardSampling {
  fitSamples?: number;
  testSamples?: number;
  /** Cards for these classes only (experiments on a busy machine); the others get none. */
  classes?: number[];
}

export async function writeModuleCards(
  runDir: string,
  info: RunInfo,
  report: Pick<ModulesReport, 'threshold'> & { modules: ModuleEntry[] },
  modulesDir: string,
  train: Dataset,
  log: Logger = silentLogger,
  sampling: CardSampling = {},
): Promise<ModuleCard[]> {
  const started = performance.now();
  const all = loadRunTestSet(info);
  const testSamples = sampling.testSamples ?? CARD_TEST_SAMPLES;
  const fitSamples = sampling.fitSamples ?? CARD_FIT_SAMPLES;
  const test = all.count > testSamples ? balancedSubset(all, testSamples, 0) : all;
  const fit = train.count > fitSamples ? balancedSubset(train, fitSamples, info.options.seed) : train;
  const cards: ModuleCard[] = [];
  for (const entry of report.modules) {
    if (sampling.classes && !sampling.classes.includes(entry.class)) continue;
    const { card } = await writeModuleCard(path.join(modulesDir, entry.dir), runDir, info, report, entry, {
      train: fit,
      test,
      testCount: all.count,
    });
    cards.push(card);
  }
  const f1 = cards.map((c) => c.quality.perClass[0]!.f1);
  log.info(
    `module cards: ${cards.length} written (score heads fitted; test F1 ${Math.min(...f1).toFixed(3)}..${Math.max(...f1).toFixed(3)}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return cards;
}

/** The card of a reuse sub-task model saved in `outDir` (per-class quality among its classes). */
export async function writeSubtaskCard(
  outDir: string,
  runDir: string,
  info: RunInfo,
  summary: { classes: number[]; threshold: number; kernelRate: number; parameters: number; flops: number },
  kernelsPerLayer: Record<string, number>,
): Promise<ModuleCard> {
  const model = await loadModel(outDir);
  try {
    const test = selectClasses(loadRunTestSet(info), summary.classes);
    const { logits, width } = predictLogits(model, test);
    const pred = argmaxRows(logits, width);
    const perClass = summary.classes.map((c, j) => ({ class: c, name: className(info, c), ...classQualityOf(pred, test.labels, j) }));
    return writeCard(outDir, {
      kind: 'subtask',
      ...commonFields(runDir, info),
      classes: summary.classes.map((c) => ({ index: c, name: className(info, c) })),
      threshold: summary.threshold,
      kernelsPerLayer,
      kernelRate: summary.kernelRate,
      parameters: summary.parameters,
      flops: summary.flops || countFlops(model).total,
      score: null,
      quality: {
        split: 'test',
        samples: test.count,
        rule: `argmax of the sub-task model over its ${summary.classes.length} classes, on test samples of those classes`,
        perClass,
      },
    });
  } finally {
    model.dispose();
  }
}

/** `mwt reuse`'s card: the run and the summary are all it needs. */
export async function writeReuseCard(
  outDir: string,
  runDir: string,
  dataDir: string | undefined,
  summary: { classes: number[]; threshold: number; kernelRate: number; parameters: number; flops: number },
): Promise<ModuleCard> {
  const read = readRunInfo(runDir);
  const info = dataDir ? { ...read, dataDir } : read;
  const keep = mixedModuleKeep(loadModules(runDir).modules, summary.classes);
  const perLayer = Object.fromEntries(Object.entries(keep).map(([conv, k]) => [conv, k.length]));
  return writeSubtaskCard(outDir, runDir, info, summary, perLayer);
}
