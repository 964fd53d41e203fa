/**
 * `mwt report --run DIR [--standard-run DIR] [--reuse PATH...] [--out FILE]`: writes a
 * self-contained HTML page (charts inline, viewable offline) about a training run, its modules
 * and any reuse results. Missing inputs leave their section out with a note; only a missing
 * run directory is an error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { parseOptions, UsageError } from '../errors.js';
import { checkWritableFile } from '../io/writable.js';
import { REPORT_FILE, writeReport, type WrittenReport } from '../report/report.js';

import { reportOptionsSchema } from './options.js';
export { reportOptionsSchema } from './options.js';

export type ReportOptionsInput = z.input<typeof reportOptionsSchema>;
export type ReportOptions = z.output<typeof reportOptionsSchema>;

function requireDir(option: string, dir: string): void {
  if (!fs.existsSync(dir)) throw new UsageError(`${option}: directory ${dir} does not exist`);
  if (!fs.statSync(dir).isDirectory())
    throw new UsageError(`${option}: ${dir} is not a directory (expected a run directory written by mwt train)`);
}

export async function reportCommand(input: ReportOptionsInput, log: Logger): Promise<WrittenReport> {
  const opts = parseOptions(reportOptionsSchema, input);
  requireDir('--run', opts.run);
  if (opts.standardRun) requireDir('--standard-run', opts.standardRun);
  const reuse = opts.reuse == null ? [] : Array.isArray(opts.reuse) ? opts.reuse : [opts.reuse];
  for (const p of reuse)
    if (!fs.existsSync(p)) throw new UsageError(`--reuse: ${p} does not exist (expected a reuse directory or JSON file)`);
  let out = opts.out;
  if (out && fs.existsSync(out) && fs.statSync(out).isDirectory()) out = path.join(out, REPORT_FILE);
  checkWritableFile(out ?? path.join(opts.run, REPORT_FILE), opts.out ? '--out' : '--run');

  const written = writeReport({ run: opts.run, standardRun: opts.standardRun, reuse, out });
  for (const text of Object.values(written.data.notes)) log.info(`report: ${text}`);
  log.info(`report: ${written.charts} charts, written to ${written.file}`);
  return written;
}
