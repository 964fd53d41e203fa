/**
 * A modular "run" without training, for fast tests of what comes after training: run.json as
 * mwt train writes it (bundled Fashion-MNIST sample, a small balanced subset) and a freshly
 * initialised modular SimCNN as its model. Its modules are real pruned networks; their quality
 * is chance, which is all the mechanics need.
 */
import { buildModel } from '../../models/registry.js';
import { prepareData } from '../../src/train/train.js';
import { parseTrainOptions } from '../../src/train/options.js';
import { writeRunInfo } from '../../src/train/run_info.js';
import { saveModel } from '../../src/io/model_io.js';
import { seedGlobalRandom } from '../../src/train/random.js';
import { FASHION_MNIST_CLASS_NAMES } from '../../src/data/load.js';
import * as path from 'node:path';

export async function untrainedRun(out: string, opts: { seed?: number; limit?: number; width?: number } = {}): Promise<void> {
  const options = parseTrainOptions({
    model: 'simcnn',
    dataset: 'fashion-mnist',
    dataDir: 'data/fashion-mnist-sample',
    out,
    epochs: 1,
    width: opts.width ?? 0.125,
    limit: opts.limit ?? 300,
    seed: opts.seed ?? 0,
    quiet: true,
  });
  const { stats } = prepareData(options);
  seedGlobalRandom(options.seed);
  const spec = { name: 'simcnn' as const, numClasses: 10, inputShape: [28, 28, 1] as [number, number, number], width: options.width };
  const { model } = buildModel('simcnn', { ...spec, form: 'modular' });
  await saveModel(model, path.join(out, 'model'));
  model.dispose();
  writeRunInfo(out, {
    spec,
    standard: false,
    dataset: 'fashion-mnist',
    dataDir: options.dataDir,
    limit: options.limit,
    normalization: stats,
    classNames: FASHION_MNIST_CLASS_NAMES,
    options,
  });
}
