/**
 * `mwt reuse --run DIR --classes 0,3 [--epochs 5] [--threshold 0.9] [--standard-run DIR2] --out OUT`:
 * builds the sub-task model for the given classes from a modularized run (mixed module + new
 * head, fine-tuned), measures it against the whole model, and writes
 *   OUT/summary.json              the figures (ReuseSummary; keys listed in src/reuse/reuse.ts)
 *   OUT/model.json + weights.bin  the sub-task model, loadable with tf.loadLayersModel
 *   OUT/modules.json              only when --threshold differs from RUN/modules/modules.json's: the
 *                                 modules (masks and figures, no module networks) made for this reuse;
 *                                 RUN/modules is left as mwt modularize wrote it
 */
import * as path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { asUsageError, InputError, parseOptions } from '../errors.js';
import { checkWritableDir } from '../io/writable.js';
import { forgetOutput, SUMMARY_FILE } from '../io/atomic.js';
import { saveModel } from '../io/model_io.js';
import { reuse, type ReuseSummary } from '../reuse/reuse.js';
import { validateClasses } from '../reuse/mixed_module.js';
import { MODULES_FILE, readModularRun, writeModules } from '../modularize/run.js';
import { REUSE_SUMMARY_FORMAT, writeFormat } from '../io/formats.js';
import { writeReuseCard } from '../modules/module_cards.js';
import { CARD_FILE } from '../modules/card.js';

/** The option parser, where the CLI keeps it (it must load without tfjs). */
export { parseClassList } from '../cli/parse.js';

export { reuse, openReuseContext, reuseSubtask, closeReuseContext, DEFAULT_REUSE } from '../reuse/reuse.js';
export type { ReuseSummary, ReuseOptions, ReuseContext, SubtaskOptions } from '../reuse/reuse.js';

import { reuseOptionsSchema } from './options.js';
export { reuseOptionsSchema, reuseSharedFields } from './options.js';

export type ReuseCommandInput = z.input<typeof reuseOptionsSchema>;
export type ReuseCommandOptions = z.output<typeof reuseOptionsSchema>;

/** The fine-tuning and latency settings of both reuse commands, as reuseSubtask takes them. */
export function subtaskSettings(
  opts: Pick<
    ReuseCommandOptions,
    'epochs' | 'lr' | 'batchSize' | 'headInit' | 'bnStatistics' | 'validationFraction' | 'selectBy' | 'seed' | 'latencyRepeats'
  >,
) {
  return {
    epochs: opts.epochs,
    lr: opts.lr,
    batchSize: opts.batchSize,
    headInit: opts.headInit,
    bnStatistics: opts.bnStatistics,
    validationFraction: opts.validationFraction,
    selectBy: opts.selectBy,
    seed: opts.seed,
    latency: opts.latencyRepeats > 0 ? { repeats: opts.latencyRepeats } : (false as const),
  };
}

export function parseReuseOptions(input: ReuseCommandInput): ReuseCommandOptions {
  return parseOptions(reuseOptionsSchema, input);
}

/** The options whose bad values are usage errors here (exit code 2): the runs and classes asked for. */
const USAGE_OPTIONS = new Set(['run', 'classes', 'standardRun']);

/** A problem with the run, standard run or classes asked for, as a usage error; anything else as it is. */
export function runOptionsAsUsage(e: unknown): unknown {
  return e instanceof InputError && e.option != null && USAGE_OPTIONS.has(e.option) ? asUsageError(e) : e;
}

export async function reuseCommand(input: ReuseCommandInput, log: Logger): Promise<ReuseSummary> {
  const opts = parseReuseOptions(input);
  checkWritableDir(opts.out, '--out');
  let result;
  try {
    // Check the run and the classes before loading anything heavy.
    validateClasses(opts.classes, readModularRun(opts.run, 'mwt reuse').spec.numClasses);
    result = await reuse({
      run: opts.run,
      classes: opts.classes,
      threshold: opts.threshold,
      standardRun: opts.standardRun,
      dataDir: opts.dataDir,
      backend: opts.backend,
      ...subtaskSettings(opts),
      log,
    });
  } catch (e) {
    throw runOptionsAsUsage(e);
  }
  const { summary, model, recomputedModules } = result;
  // summary.json, written last, says OUT is complete; the card and modules.json of an earlier
  // sub-task model in OUT describe that model, so they go with its summary.
  forgetOutput(opts.out, [CARD_FILE, MODULES_FILE]);
  try {
    await saveModel(model, opts.out);
  } finally {
    model.dispose();
  }
  if (recomputedModules) writeModules(path.join(opts.out, MODULES_FILE), recomputedModules);
  await writeReuseCard(opts.out, opts.run, opts.dataDir, summary);
  writeFormat(path.join(opts.out, SUMMARY_FILE), REUSE_SUMMARY_FORMAT, summary);
  if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else log.info(`sub-task model and summary.json written to ${opts.out}`);
  return summary;
}
