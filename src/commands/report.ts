/**
 * `mwt report --run DIR [--standard-run DIR] [--compare DIR... [--mean-over-seeds]] [--reuse PATH...] [--replace DIR...] [--compose DIR...]
 * [--repo DIR] [--out FILE] [--markdown FILE]`: writes a self-contained HTML page (charts inline, viewable offline)
 * about a training run, its modules and their cards, and any reuse, replace and compose results
 * and a module repository. What the run lacks leaves its section out with a note; a path given
 * on the command line that is missing or unreadable is an error naming its option.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { parseOptions, UsageError } from '../errors.js';
import { checkWritableFile } from '../io/writable.js';
import { REPORT_FILE, writeReport, type WrittenReport } from '../report/report.js';
import { readComposeOutput, readReplaceOutput, readRepository } from '../report/data.js';
import { readComparedRun } from '../report/compare.js';
import { comparisonMarkdown } from '../report/markdown_compare.js';
import { writeFileAtomic } from '../io/atomic.js';

import { reportOptionsSchema } from './options.js';
export { reportOptionsSchema } from './options.js';

export type ReportOptionsInput = z.input<typeof reportOptionsSchema>;
export type ReportOptions = z.output<typeof reportOptionsSchema>;

function requireDir(option: string, dir: string): void {
  if (!fs.existsSync(dir)) throw new UsageError(`${option}: directory ${dir} does not exist`);
  if (!fs.statSync(dir).isDirectory())
    throw new UsageError(`${option}: ${dir} is not a directory (expected a run directory written by mwt train)`);
}

const asList = (v: string | string[] | undefined): string[] => (v == null ? [] : Array.isArray(v) ? v : [v]);

function refuse(option: string, problem: string | undefined): void {
  if (problem != null) throw new UsageError(`${option}: ${problem}`);
}

export async function reportCommand(input: ReportOptionsInput, log: Logger): Promise<WrittenReport> {
  const opts = parseOptions(reportOptionsSchema, input);
  requireDir('--run', opts.run);
  if (opts.standardRun) requireDir('--standard-run', opts.standardRun);
  const compare = asList(opts.compare);
  for (const dir of compare) {
    requireDir('--compare', dir);
    refuse('--compare', readComparedRun(dir).problem);
  }
  const reuse = asList(opts.reuse);
  for (const p of reuse)
    if (!fs.existsSync(p)) throw new UsageError(`--reuse: ${p} does not exist (expected a reuse directory or JSON file)`);
  // Replace and compose outputs and the repository are read here once, so a wrong path or file
  // is refused before any work, naming the option and the file.
  const replace = asList(opts.replace);
  for (const p of replace) refuse('--replace', readReplaceOutput(p).problem);
  const compose = asList(opts.compose);
  for (const p of compose) refuse('--compose', readComposeOutput(p).problem);
  if (opts.repo != null) refuse('--repo', readRepository(opts.repo).problem);
  let out = opts.out;
  if (out && fs.existsSync(out) && fs.statSync(out).isDirectory()) out = path.join(out, REPORT_FILE);
  checkWritableFile(out ?? path.join(opts.run, REPORT_FILE), opts.out ? '--out' : '--run');
  if (opts.markdown != null) {
    if (compare.length === 0) throw new UsageError('--markdown: the tables compare runs; give at least one --compare run');
    checkWritableFile(opts.markdown, '--markdown');
  }

  if (opts.meanOverSeeds && compare.length === 0)
    throw new UsageError('--mean-over-seeds: it averages runs that differ only in their seed; give them with --compare');
  const written = writeReport({
    run: opts.run,
    standardRun: opts.standardRun,
    compare,
    meanOverSeeds: opts.meanOverSeeds,
    reuse,
    replace,
    compose,
    repo: opts.repo,
    out,
  });
  for (const text of Object.values(written.data.notes)) log.info(`report: ${text}`);
  log.info(`report: ${written.charts} charts, written to ${written.file}`);
  if (opts.markdown != null && written.data.compared != null) {
    writeFileAtomic(opts.markdown, comparisonMarkdown(written.data.compared));
    log.info(`report: ${written.data.compared.length} runs compared in Markdown, written to ${opts.markdown}`);
  }
  return written;
}
