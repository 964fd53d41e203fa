export { writeReport, REPORT_FILE, type WrittenReport } from './report.js';
export { collectReportData, buildKernelHeatmap, moduleOverlap, convFiltersFromModelJson, readMetricsFile } from './data.js';
export type {
  ReportData,
  CollectOptions,
  KernelHeatmap,
  ModuleOverlap,
  ReuseEntry,
  PageReuseSummary,
  ModulesFile,
  SweepPoint,
  EpochPoint,
  SectionName,
} from './data.js';
export { renderReportHtml } from './html.js';
export { chartJsBundlePath, chartJsSource } from './chartjs.js';
export { escapeHtml, jsonForScript } from './escape.js';
