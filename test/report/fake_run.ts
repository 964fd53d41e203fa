/**
 * A fake run directory with every file the report reads, filled with hand-written numbers, so
 * tests can check that the page holds exactly these values. One class name carries HTML
 * (`<b>&"bag"</b>`) to prove escaping.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeCard, type CardFields, type ModuleCard } from '../../src/modules/card.js';

export const CLASS_NAMES = ['top', 'trouser', '<b>&"bag"</b>'];

export const MODULAR_METRICS = [
  {
    epoch: 1,
    trainAccuracy: 0.5,
    testAccuracy: 0.6,
    ceLoss: 1.2,
    cohesionLoss: 0.05,
    couplingLoss: 0.9,
    kernelRate: 0.95,
    seconds: 10,
    imagesPerSecond: 300,
    learningRate: 0.05,
  },
  {
    epoch: 2,
    trainAccuracy: 0.7,
    testAccuracy: 0.75,
    ceLoss: 0.8,
    cohesionLoss: 0.04,
    couplingLoss: 0.6,
    kernelRate: 0.7,
    seconds: 11,
    imagesPerSecond: 280,
    learningRate: 0.025,
  },
  {
    epoch: 3,
    trainAccuracy: 0.8,
    testAccuracy: 0.81,
    ceLoss: 0.5,
    cohesionLoss: 0.03,
    couplingLoss: 0.3,
    kernelRate: 0.4,
    seconds: 12,
    imagesPerSecond: 260,
    learningRate: 0,
  },
];

export const STANDARD_METRICS = [
  {
    epoch: 1,
    trainAccuracy: 0.55,
    testAccuracy: 0.65,
    ceLoss: 1.1,
    cohesionLoss: null,
    couplingLoss: null,
    kernelRate: null,
    seconds: 8,
    imagesPerSecond: 400,
    learningRate: 0.05,
  },
  {
    epoch: 2,
    trainAccuracy: 0.75,
    testAccuracy: 0.78,
    ceLoss: 0.7,
    cohesionLoss: null,
    couplingLoss: null,
    kernelRate: null,
    seconds: 8,
    imagesPerSecond: 400,
    learningRate: 0.025,
  },
  {
    epoch: 3,
    trainAccuracy: 0.85,
    testAccuracy: 0.83,
    ceLoss: 0.4,
    cohesionLoss: null,
    couplingLoss: null,
    kernelRate: null,
    seconds: 8,
    imagesPerSecond: 400,
    learningRate: 0,
  },
];

const summary = (standard: boolean, m: { testAccuracy: number; kernelRate: number | null }[]) => ({
  model: 'simcnn',
  dataset: 'fashion-mnist',
  standard,
  epochs: 3,
  backend: 'wasm',
  testAccuracy: m[2]!.testAccuracy,
  kernelRate: standard ? null : m[2]!.kernelRate,
  secondsPerEpoch: 11,
  imagesPerSecond: 280,
  options: { batchSize: 64, lr: 0.05, alpha: 0.5, beta: 1.5, seed: 0 },
});
export const MODULAR_SUMMARY = summary(false, MODULAR_METRICS);

export const RUN_INFO = {
  spec: { name: 'simcnn', numClasses: 3, inputShape: [28, 28, 1], width: 0.25 },
  standard: false,
  dataset: 'fashion-mnist',
  dataDir: 'data/fashion-mnist-sample',
  normalization: { mean: [0.28], std: [0.35] },
  classNames: CLASS_NAMES,
  options: { batchSize: 64, lr: 0.05, alpha: 0.5, beta: 1.5, seed: 0 },
};

/**
 * modules.json as `mwt modularize` writes it, two masked convs: conv1 with 16 kernels, conv2
 * with 32. Kept kernels: top conv1 0-3, conv2 0-7 (12); trouser conv1 2-9, conv2 0-15 (24);
 * bag conv1 15, conv2 31 (2, both kept by a lowered threshold). So top and trouser share
 * 2 + 8 = 10 kernels of 12 + 24 - 10 = 26 (Jaccard 5/13); bag shares none. KRR = 38 / (3 * 48).
 */
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
export const KRR = 38 / 144;
export const MODULES = {
  run: 'fake',
  model: 'simcnn',
  threshold: 0.9,
  kernelRetentionRate: KRR,
  cohesion: 0.93,
  coupling: 0.21,
  seconds: 4.5,
  maskedKernels: 48,
  layers: [
    { name: 'conv1', kernels: 16, kernelRetentionRate: 13 / 48, cohesion: 0.9, coupling: 0.2 },
    { name: 'conv2', kernels: 32, kernelRetentionRate: 25 / 96, cohesion: 0.95, coupling: 0.22 },
  ],
  modules: [
    {
      class: 0,
      className: 'top',
      kernelRate: 12 / 48,
      cohesion: 0.91,
      coupling: 0.2,
      kernels: 12,
      kernelsPerLayer: { conv1: 4, conv2: 8 },
      mask: { conv1: range(0, 4), conv2: range(0, 8) },
      loweredThresholds: {} as Record<string, number>,
      dir: 'class-0',
    },
    {
      class: 1,
      className: 'trouser',
      kernelRate: 24 / 48,
      cohesion: 0.95,
      coupling: 0.2,
      kernels: 24,
      kernelsPerLayer: { conv1: 8, conv2: 16 },
      mask: { conv1: range(2, 10), conv2: range(0, 16) },
      loweredThresholds: {} as Record<string, number>,
      dir: 'class-1',
    },
    {
      class: 2,
      className: CLASS_NAMES[2],
      kernelRate: 2 / 48,
      cohesion: 0.93,
      coupling: 0.1,
      kernels: 2,
      kernelsPerLayer: { conv1: 1, conv2: 1 },
      mask: { conv1: [15], conv2: [31] },
      loweredThresholds: { conv1: 0.5, conv2: 0.4 },
      dir: 'class-2',
    },
  ],
};

