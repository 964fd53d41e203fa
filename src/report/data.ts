/**
 * Everything the report page shows, read from a run directory (and optional standard run, reuse,
 * replace and compose results and a module repository) into one plain object that is embedded in
 * the page as JSON.
 *
 * Reading never throws for a missing or malformed file: the section that needed it is left
 * null and a one-line note says why, so a half-finished run still gets a report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { RUN_FILE, MODEL_DIR } from '../train/run_info.js';
import {
  checkFormat,
  COMPOSE_SUMMARY_FORMAT,
  MODULES_FORMAT,
  REPLACE_SUMMARY_FORMAT,
  REUSE_SUMMARY_FORMAT,
  RUN_INFO_FORMAT,
  TRAIN_SUMMARY_FORMAT,
  modulesFileSchema,
  reuseSummarySchema,
  runInfoSchema,
  trainSummarySchema,
  composeSummarySchema,
  replaceSummarySchema,
  type Format,
} from '../io/formats.js';
import { readJsonFile, readMetricsFile, type EpochPoint, type Read } from './read_files.js';
import { collectComparedRuns, type ComparedRun } from './compare.js';
import { CARD_FILE, moduleCardSchema, type ModuleCard } from '../modules/card.js';
import { INDEX_FILE, listRepository, type ListedModule } from '../modules/repository.js';

// --- the files we read: their schemas are src/io/formats.ts (loose: unknown extra keys are
// kept, so the embedded copy equals the file)

export { readMetricsFile, type EpochPoint } from './read_files.js';
export type TrainSummaryFile = z.infer<typeof trainSummarySchema>;
export type RunInfoFile = z.infer<typeof runInfoSchema>;
export type ModulesFile = z.infer<typeof modulesFileSchema>;
export type PageReuseSummary = z.infer<typeof reuseSummarySchema>;
export type ReplaceSummaryFile = z.infer<typeof replaceSummarySchema>;
export type ComposeSummaryFile = z.infer<typeof composeSummarySchema>;
/** card.json beside a module or sub-task model (src/modules/card.ts, its one schema). */
const CARD_FORMAT: Format<typeof moduleCardSchema> = { what: 'module card', version: 1, schema: moduleCardSchema };

/** sweep.json (an array, so without a formatVersion of its own): one point per threshold. */
export const sweepPointSchema = z.looseObject({
  threshold: z.number(),
  kernelRetentionRate: z.number(),
  cohesion: z.number(),
  coupling: z.number(),
});
export const sweepFileSchema = z.array(sweepPointSchema).min(1);
export type SweepPoint = z.infer<typeof sweepPointSchema>;

// --- what the page gets

/** Kept kernels per module (row) and masked layer (column). */
export interface KernelHeatmap {
  layers: string[];
  /** Full kernel count per layer, or null where unknown (then fractions are null too). */
  totals: (number | null)[];
  /** Where `totals` came from, for the page's caption. */
  totalsSource: 'modules.json' | 'model.json' | null;
  rows: {
    class: number;
    className: string;
    kernelRate: number;
    cohesion: number | null;
    coupling: number | null;
    kept: number[];
    fraction: (number | null)[];
    /** Per layer: modularize lowered the threshold there (too few kernels passed it). */
    lowered: boolean[];
  }[];
}

/** Jaccard index of the kept-kernel sets of every pair of modules (1 on the diagonal). */
export interface ModuleOverlap {
  classNames: string[];
  jaccard: number[][];
}
export interface ReuseEntry {
  /** Directory or file name, shown as the entry's title. */
  name: string;
  path: string;
  summary: PageReuseSummary | null;
  /** Contents of a reuse.json experiment table (any JSON), shown as tables. */
  experiments: unknown;
  /** The sub-task model's card.json, when the entry is a directory holding one. */
  card: ModuleCard | null;
}

/** A module's card, with the directory it was read from. */
export interface CardEntry {
  dir: string;
  card: ModuleCard;
}

/** The summary.json of an `mwt replace` or `mwt compose` output. */
export interface OutputEntry<T> {
  /** Directory or file name, shown as the entry's title. */
  name: string;
  path: string;
  summary: T;
}
export type ReplaceEntry = OutputEntry<ReplaceSummaryFile>;
export type ComposeEntry = OutputEntry<ComposeSummaryFile>;

/** The modules of a module repository, as `mwt modules list` shows them (each checked against its id). */
export interface RepositoryListing {
  dir: string;
  modules: ListedModule[];
}

