/**
 * What calibrating the page's mask union is worth (docs/serve.md): the restricted test accuracy of
 * a run's mask union of some classes, pruned as `mwt serve --run` prunes it, without calibration
 * and calibrated on the images the server serves (src/serve/calibration.ts), beside the whole
 * modular model's restricted accuracy (its logits of the same classes).
 *   npx tsx scripts/union_calibration.ts RUN CLASSES [CLASSES...] [--per-class 16,64,256]
 * e.g. RUN 0,1 5,9. --per-class also calibrates on other numbers of images a class (the server's
 * draw, src/serve/calibration.ts, at each count).
 */
import * as path from 'node:path';
import { initBackend } from '../src/engine/index.js';
import { loadModel } from '../src/io/model_io.js';
import { selectClasses } from '../src/data/dataset.js';
import { loadDataset } from '../src/data/load.js';
import { normalize } from '../src/data/dataset.js';
import { loadModules } from '../src/modularize/run.js';
import { mixedModuleKeep, validateClasses } from '../src/reuse/mixed_module.js';
import { buildRestrictedSubtaskModel } from '../src/reuse/restricted_model.js';
import { restrictedAccuracy } from '../src/reuse/restricted_accuracy.js';
import { calibrationBytes, runCalibration } from '../src/serve/calibration.js';
import { calibrationImages } from '../src/serve/calibration_images.js';
import { MODEL_DIR, readRunInfo } from '../src/train/run_info.js';

const args = process.argv.slice(2);
const at = args.indexOf('--per-class');
const perClass = at >= 0 ? args.splice(at, 2)[1]!.split(',').map(Number) : [];
const [run, ...sets] = args;
if (!run || sets.length === 0 || perClass.some((k) => !(Number.isInteger(k) && k > 0))) {
  process.stderr.write(
    'usage: union_calibration.ts RUN CLASSES [CLASSES...] [--per-class N,N...]   (CLASSES: comma-separated, e.g. 0,1)\n',
  );
  process.exit(2);
}
await initBackend();
const info = readRunInfo(run);
const trained = await loadModel(path.join(run, MODEL_DIR));
const modules = loadModules(run).modules;
const test = normalize(loadDataset(info.dataset, info.dataDir, 'test'), info.normalization);
const served = runCalibration(info);
if ('why' in served) throw new Error(`no calibration images: ${served.why}`);
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
for (const set of sets) {
  const classes = validateClasses(set.split(',').map(Number), info.spec.numClasses);
  const keep = mixedModuleKeep(modules, classes);
  const images = calibrationImages(served.bytes, served.calibration, classes, info.normalization);
  const subtest = selectClasses(test, classes);
  const accuracy = (calibration?: { images: typeof images }) => {
    const model = buildRestrictedSubtaskModel(info.spec, trained, keep, classes, calibration);
    try {
      // Its outputs are already the classes' logits, in order: column k is classes[k].
      return restrictedAccuracy(
        model,
        subtest,
        classes.map((_, k) => k),
      );
    } finally {
      model.dispose();
    }
  };
  process.stdout.write(
    `${run} classes ${classes.join(',')}: uncalibrated ${pct(accuracy())}, calibrated on ${images.count} served images ${pct(accuracy({ images }))}, the whole modular model ${pct(restrictedAccuracy(trained, subtest, classes))} (${subtest.count} test images)\n`,
  );
  for (const k of perClass) {
    const drawn = calibrationBytes(loadDataset(info.dataset, info.dataDir, 'train'), k, info.options.seed ?? 0);
    const cal = { ...served.calibration, counts: drawn.counts };
    const more = calibrationImages(drawn.bytes, cal, classes, info.normalization);
    process.stdout.write(`  calibrated on ${more.count} images (${k} a class): ${pct(accuracy({ images: more }))}\n`);
  }
}
trained.dispose();
