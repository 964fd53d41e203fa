/**
 * `npm start`: the whole MwT pipeline on the bundled Fashion-MNIST sample, in a few minutes on
 * a laptop CPU: standard and modular training of a small SimCNN, modularizing into per-class
 * modules, reusing two modules for a 2-class sub-task, and an HTML report.
 *
 *   npm start                     # defaults below
 *   npm start -- --epochs 8       # longer training: lower kernel rate, smaller modules
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { train } from '../src/train/train.js';
import { createProgress } from '../src/log/logger.js';
import { modularizeCommand } from '../src/commands/modularize.js';
import { reuseCommand } from '../src/commands/reuse.js';
import { reportCommand } from '../src/commands/report.js';
import { DATASETS } from '../src/data/load.js';
import { exitCodeFor, formatError } from '../src/cli/errors.js';
import { parseInteger, parseNumber } from '../src/cli/parse.js';
import { initTrainingBackend } from '../src/train/parallel/parallelism.js';
import { measureThroughput } from '../src/bench/throughput.js';

const program = new Command('demo')
  .option('--out <dir>', 'where the runs go', 'runs/demo')
  .option('--model <name>', 'zoo model', 'simcnn')
  .option('--width <x>', 'channel multiplier', parseNumber('--width'), 0.25)
  .option('--epochs <n>', 'training epochs', parseInteger('--epochs'), 4)
  .option('--standard-epochs <n>', 'standard training epochs (default: --epochs)', parseInteger('--standard-epochs'))
  .option('--classes <list>', 'the 2-class sub-task', '5,9')
  .option('--data-dir <dir>', 'Fashion-MNIST IDX files', 'data/fashion-mnist-sample')
  .option('--backend <name>', 'tfjs backend (default: best available)')
  .parse();
const o = program.opts();

const BATCH = 32;
const SAMPLE = { train: 3000, test: 1000 };
const REUSE_EPOCHS = 3;

/**
 * Seconds the demo will take on this machine, from the median of three timed training steps of
 * the modular model: every epoch's steps, inference (about a third of a training step per
 * image) for the test passes, modularizing and reuse, and the reuse fine-tuning.
 */
async function estimateSeconds(epochs: number, standardEpochs: number): Promise<number> {
  await initTrainingBackend({ backend: o.backend, batchSize: BATCH });
  const t = await measureThroughput({
    model: o.model,
    width: o.width,
    batchSize: BATCH,
    form: 'modular',
    steps: 3,
    warmup: 1,
    inputShape: [28, 28, 1],
    numClasses: 10,
  });
  const step = t.medianStepMs / 1000;
  const perImage = { train: step / BATCH, infer: step / BATCH / 3 };
  const runs = epochs + standardEpochs;
  const training = runs * Math.floor(SAMPLE.train / BATCH) * step;
  const inference = (runs * SAMPLE.test + 2 * SAMPLE.train + 400) * perImage.infer;
  const reuse = REUSE_EPOCHS * 540 * perImage.train + 2 * 2 * 12 * 128 * perImage.infer;
  return training + inference + reuse;
}

async function demo() {
  const started = performance.now();
  const log = createProgress();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  const dir = (name: string) => path.join(o.out, name);
  // Batch 32: twice the steps per epoch of batch 64, which the masks need to separate classes.
  const common = {
    model: o.model,
    dataset: 'fashion-mnist' as const,
    dataDir: o.dataDir,
    width: o.width,
    batchSize: BATCH,
    backend: o.backend,
  };
  const names = DATASETS['fashion-mnist'].classNames;
  const classes = String(o.classes).split(',').map(Number);
  const standardEpochs: number = o.standardEpochs ?? o.epochs;
  const estimate = await estimateSeconds(o.epochs, standardEpochs);
  log.info(
    `demo: ${standardEpochs + o.epochs} training epochs on ${SAMPLE.train} images, then modules and a 2-class model; estimated ${(estimate / 60).toFixed(1)} min on this machine (from 3 timed training steps)`,
  );

  // The demo's own runs: a second `npm start` replaces them.
  log.info(`\n== 1/5 standard training (${standardEpochs} epochs, cross-entropy only) [${elapsed()}]`);
  const standard = await train({ ...common, out: dir('standard'), epochs: standardEpochs, standard: true, overwrite: true }, { log });
  log.info(`\n== 2/5 modular training (${o.epochs} epochs, CE + 0.5 cohesion + 1.5 coupling) [${elapsed()}]`);
  const modular = await train({ ...common, out: dir('modular'), epochs: o.epochs, overwrite: true }, { log });
  log.info(`\n== 3/5 modularizing: one module per class (kernels used by >= 90% of its samples) [${elapsed()}]`);
  const modules = await modularizeCommand({ run: dir('modular'), threshold: [0.5, 0.7, 0.9] }, log);
  log.info(`\n== 4/5 reuse: a sub-task model for ${classes.map((c) => names[c]).join(' vs ')} from two modules [${elapsed()}]`);
  const reuse = await reuseCommand(
    { run: dir('modular'), classes, epochs: REUSE_EPOCHS, standardRun: dir('standard'), out: dir(`reuse-${classes.join('-')}`) },
    log,
  );
  log.info(`\n== 5/5 report [${elapsed()}]`);
  const report = await reportCommand(
    { run: dir('modular'), standardRun: dir('standard'), reuse: [dir(`reuse-${classes.join('-')}`)] },
    log,
  );

  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rows: [string, string][] = [
    ['standard model accuracy (10 classes)', pct(standard.testAccuracy)],
    ['modular model accuracy (10 classes)', pct(modular.testAccuracy)],
    ['kernel retention rate of modules (KRR)', pct(modules.kernelRetentionRate)],
    ['module cohesion (1 = same kernels within a class)', modules.cohesion.toFixed(3)],
    ['module coupling (0 = no kernel shared between classes)', modules.coupling.toFixed(3)],
    [`sub-task model accuracy (${classes.join(' vs ')})`, pct(reuse.accuracy)],
    ['  standard model on the same 2 classes', reuse.standardModelAccuracy != null ? pct(reuse.standardModelAccuracy) : '-'],
    [
      '  FLOPs (MACs) of sub-task model vs whole model',
      `${(reuse.flops / 1e6).toFixed(2)} M vs ${(reuse.modelFlops / 1e6).toFixed(2)} M (-${pct(reuse.flopReduction)})`,
    ],
  ];
  if (reuse.latencyMs) {
    rows.push([
      '  latency, batch 1 (sub-task vs whole)',
      `${reuse.latencyMs.module.batch1.toFixed(2)} ms vs ${reuse.latencyMs.model.batch1.toFixed(2)} ms`,
    ]);
    rows.push([
      '  latency, batch 128 (sub-task vs whole)',
      `${reuse.latencyMs.module.batch128.toFixed(1)} ms vs ${reuse.latencyMs.model.batch128.toFixed(1)} ms`,
    ]);
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`\nMwT demo on ${modular.backend}, ${elapsed()} (estimated ${estimate.toFixed(0)} s)\n`);
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
  process.stdout.write(`\nreport: ${report.file}\nruns:   ${o.out}/ (mwt modularize / reuse / report work on them too)\n`);
}

demo().catch((e) => {
  process.stderr.write(formatError(e, process.argv.includes('--verbose')) + '\n');
  process.exit(exitCodeFor(e));
});