export type SectionName =
  | 'summary'
  | 'curves'
  | 'standard'
  | 'compare'
  | 'modules'
  | 'heatmap'
  | 'sweep'
  | 'cards'
  | 'reuse'
  | 'replace'
  | 'compose'
  | 'repository';

export interface ReportData {
  generatedAt: string;
  run: { dir: string; name: string; info: RunInfoFile | null; summary: TrainSummaryFile | null };
  /** Per-epoch metrics of RUN (modular unless run.json says standard) and the standard run. */
  curves: {
    run: EpochPoint[] | null;
    runLabel: 'modular' | 'standard';
    standard: EpochPoint[] | null;
    standardDir: string | null;
    standardSummary: TrainSummaryFile | null;
  };
  /** RUN and the runs given with --compare, when any were (null otherwise). */
  compared: ComparedRun[] | null;
  /** modules.json without the per-module `mask` arrays (large, and the page does not use them). */
  modules: ModulesFile | null;
  heatmap: KernelHeatmap | null;
  overlap: ModuleOverlap | null;
  sweep: SweepPoint[] | null;
  /** The cards of RUN/modules/<module>/card.json, by class. */
  moduleCards: CardEntry[];
  reuse: ReuseEntry[];
  replace: ReplaceEntry[];
  compose: ComposeEntry[];
  /** The module repository given with --repo, else null. */
  repository: RepositoryListing | null;
  /** Why a section is missing or partial, by section. */
  notes: Partial<Record<SectionName, string>>;
}

export interface CollectOptions {
  run: string;
  standardRun?: string;
  /** Runs to draw beside RUN, one line each (paper Fig. 6): directories written by mwt train. */
  compare?: string[];
  /** RUN and the compared runs that differ only in their seed drawn as one line, their mean. */
  meanOverSeeds?: boolean;
  /** Extra reuse results: directories (summary.json / reuse.json inside) or JSON files. */
  reuse?: string[];
  /** Outputs of `mwt replace` / `mwt compose`: directories (summary.json inside) or their summary.json. */
  replace?: string[];
  compose?: string[];
  /** A module repository to list. */
  repo?: string;
}

// --- reading helpers: src/report/read_files.ts

/**
 * Kernel count of every Conv2D in a saved model's topology, in layer order. Reading the JSON is
 * enough (no tfjs): the masked convs keep their full filter count in the modular model.
 */
export function convFiltersFromModelJson(file: string): Map<string, number> | null {
  if (!fs.existsSync(file)) return null;
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { modelTopology?: Record<string, unknown> };
    const topology = (json.modelTopology ?? {}) as { model_config?: { config?: { layers?: unknown[] } }; config?: { layers?: unknown[] } };
    const layers = topology.model_config?.config?.layers ?? topology.config?.layers ?? [];
    const filters = new Map<string, number>();
    for (const layer of layers as { class_name?: string; name?: string; config?: { name?: string; filters?: number } }[]) {
      const name = layer.name ?? layer.config?.name;
      if (layer.class_name === 'Conv2D' && name && typeof layer.config?.filters === 'number') filters.set(name, layer.config.filters);
    }
    return filters;
  } catch {
    return null;
  }
}

/**
 * Rows = modules, columns = masked layers in model order; fraction = kept / full count. Layer
 * order and counts come from modules.json's `layers` (or a per-layer `maskedKernels`), else from
 * the run's model.json, else the order the modules list them in (counts unknown).
 */
export function buildKernelHeatmap(modules: ModulesFile, modelFilters: Map<string, number> | null, classNames?: string[]): KernelHeatmap {
  const seen = new Set<string>();
  for (const m of modules.modules) for (const layer of Object.keys(m.kernelsPerLayer)) seen.add(layer);
  const listed = modules.layers?.map((l) => l.name) ?? (modelFilters ? [...modelFilters.keys()] : []);
  const ordered = listed.filter((l) => seen.has(l));
  const layers = [...ordered, ...[...seen].filter((l) => !ordered.includes(l))];

  const perLayer = typeof modules.maskedKernels === 'object' ? modules.maskedKernels : undefined;
  const fromLayers = new Map((modules.layers ?? []).map((l) => [l.name, l.kernels]));
  let totalsSource: KernelHeatmap['totalsSource'] = null;
  let totals: (number | null)[] = layers.map(() => null);
  if (layers.every((l) => fromLayers.has(l))) {
    totals = layers.map((l) => fromLayers.get(l)!);
    totalsSource = 'modules.json';
  } else if (perLayer && layers.every((l) => typeof perLayer[l] === 'number')) {
    totals = layers.map((l) => perLayer[l]!);
    totalsSource = 'modules.json';
  } else if (modelFilters && layers.every((l) => modelFilters.has(l))) {
    totals = layers.map((l) => modelFilters.get(l)!);
    totalsSource = 'model.json';
  }
  const rows = modules.modules.map((m) => {
    const kept = layers.map((l) => m.kernelsPerLayer[l] ?? 0);
    return {
      class: m.class,
      className: m.className ?? classNames?.[m.class] ?? `class ${m.class}`,
      kernelRate: m.kernelRate,
      cohesion: m.cohesion ?? null,
      coupling: m.coupling ?? null,
      kept,
      fraction: kept.map((k, i) => (totals[i] ? k / totals[i]! : null)),
      lowered: layers.map((l) => m.loweredThresholds?.[l] !== undefined),
    };
  });
  return { layers, totals, totalsSource, rows };
}