export const SWEEP = [
  { threshold: 0.5, kernelRetentionRate: 0.4, cohesion: 0.85, coupling: 0.35, loweredLayers: 0, seconds: 1 },
  { threshold: 0.9, kernelRetentionRate: KRR, cohesion: 0.93, coupling: 0.21, loweredLayers: 2, seconds: 1 },
  { threshold: 0.7, kernelRetentionRate: 0.3, cohesion: 0.9, coupling: 0.28, loweredLayers: 0, seconds: 1 },
];

/** summary.json of `mwt reuse` for classes 0 and 2. */
export const REUSE_SUMMARY = {
  model: 'simcnn',
  classes: [0, 2],
  classNames: ['top', CLASS_NAMES[2]],
  kernelRate: 0.3,
  flops: 2_000_000,
  modelFlops: 8_000_000,
  flopReduction: 0.75,
  parameters: 50_000,
  modelParameters: 200_000,
  restrictedAccuracy: 0.95,
  accuracyBeforeFineTune: 0.9,
  accuracy: 0.97,
  standardModelAccuracy: 0.98,
  latencyMs: { module: { batch1: 1, batch128: 20 }, model: { batch1: 2, batch128: 80 } },
};

/** reuse.json of `mwt experiment reuse` (two sizes, one sub-task listed). */
export const REUSE_EXPERIMENT = {
  run: 'fake',
  model: 'simcnn',
  threshold: 0.9,
  settings: { epochs: 5, perSize: 1 },
  complete: true,
  bySize: [
    {
      size: 3,
      subtasks: 1,
      possible: 1,
      kernelRate: 0.45,
      flops: 4e6,
      flopReduction: 0.5,
      moduleAccuracy: 0.9,
      modelAccuracy: 0.92,
      accuracyLoss: 0.02,
    },
    {
      size: 2,
      subtasks: 3,
      possible: 3,
      kernelRate: 0.3,
      flops: 2e6,
      flopReduction: 0.75,
      moduleAccuracy: 0.96,
      modelAccuracy: 0.97,
      accuracyLoss: 0.01,
    },
  ],
  subtasks: [{ size: 2, classes: [0, 1], kernelRate: 0.3, moduleAccuracy: 0.96, modelAccuracy: 0.97 }],
  seconds: 12,
};

const MODEL_JSON = {
  modelTopology: {
    class_name: 'Model',
    config: {
      layers: [
        { class_name: 'InputLayer', name: 'input', config: { name: 'input' } },
        { class_name: 'Conv2D', name: 'conv0', config: { name: 'conv0', filters: 8 } },
        { class_name: 'Conv2D', name: 'conv1', config: { name: 'conv1', filters: 16 } },
        { class_name: 'MwtMaskGenerator', name: 'conv1_mask', config: { name: 'conv1_mask' } },
        { class_name: 'Conv2D', name: 'conv2', config: { name: 'conv2', filters: 32 } },
      ],
    },
  },
};

const writeJson = (file: string, value: unknown) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
};
const writeJsonl = (file: string, lines: unknown[]) => fs.writeFileSync(file, lines.map((l) => JSON.stringify(l) + '\n').join(''));

// --- module cards (issue 13): hand-written numbers; the ids are the real hashes of small fake files

const quality = (cls: number, name: string, precision: number, recall: number, support: number) => ({
  class: cls,
  name,
  precision,
  recall,
  f1: (2 * precision * recall) / (precision + recall),
  support,
  predicted: Math.round((support * recall) / precision),
});

