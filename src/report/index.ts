export { writeReport, REPORT_FILE, type WrittenReport } from './report.js';
export {
  collectReportData,
  buildKernelHeatmap,
  moduleOverlap,
  convFiltersFromModelJson,
  readMetricsFile,
  readModuleCards,
  readReplaceOutput,
  readComposeOutput,
  readRepository,
} from './data.js';
export type {
  ReportData,
  CollectOptions,
  KernelHeatmap,
  ModuleOverlap,
  ReuseEntry,
  CardEntry,
  ReplaceEntry,
  ComposeEntry,
  RepositoryListing,
  PageReuseSummary,
  ModulesFile,
  SweepPoint,
  EpochPoint,
  SectionName,
} from './data.js';
export { collectComparedRuns, comparisonLabels, meanOverSeeds, readComparedRun, COMPARED_SETTINGS } from './compare.js';
export type { ComparedRun } from './compare.js';
export { comparisonMarkdown, tableEpochs } from './markdown_compare.js';
export { renderReportHtml } from './html.js';
export { chartJsBundlePath, chartJsSource } from './chartjs.js';
export { escapeHtml, jsonForScript } from './escape.js';