/** Kept kernels of a module as "conv:index" keys, when `mask` is {conv: [kept indices]}. */
function keptKernelKeys(mask: unknown): Set<string> | null {
  if (!mask || typeof mask !== 'object' || Array.isArray(mask)) return null;
  const keys = new Set<string>();
  for (const [conv, indices] of Object.entries(mask as Record<string, unknown>)) {
    if (!Array.isArray(indices) || !indices.every((i) => Number.isInteger(i))) return null;
    for (const i of indices) keys.add(`${conv}:${i}`);
  }
  return keys;
}

/**
 * Jaccard index |A n B| / |A u B| of the kept-kernel sets of each pair of modules (paper Eq. 1;
 * two empty sets count as identical, as in src/modularize/jaccard.ts). Null when masks are absent
 * or not in the {conv: [kept indices]} form.
 */
export function moduleOverlap(modules: ModulesFile, heatmap: KernelHeatmap): ModuleOverlap | null {
  const sets = modules.modules.map((m) => keptKernelKeys(m.mask));
  if (sets.length < 2 || sets.some((s) => s === null)) return null;
  const jaccard = sets.map((a) =>
    sets.map((b) => {
      let inter = 0;
      for (const k of a!) if (b!.has(k)) inter++;
      const union = a!.size + b!.size - inter;
      return union === 0 ? 1 : inter / union;
    }),
  );
  return { classNames: heatmap.rows.map((r) => r.className), jaccard };
}

function withoutMasks(modules: ModulesFile): ModulesFile {
  return { ...modules, modules: modules.modules.map(({ mask: _mask, ...rest }) => rest as ModulesFile['modules'][number]) };
}

/**
 * A reuse experiment's sub-tasks with their per-image record (test-set indices, kept for the
 * per-size error) as its two counts: the page embeds its data, and the indices say nothing there.
 */
function withDisagreementCounts(experiments: unknown): unknown {
  const subtasks = (experiments as { subtasks?: unknown } | null)?.subtasks;
  if (!Array.isArray(subtasks)) return experiments;
  return {
    ...(experiments as object),
    subtasks: subtasks.map((row) => {
      const { disagreements, ...rest } = (row ?? {}) as { disagreements?: { onlyStandard?: unknown[]; onlyModule?: unknown[] } | null };
      if (disagreements == null) return rest;
      return { ...rest, onlyStandardRight: disagreements.onlyStandard?.length, onlyModuleRight: disagreements.onlyModule?.length };
    }),
  };
}

function readReuseEntry(target: string): ReuseEntry | { problem: string } {
  if (!fs.existsSync(target)) return { problem: `${target} not found` };
  const name = path.basename(target);
  if (fs.statSync(target).isDirectory()) {
    const summaryFile = path.join(target, 'summary.json');
    const experimentsFile = path.join(target, 'reuse.json');
    const summary = fs.existsSync(summaryFile) ? readJsonFile(summaryFile, REUSE_SUMMARY_FORMAT, 'reuse summary') : null;
    const experiments = fs.existsSync(experimentsFile) ? readJsonFile(experimentsFile, z.unknown(), 'JSON file') : null;
    if (!summary?.value && experiments?.value == null) {
      return { problem: summary?.problem ?? experiments?.problem ?? `${target}: no summary.json or reuse.json` };
    }
    const card = fs.existsSync(path.join(target, CARD_FILE))
      ? readJsonFile(path.join(target, CARD_FILE), CARD_FORMAT, 'module card')
      : null;
    if (card?.problem) return { problem: card.problem };
    return {
      name,
      path: target,
      summary: summary?.value ?? null,
      experiments: experiments?.value != null ? withDisagreementCounts(experiments.value) : null,
      card: card?.value ?? null,
    };
  }
  // A single JSON file: a reuse summary if it has that shape, otherwise an experiment table.
  const any = readJsonFile(target, z.unknown(), 'JSON file');
  if (any.value == null) return { problem: any.problem ?? `${target} is empty` };
  const asSummary = checkFormat(REUSE_SUMMARY_FORMAT, any.value);
  return asSummary.problem == null
    ? { name, path: target, summary: asSummary.value, experiments: null, card: null }
    : { name, path: target, summary: null, experiments: withDisagreementCounts(any.value), card: null };
}