const cardBase = (kernelsPerLayer: Record<string, number>) => ({
  model: 'simcnn',
  width: 0.25,
  inputShape: [28, 28, 1] as [number, number, number],
  normalization: { mean: [0.28], std: [0.35] },
  dataset: 'fashion-mnist',
  dataDir: 'data/fashion-mnist-sample',
  sourceClasses: 3,
  source: { run: '/runs/fake', settings: { seed: 0 }, testAccuracy: 0.81 },
  threshold: 0.9,
  kernelsPerLayer,
  kernelRate: Object.values(kernelsPerLayer).reduce((a, b) => a + b, 0) / 48,
  versions: { mwt: '0.0.0', tfjsCore: '4.22.0', tfjsLayers: '4.22.0' },
  created: '2025-01-01T00:00:00.000Z',
});

export const MODULE_RULE = 'module score > 0, one-vs-rest over all 3 classes';
export const SCORE_RULE = 'own score head > 0, one-vs-rest, validation images';

/** The three modules' cards: kept kernels as in MODULES, precision/recall per class. */
export const MODULE_CARD_FIELDS: CardFields[] = [
  [0, 'top', { conv1: 4, conv2: 8 }, 1_234, 2_500_000, 0.9, 0.8, 0.88],
  [1, 'trouser', { conv1: 8, conv2: 16 }, 4_321, 3_000_000, 0.95, 0.97, 0.96],
  [2, CLASS_NAMES[2]!, { conv1: 1, conv2: 1 }, 99, 12_345, 0.5, 0.25, 0.3],
].map(([cls, name, kernels, parameters, flops, precision, recall, ownF1]) => {
  const c = cls as number;
  const n = name as string;
  return {
    ...cardBase(kernels as Record<string, number>),
    kind: 'module' as const,
    classes: [{ index: c, name: n }],
    parameters: parameters as number,
    flops: flops as number,
    score: {
      kind: 'one-vs-rest-head' as const,
      file: 'score_head.json',
      validation: {
        split: 'validation' as const,
        samples: 300,
        rule: SCORE_RULE,
        perClass: [{ ...quality(c, n, 0.9, 0.9, 100), f1: ownF1 as number }],
      },
    },
    quality: {
      split: 'test' as const,
      samples: 3000,
      rule: MODULE_RULE,
      perClass: [quality(c, n, precision as number, recall as number, 1000)],
    },
  };
});

export const SUBTASK_RULE = 'argmax of the sub-task model over its 2 classes, on test samples of those classes';
/** The card of the reuse sub-task model of classes 0 and 2 (REUSE_SUMMARY). */
export const SUBTASK_CARD_FIELDS: CardFields = {
  ...cardBase({ conv1: 5, conv2: 9 }),
  kind: 'subtask',
  classes: [
    { index: 0, name: 'top' },
    { index: 2, name: CLASS_NAMES[2]! },
  ],
  parameters: 50_000,
  flops: 2_000_000,
  score: null,
  quality: {
    split: 'test',
    samples: 2000,
    rule: SUBTASK_RULE,
    perClass: [quality(0, 'top', 0.98, 0.96, 1000), quality(2, CLASS_NAMES[2]!, 0.96, 0.98, 1000)],
  },
};

/** Fake module files (distinct bytes, so distinct ids) and the card over them. */
function writeModule(dir: string, fields: CardFields, seed: number): ModuleCard {
  writeJson(path.join(dir, 'model.json'), { fake: seed });
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from([seed, seed + 1, seed + 2]));
  if (fields.score) writeJson(path.join(dir, 'score_head.json'), { fake: seed });
  return writeCard(dir, fields);
}

/** summary.json of `mwt replace`: class 1 of a weak run decided by a module. */
export const REPLACE_SUMMARY = {
  run: '/runs/weak',
  module: 'ab'.repeat(32),
  moduleSource: 'repository',
  dataset: 'fashion-mnist',
  classIndex: 1,
  className: 'trouser',
  rule: 'calibrated',
  testSamples: 3000,
  fitSamples: 6000,
  before: { accuracy: 0.8, classK: { precision: 0.7, recall: 0.5, f1: 0.5833, support: 1000, predicted: 714 } },
  after: {
    cnnsplitter: { accuracy: 0.83, classK: { precision: 0.8, recall: 0.9, f1: 0.8471, support: 1000, predicted: 1125 } },
    calibrated: { accuracy: 0.85, classK: { precision: 0.9, recall: 0.85, f1: 0.8743, support: 1000, predicted: 944 } },
  },
  constants: { scoreMin: -3, scoreMax: 4, scale: 1.5, offset: -0.5 },
  reloaded: { agreement: 1, samples: 3000 },
  seconds: 12.5,
};

