/**
 * Collects a run's results and writes the self-contained report page (library entry point;
 * `src/commands/report.ts` wraps it for the CLI).
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { chartJsSource } from './chartjs.js';
import { collectReportData, type CollectOptions, type ReportData } from './data.js';
import { renderReportHtml } from './html.js';

export const REPORT_FILE = 'report.html';

export interface WrittenReport {
  file: string;
  data: ReportData;
  /** Number of charts the page will draw (the page sets body[data-rendered] to this). */
  charts: number;
}

export function writeReport(opts: CollectOptions & { out?: string }): WrittenReport {
  const data = collectReportData(opts);
  const html = renderReportHtml(data, chartJsSource());
  const file = opts.out ?? path.join(opts.run, REPORT_FILE);
  writeFileAtomic(file, html);
  const charts = (html.match(/<canvas [^>]*data-chart=/g) ?? []).length;
  return { file, data, charts };
}