/**
 * The summary of one `mwt replace` / `mwt compose` output: a directory holding summary.json, or
 * the file itself. The problem names the missing or malformed file.
 */
function readOutputSummary<S extends z.ZodType>(target: string, fmt: Format<S>, command: string): Read<OutputEntry<z.output<S>>> {
  if (!fs.existsSync(target)) return { value: null, problem: `${target} does not exist (expected an output directory of ${command})` };
  const isDir = fs.statSync(target).isDirectory();
  const file = isDir ? path.join(target, 'summary.json') : target;
  if (isDir && !fs.existsSync(file)) return { value: null, problem: `${file} not found (expected an output directory of ${command})` };
  const read = readJsonFile(file, fmt, fmt.what);
  return read.problem != null ? read : { value: { name: path.basename(target), path: target, summary: read.value } };
}

export const readReplaceOutput = (target: string): Read<ReplaceEntry> => readOutputSummary(target, REPLACE_SUMMARY_FORMAT, 'mwt replace');
export const readComposeOutput = (target: string): Read<ComposeEntry> => readOutputSummary(target, COMPOSE_SUMMARY_FORMAT, 'mwt compose');

/** A module repository's modules (listRepository: index order, each checked against its id). */
export function readRepository(dir: string): Read<RepositoryListing> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return { value: null, problem: `directory ${dir} does not exist` };
  const index = path.join(dir, INDEX_FILE);
  if (!fs.existsSync(index))
    return { value: null, problem: `${index} not found (expected a module repository written by mwt modules add)` };
  try {
    return { value: { dir, modules: listRepository(dir) } };
  } catch (e) {
    return { value: null, problem: (e as Error).message };
  }
}

/** RUN/modules/<module>/card.json, by class (then directory); unreadable cards are problems. */
export function readModuleCards(modulesDir: string): { cards: CardEntry[]; problems: string[] } {
  const cards: CardEntry[] = [];
  const problems: string[] = [];
  if (!fs.existsSync(modulesDir)) return { cards, problems };
  for (const e of fs.readdirSync(modulesDir, { withFileTypes: true })) {
    const file = path.join(modulesDir, e.name, CARD_FILE);
    if (!e.isDirectory() || !fs.existsSync(file)) continue;
    const read = readJsonFile(file, CARD_FORMAT, 'module card');
    if (read.problem != null) problems.push(read.problem);
    else cards.push({ dir: path.join(modulesDir, e.name), card: read.value });
  }
  const first = (c: CardEntry) => c.card.classes[0]!.index;
  cards.sort((a, b) => first(a) - first(b) || a.dir.localeCompare(b.dir));
  return { cards, problems };
}

/** Reads each target; the problems joined into one note. */
function readAll<T>(targets: string[], read: (t: string) => Read<T>): { values: T[]; note?: string } {
  const values: T[] = [];
  const problems: string[] = [];
  for (const t of targets) {
    const r = read(t);
    if (r.problem != null) problems.push(r.problem);
    else values.push(r.value);
  }
  return problems.length ? { values, note: `Skipped: ${problems.join('; ')}.` } : { values };
}

/** RUN/reuse* directories, then RUN/reuse.json, then the explicitly given paths (no duplicates). */
function reuseTargets(runDir: string, extra: string[]): string[] {
  const found = fs
    .readdirSync(runDir, { withFileTypes: true })
    .filter((e) => e.name.startsWith('reuse') && (e.isDirectory() || e.name === 'reuse.json'))
    .map((e) => path.join(runDir, e.name))
    .sort();
  const all = [...found, ...extra];
  return all.filter((p, i) => all.findIndex((q) => path.resolve(q) === path.resolve(p)) === i);
}