/** summary.json of `mwt compose`: classes 0 and 1 from two runs, calibrated. */
export const COMPOSE_SUMMARY = {
  dataset: 'fashion-mnist',
  classes: [
    { index: 0, name: 'top', module: 'cd'.repeat(32), source: '/runs/a', validationF1: 0.91 },
    { index: 1, name: 'trouser', module: 'ef'.repeat(32), source: '/runs/b', validationF1: 0.97 },
  ],
  candidates: 3,
  calibrated: true,
  testSamples: 2000,
  accuracy: 0.955,
  uncalibratedAccuracy: 0.94,
  perClass: [
    { class: 0, precision: 0.96, recall: 0.95, f1: 0.955, support: 1000, predicted: 990 },
    { class: 1, precision: 0.95, recall: 0.96, f1: 0.955, support: 1000, predicted: 1010 },
  ],
  calibration: { scale: [1.1, 0.9], offset: [0.1, -0.1], lossBefore: 0.3, lossAfter: 0.2, samples: 400 },
  sources: [
    { run: '/runs/a', model: 'simcnn', width: 0.25, seed: 0, restrictedAccuracy: 0.96 },
    { run: '/runs/b', model: 'simcnn', width: 0.5, seed: 1, restrictedAccuracy: null },
  ],
  versusBestSource: -0.005,
  flops: 4_000_000,
  parameters: 90_000,
  reloaded: { agreement: 1, samples: 2000 },
  seconds: 20,
};

/**
 * Writes a modular run (with modules and their cards, sweep, reuse with its sub-task card), a
 * standard run, and the outputs of mwt replace and mwt compose under `root`.
 */
export function writeFakeRuns(root: string): {
  run: string;
  standardRun: string;
  replaceOut: string;
  composeOut: string;
  cards: ModuleCard[];
} {
  const run = path.join(root, 'modular');
  const standardRun = path.join(root, 'standard');
  fs.mkdirSync(run, { recursive: true });
  fs.mkdirSync(standardRun, { recursive: true });
  writeJsonl(path.join(run, 'metrics.jsonl'), MODULAR_METRICS);
  writeJson(path.join(run, 'summary.json'), MODULAR_SUMMARY);
  writeJson(path.join(run, 'run.json'), RUN_INFO);
  writeJson(path.join(run, 'model', 'model.json'), MODEL_JSON);
  writeJson(path.join(run, 'modules', 'modules.json'), MODULES);
  writeJson(path.join(run, 'modules', 'sweep.json'), SWEEP);
  writeJson(path.join(run, 'reuse-0-2', 'summary.json'), REUSE_SUMMARY);
  writeJson(path.join(run, 'reuse-experiment', 'reuse.json'), REUSE_EXPERIMENT);
  writeJsonl(path.join(standardRun, 'metrics.jsonl'), STANDARD_METRICS);
  writeJson(path.join(standardRun, 'summary.json'), summary(true, STANDARD_METRICS));
  writeJson(path.join(standardRun, 'run.json'), { ...RUN_INFO, standard: true });
  const cards = MODULE_CARD_FIELDS.map((fields, k) => writeModule(path.join(run, 'modules', `class-${k}`), fields, k));
  cards.push(writeModule(path.join(run, 'reuse-0-2'), SUBTASK_CARD_FIELDS, 10));
  const replaceOut = path.join(root, 'replace-1');
  writeJson(path.join(replaceOut, 'summary.json'), { formatVersion: 1, ...REPLACE_SUMMARY });
  const composeOut = path.join(root, 'compose-0-1');
  writeJson(path.join(composeOut, 'summary.json'), { formatVersion: 1, ...COMPOSE_SUMMARY });
  return { run, standardRun, replaceOut, composeOut, cards };
}

/**
 * Another modular run of the same model at alpha 0.3 (`mwt report --compare`): two epochs with
 * their own numbers and no modules yet.
 */
export const ALPHA_03_METRICS = MODULAR_METRICS.slice(0, 2).map((m, i) => ({
  ...m,
  testAccuracy: [0.55, 0.7][i]!,
  cohesionLoss: [0.08, 0.07][i]!,
  couplingLoss: [0.85, 0.5][i]!,
  kernelRate: [0.9, 0.6][i]!,
}));

export function writeComparedRun(root: string): string {
  const dir = path.join(root, 'alpha-0.3');
  writeJson(path.join(dir, 'run.json'), { ...RUN_INFO, options: { ...RUN_INFO.options, alpha: 0.3 } });
  writeJsonl(path.join(dir, 'metrics.jsonl'), ALPHA_03_METRICS);
  return dir;
}
