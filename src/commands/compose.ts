/**
 * `mwt compose --modules ID,ID,... --out OUT [--pick best-f1] [--calibrate]`: one classifier
 * from modules of different runs (src/modules/compose.ts). Writes
 *   OUT/model.json + weights.bin   the composed model, ONE tfjs model (scores of the union classes)
 *   OUT/summary.json               accuracy on the union classes vs each source model restricted to them
 */
import * as path from 'node:path';
import { z } from 'zod';
import { ensureBackend } from '../engine/index.js';
import type { Logger } from '../log/logger.js';
import { asUsageError, formatZodError, UsageError } from '../errors.js';
import { COMPOSE_SUMMARY_FORMAT, writeFormat } from '../io/formats.js';
import { SUMMARY_FILE } from '../io/atomic.js';
import { chooseModules, composeModules, type ComposeSummary } from '../modules/compose.js';
import { readCard } from '../modules/card.js';
import { loadCardedModule, type LoadedModule } from '../modules/load.js';
import { existingRepository, resolveModuleRef } from '../modules/module_ref.js';
import { checkDataDir, checkOutDir } from './replace.js';
import { composeOptionsSchema } from './options.js';

export { composeOptionsSchema } from './options.js';
/** The option parser, where the CLI keeps it (it must load without tfjs). */
export { parseModuleList } from '../cli/parse.js';

const pct = (x: number | null) => (x == null ? 'n/a' : `${(x * 100).toFixed(2)}%`);

export function formatCompose(s: ComposeSummary): string {
  const lines = [
    `composed ${s.classes.length} classes of ${s.dataset} from ${s.candidates} candidate modules; ${s.testSamples} test samples`,
  ];
  for (const c of s.classes) {
    const q = s.perClass.find((p) => p.class === c.index)!;
    lines.push(
      `  ${String(c.index).padStart(2)} ${c.name.padEnd(12)} module ${c.module.slice(0, 12)} from ${c.source} (validation F1 ${c.validationF1.toFixed(3)}); test P ${q.precision.toFixed(3)} R ${q.recall.toFixed(3)} F1 ${q.f1.toFixed(3)}`,
    );
  }
  lines.push(`accuracy ${pct(s.accuracy)}${s.calibrated ? ` (calibrated; ${pct(s.uncalibratedAccuracy)} without)` : ''}`);
  for (const src of s.sources)
    lines.push(
      `  source ${src.run} (${src.model} x${src.width}, seed ${src.seed}): ${pct(src.restrictedAccuracy)} restricted to the same classes`,
    );
  if (s.versusBestSource != null)
    lines.push(
      `versus the best source: ${(s.versusBestSource * 100).toFixed(2)} points; reloaded model agrees on ${pct(s.reloaded.agreement)} of ${s.reloaded.samples} test images`,
    );
  return lines.join('\n');
}

export async function composeCommand(input: z.input<typeof composeOptionsSchema>, log: Logger): Promise<ComposeSummary> {
  const parsed = composeOptionsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(formatZodError(parsed.error));
  const o = parsed.data;
  checkDataDir(o.dataDir);
  checkOutDir(o.out);
  const repo = existingRepository(o.repo);
  const dirs = o.modules.map((m) => resolveModuleRef(m, repo, '--modules'));
  try {
    chooseModules(
      dirs.map((d) => ({ card: readCard(d) })),
      o.pick,
    );
  } catch (e) {
    throw asUsageError(e);
  }
  await ensureBackend(o.backend);
  const modules: LoadedModule[] = [];
  try {
    for (const d of dirs) modules.push(await loadCardedModule(d)); // each verified against its id
    const summary = await composeModules({
      modules,
      out: o.out,
      pick: o.pick,
      calibrate: o.calibrate,
      calibrationPerClass: o.calibrationPerClass,
      dataDir: o.dataDir,
      log,
    });
    writeFormat(path.join(o.out, SUMMARY_FILE), COMPOSE_SUMMARY_FORMAT, summary);
    if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else log.info(formatCompose(summary));
    return summary;
  } finally {
    for (const m of modules) m.model.dispose();
  }
}