export function collectReportData(opts: CollectOptions): ReportData {
  const runDir = opts.run;
  const notes: ReportData['notes'] = {};

  const info = readJsonFile(path.join(runDir, RUN_FILE), RUN_INFO_FORMAT, 'run description');
  const summary = readJsonFile(path.join(runDir, 'summary.json'), TRAIN_SUMMARY_FORMAT, 'training summary');
  if (summary.problem) notes.summary = `No training summary: ${summary.problem} (the run may still be training).`;

  const metrics = readMetricsFile(path.join(runDir, 'metrics.jsonl'));
  if (metrics.problem) notes.curves = `No training curves: ${metrics.problem}.`;
  const isStandard = info.value?.standard ?? summary.value?.standard ?? false;

  let standard: Read<EpochPoint[]> | null = null;
  let standardSummary: TrainSummaryFile | null = null;
  if (opts.standardRun) {
    standard = readMetricsFile(path.join(opts.standardRun, 'metrics.jsonl'));
    standardSummary = readJsonFile(path.join(opts.standardRun, 'summary.json'), TRAIN_SUMMARY_FORMAT, 'training summary').value;
    if (standard.problem) notes.standard = `No standard-run curves: ${standard.problem}.`;
  } else if (!isStandard) {
    notes.standard = 'No standard run given (--standard-run DIR), so the curves show the modular run alone.';
  }

  let compared: ComparedRun[] | null = null;
  if (opts.compare?.length) {
    const read = collectComparedRuns([runDir, ...opts.compare], { meanOverSeeds: opts.meanOverSeeds });
    compared = read.runs;
    if (read.problems.length) notes.compare = `Left out: ${read.problems.join('; ')}.`;
  }

  const modulesRead = readJsonFile(path.join(runDir, 'modules', 'modules.json'), MODULES_FORMAT, 'modules file');
  let heatmap: KernelHeatmap | null = null;
  let overlap: ModuleOverlap | null = null;
  if (modulesRead.value) {
    heatmap = buildKernelHeatmap(
      modulesRead.value,
      convFiltersFromModelJson(path.join(runDir, MODEL_DIR, 'model.json')),
      info.value?.classNames,
    );
    overlap = moduleOverlap(modulesRead.value, heatmap);
    if (!heatmap.totalsSource)
      notes.heatmap =
        'The full kernel count of each layer is unknown (no layers in modules.json and no model/model.json), so cells show kept counts only.';
  } else {
    notes.modules = `No modules yet: ${modulesRead.problem} (run mwt modularize).`;
  }

  const cards = readModuleCards(path.join(runDir, 'modules'));
  if (cards.problems.length) notes.cards = `Skipped: ${cards.problems.join('; ')}.`;
  else if (cards.cards.length === 0 && modulesRead.value)
    notes.cards = `No module cards: no card.json in the module directories of ${path.join(runDir, 'modules')} (modularized before mwt wrote cards; run mwt modularize again).`;

  const sweep = readJsonFile(path.join(runDir, 'modules', 'sweep.json'), sweepFileSchema, 'threshold sweep');
  if (sweep.problem) notes.sweep = `No threshold sweep: ${sweep.problem}.`;

  const reuse: ReuseEntry[] = [];
  const reuseProblems: string[] = [];
  for (const target of reuseTargets(runDir, opts.reuse ?? [])) {
    const entry = readReuseEntry(target);
    if ('problem' in entry) reuseProblems.push(entry.problem);
    else reuse.push(entry);
  }
  if (reuseProblems.length) notes.reuse = `Skipped: ${reuseProblems.join('; ')}.`;
  else if (reuse.length === 0) notes.reuse = 'No reuse results (no RUN/reuse*/summary.json and no --reuse given).';

  const replace = readAll(opts.replace ?? [], readReplaceOutput);
  if (replace.note) notes.replace = replace.note;
  const compose = readAll(opts.compose ?? [], readComposeOutput);
  if (compose.note) notes.compose = compose.note;
  let repository: RepositoryListing | null = null;
  if (opts.repo != null) {
    const read = readRepository(opts.repo);
    repository = read.value;
    if (read.problem != null) notes.repository = `No repository listing: ${read.problem}.`;
  }

  return {
    generatedAt: new Date().toISOString(),
    run: { dir: runDir, name: path.basename(path.resolve(runDir)), info: info.value, summary: summary.value },
    curves: {
      run: metrics.value,
      runLabel: isStandard ? 'standard' : 'modular',
      standard: standard?.value ?? null,
      standardDir: opts.standardRun ?? null,
      standardSummary,
    },
    compared,
    modules: modulesRead.value ? withoutMasks(modulesRead.value) : null,
    heatmap,
    overlap,
    sweep: sweep.value,
    moduleCards: cards.cards,
    reuse,
    replace: replace.values,
    compose: compose.values,
    repository,
    notes,
  };
}
