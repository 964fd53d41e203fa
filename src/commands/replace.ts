/**
 * `mwt replace --run WEAK --class K --module ID --out OUT [--rule calibrated|cnnsplitter]`:
 * the weak model's class K decided by a module (src/modules/replace.ts). Writes
 *   OUT/model.json + weights.bin   the patched model, ONE tfjs model (loadLayersModel)
 *   OUT/summary.json               before/after: class K precision/recall/F1, accuracy, both rules
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ensureBackend } from '../engine/index.js';
import type { Logger } from '../log/logger.js';
import { asUsageError, formatZodError, UsageError } from '../errors.js';
import { REPLACE_SUMMARY_FORMAT, writeFormat } from '../io/formats.js';
import { SUMMARY_FILE } from '../io/atomic.js';
import { checkReplaceable, readWeakRun, replaceClass, type ReplaceSummary } from '../modules/replace.js';
import { readCard } from '../modules/card.js';
import { loadCardedModule } from '../modules/load.js';
import { existingRepository, resolveModuleRef } from '../modules/module_ref.js';
import { replaceOptionsSchema } from './options.js';

export { replaceOptionsSchema } from './options.js';

export function checkOutDir(out: string): void {
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new UsageError(`--out: ${out} is a file, expected a directory`);
}

export function checkDataDir(dir: string | undefined): void {
  if (dir != null && !(fs.existsSync(dir) && fs.statSync(dir).isDirectory()))
    throw new UsageError(`--data-dir: directory ${dir} does not exist`);
}

const f3 = (x: number) => x.toFixed(3);
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatReplace(s: ReplaceSummary): string {
  const row = (what: string, r: ReplaceSummary['before']) =>
    `${what.padEnd(22)} ${f3(r.classK.precision).padStart(9)} ${f3(r.classK.recall).padStart(7)} ${f3(r.classK.f1).padStart(6)} ${pct(r.accuracy).padStart(9)}`;
  return [
    `replace class ${s.classIndex} (${s.className}) of ${s.run} with module ${s.module.slice(0, 12)} (${s.moduleSource}); ${s.testSamples} test samples`,
    `${''.padEnd(22)} precision  recall     F1  accuracy`,
    row('before (weak model)', s.before),
    row('after, calibrated', s.after.calibrated),
    row('after, cnnsplitter', s.after.cnnsplitter),
    `saved: rule ${s.rule}, reloaded model agrees on ${pct(s.reloaded.agreement)} of ${s.reloaded.samples} test images; ${s.seconds.toFixed(1)} s`,
  ].join('\n');
}

export async function replaceCommand(input: z.input<typeof replaceOptionsSchema>, log: Logger): Promise<ReplaceSummary> {
  const parsed = replaceOptionsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(formatZodError(parsed.error));
  const o = parsed.data;
  // Every check before loading a network.
  let info;
  try {
    info = readWeakRun(o.run, o.dataDir);
  } catch (e) {
    throw asUsageError(e);
  }
  checkDataDir(o.dataDir);
  checkOutDir(o.out);
  const dir = resolveModuleRef(o.module, existingRepository(o.repo), '--module');
  try {
    checkReplaceable(info, o.run, o.class, { card: readCard(dir) });
  } catch (e) {
    throw asUsageError(e);
  }
  await ensureBackend(o.backend);
  const module = await loadCardedModule(dir); // verifies the files against the id first
  let summary: ReplaceSummary;
  try {
    summary = await replaceClass({ run: o.run, classIndex: o.class, module, out: o.out, rule: o.rule, dataDir: o.dataDir, log });
  } finally {
    module.model.dispose();
  }
  writeFormat(path.join(o.out, SUMMARY_FILE), REPLACE_SUMMARY_FORMAT, summary);
  if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else log.info(formatReplace(summary));
  return summary;
}
