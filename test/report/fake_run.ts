/**
 * A fake run directory with every file the report reads, filled with hand-written numbers, so
 * tests can check that the page holds exactly these values. One class name carries HTML
 * (`<b>&"bag"</b>`) to prove escaping.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

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

/** Writes a modular run (with modules, sweep, reuse) and a standard run under `root`. */
export function writeFakeRuns(root: string): { run: string; standardRun: string } {
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
  return { run, standardRun };
}
