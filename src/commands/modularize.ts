/**
 * `mwt modularize --run DIR [--threshold 0.9 | 0.1,0.3,0.5,0.7,0.9] [--keep-generators] [--json]`:
 * turns a trained modular run into per-class modules (RUN/modules/) and prints how modular they are.
 */
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { InputError, parseOptions, UsageError } from '../errors.js';
import type { ModulesReport, SweepEntry } from '../modularize/run.js';
import { modularizeRun } from '../modules/modularize_run.js';

/** The option parser, where the CLI keeps it (it must load without tfjs). */
export { parseThresholds } from '../cli/parse.js';

export { loadModules, loadModule } from '../modularize/run.js';
export { modularizeRun } from '../modules/modularize_run.js';
export type { ModulesReport, ModuleEntry, SweepEntry } from '../modularize/run.js';
export type { ModularizeRunOptions } from '../modules/modularize_run.js';

import { modularizeOptionsSchema } from './options.js';
export { modularizeOptionsSchema } from './options.js';

export type ModularizeOptionsInput = z.input<typeof modularizeOptionsSchema>;
export type ModularizeOptions = z.output<typeof modularizeOptionsSchema>;

const f4 = (x: number) => x.toFixed(4);
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** The modules table: one row per module, then the totals (and the sweep when there is one). */
export function formatModulesTable(report: ModulesReport, sweep?: SweepEntry[]): string {
  const rows = [['class', 'name', 'kernels', 'KRR', 'cohesion', 'coupling', 'params']];
  for (const m of report.modules)
    rows.push([
      String(m.class),
      m.className,
      String(m.kernels),
      pct(m.kernelRate),
      f4(m.cohesion),
      f4(m.coupling),
      m.parameters.toLocaleString('en'),
    ]);
  rows.push([
    'all',
    '',
    `/${report.maskedKernels}`,
    pct(report.kernelRetentionRate),
    f4(report.cohesion),
    f4(report.coupling),
    `/${report.modelParametersWithoutGenerators.toLocaleString('en')}`,
  ]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const out = [
    `modules of ${report.model} (${report.dataset}) at threshold ${report.threshold}${report.keepGenerators ? ', with generators' : report.foldedMasks ? ', class mean masks folded into batch norm' : ''}${report.bnStatistics && report.bnStatistics !== 'none' ? `, batch norms matched (${report.bnStatistics})` : ''}:`,
    ...rows.map(line),
  ];
  if (sweep && sweep.length > 1) {
    out.push('', 'threshold      KRR  cohesion  coupling');
    for (const s of sweep)
      out.push(
        `${String(s.threshold).padStart(9)}  ${pct(s.kernelRetentionRate).padStart(7)}  ${f4(s.cohesion).padStart(8)}  ${f4(s.coupling).padStart(8)}`,
      );
  }
  out.push(
    `${report.seconds.toFixed(1)} s (inference ${report.timings.inference.toFixed(1)} s, metrics ${report.timings.metrics.toFixed(1)} s, modules ${report.timings.modules.toFixed(1)} s)`,
  );
  return out.join('\n');
}

export async function modularizeCommand(input: ModularizeOptionsInput, log: Logger): Promise<ModulesReport & { sweep?: SweepEntry[] }> {
  const opts = parseOptions(modularizeOptionsSchema, input);
  let report;
  try {
    report = await modularizeRun(opts.run, {
      threshold: opts.threshold,
      keepGenerators: opts.keepGenerators,
      foldMasks: opts.foldMasks,
      bnStatistics: opts.bnStatistics,
      backend: opts.backend,
      batchSize: opts.batchSize,
      dataDir: opts.dataDir,
      log,
    });
  } catch (e) {
    // A bad --run directory is a usage problem; anything else (data, I/O) is a run error.
    if (e instanceof InputError && e.option === 'run') throw new UsageError(e.message, { option: e.option, file: e.file });
    throw e;
  }
  if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else log.info(formatModulesTable(report, report.sweep));
  return report;
}
