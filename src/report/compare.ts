/**
 * Runs compared on one page (`mwt report --compare DIR...`), laid out like Figure 6 of the MwT
 * paper: the per-epoch curves of several runs that differ in a setting or two (alpha, beta, the
 * seed, the model), each line named by the settings that tell it from the others, and their
 * modules' figures side by side.
 */
import * as path from 'node:path';
import { mean } from 'mathjs';
import { MODULES_FORMAT, RUN_INFO_FORMAT } from '../io/formats.js';
import { recordedSettings, RUN_FILE } from '../train/run_info.js';
import { readJsonFile, readMetricsFile, type EpochPoint, type Read } from './read_files.js';

/** The training settings that can tell runs apart, in the order a label names them. */
export const COMPARED_SETTINGS = [
  'model',
  'dataset',
  'width',
  'limit',
  'epochs',
  'batchSize',
  'lr',
  'standard',
  'alpha',
  'beta',
  'maskLrFactor',
  'maskLossMean',
  'weightDecay',
  'maskWeightDecay',
  'classifierInit',
  'seed',
] as const;

export interface ComparedRun {
  dir: string;
  /** The run directory's name, with as many parent folders as tell the compared runs apart. */
  name: string;
  /** The settings that differ between the compared runs ("alpha 0.3, beta 1.5"), else the name. */
  label: string;
  settings: Record<string, unknown>;
  metrics: EpochPoint[];
  /** modules.json's figures, when the run was modularized. */
  modules: { threshold: number; kernelRetentionRate: number; cohesion: number; coupling: number } | null;
  /** When the line stands for several runs that differ only in their seed (meanOverSeeds): their seeds. */
  seeds?: number[];
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function settingText(key: string, value: unknown): string {
  if (key === 'standard') return value === true ? 'standard' : 'modular';
  return `${kebab(key)} ${value === undefined ? 'unrecorded' : String(value)}`;
}

/**
 * One label per run: the settings whose recorded values differ between the runs, in
 * COMPARED_SETTINGS order. A setting a run did not record (the classifier init before
 * 2026-12-05) cannot tell it apart, so it names runs only where the recorded values differ.
 * Runs that share all of them (another CPU, a copy) are told apart by their directory names.
 */
export function comparisonLabels(settings: Record<string, unknown>[], names: string[]): string[] {
  const recorded = (key: string) => settings.map((s) => s[key]).filter((v) => v !== undefined);
  const differing = COMPARED_SETTINGS.filter((key) => new Set(recorded(key).map((v) => JSON.stringify(v))).size > 1);
  const labels = settings.map((s) => differing.map((key) => settingText(key, s[key])).join(', '));
  return labels.map((label, i) => {
    const shared = labels.filter((l) => l === label).length > 1;
    if (label === '') return names[i]!;
    return shared ? `${label} (${names[i]})` : label;
  });
}

type RunRead = Omit<ComparedRun, 'label'>;

/**
 * The shortest path endings that tell the directories apart: `a1-b1.5-s0` for a grid's runs,
 * `trends-s0/modular` and `trends-s1/modular` for runs that `mwt experiment trends` put in
 * same-named folders, where the base names alone would read "modular, modular". Pure.
 */
export function distinctNames(dirs: string[]): string[] {
  const parts = dirs.map((d) =>
    path
      .resolve(d)
      .split(path.sep)
      .filter((p) => p !== ''),
  );
  const distinct = new Set(parts.map((p) => p.join('/'))).size;
  const longest = Math.max(1, ...parts.map((p) => p.length));
  for (let depth = 1; ; depth++) {
    const names = parts.map((p) => p.slice(-depth).join('/'));
    if (new Set(names).size === distinct || depth >= longest) return names;
  }
}

/** A run's settings, curves and module figures; a problem when it has no run.json or no epochs. */
export function readComparedRun(dir: string): Read<RunRead> {
  const info = readJsonFile(path.join(dir, RUN_FILE), RUN_INFO_FORMAT, 'run description');
  if (info.problem != null) return { value: null, problem: `${info.problem} (expected a run directory written by mwt train)` };
  const metrics = readMetricsFile(path.join(dir, 'metrics.jsonl'));
  if (metrics.problem != null) return { value: null, problem: metrics.problem };
  const modules = readJsonFile(path.join(dir, 'modules', 'modules.json'), MODULES_FORMAT, 'modules file').value;
  const options = info.value.options;
  return {
    value: {
      dir,
      name: path.basename(path.resolve(dir)),
      settings: { ...recordedSettings(options), model: options.model ?? info.value.spec.name, standard: info.value.standard },
      metrics: metrics.value,
      modules: modules
        ? {
            threshold: modules.threshold,
            kernelRetentionRate: modules.kernelRetentionRate,
            cohesion: modules.cohesion,
            coupling: modules.coupling,
          }
        : null,
    },
  };
}

/** At each epoch every run reached, the mean of each measure every run recorded there. Pure. */
function meanCurve(curves: EpochPoint[][]): EpochPoint[] {
  const points: EpochPoint[] = [];
  for (const first of curves[0]!) {
    const atEpoch = curves.map((c) => c.find((m) => m.epoch === first.epoch) as Record<string, unknown> | undefined);
    if (atEpoch.some((m) => m == null)) break;
    const everyRun = (k: string) => atEpoch.every((m) => typeof m![k] === 'number' && Number.isFinite(m![k]));
    // A measure some runs lack is left out, not shown as the mean of the others.
    const entries = Object.entries(first).flatMap(([k, v]) =>
      everyRun(k) ? [[k, mean(atEpoch.map((m) => m![k] as number))]] : typeof v === 'number' ? [] : [[k, v]],
    );
    points.push(Object.fromEntries(entries) as EpochPoint);
  }
  return points;
}

/**
 * Runs that differ only in their seed, drawn as one line (`mwt report --mean-over-seeds`, the
 * report of `mwt experiment grid`): at each epoch all of them reached, the mean of each measure;
 * the modules' figures averaged when every run has modules at one threshold. Why: at a CPU's
 * budgets the seed moves a curve as much as a step of alpha does, and a line per seed hides the
 * trend Figure 6 draws. A run without a seed-mate stays as it is. Pure.
 */
export function meanOverSeeds(runs: RunRead[]): RunRead[] {
  const keyOf = (r: RunRead) => JSON.stringify(COMPARED_SETTINGS.filter((k) => k !== 'seed').map((k) => r.settings[k] ?? null));
  const groups = new Map<string, RunRead[]>();
  for (const r of runs) groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r]);
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0]!;
    const first = group[0]!;
    const modules = group.map((r) => r.modules);
    const sameThreshold = modules.every((m) => m != null && m.threshold === modules[0]!.threshold);
    const { seed: _seed, ...settings } = first.settings;
    return {
      dir: first.dir,
      name: group.map((r) => r.name).join(', '),
      settings,
      metrics: meanCurve(group.map((r) => r.metrics)),
      modules: sameThreshold
        ? {
            threshold: modules[0]!.threshold,
            kernelRetentionRate: mean(modules.map((m) => m!.kernelRetentionRate)),
            cohesion: mean(modules.map((m) => m!.cohesion)),
            coupling: mean(modules.map((m) => m!.coupling)),
          }
        : null,
      seeds: group.map((r) => r.settings.seed as number),
    };
  });
}

/**
 * Reads every run, the report's own first; the ones that cannot be read are left out and named.
 * With `meanOverSeeds`, runs that differ only in their seed become one line, their mean.
 */
export function collectComparedRuns(dirs: string[], opts: { meanOverSeeds?: boolean } = {}): { runs: ComparedRun[]; problems: string[] } {
  const read = dirs.map(readComparedRun);
  const problems = read.flatMap((r) => (r.problem != null ? [r.problem] : []));
  const readable = read.flatMap((r) => (r.value ? [r.value] : []));
  const names = distinctNames(readable.map((r) => r.dir));
  const each = readable.map((r, i) => ({ ...r, name: names[i]! }));
  const runs = opts.meanOverSeeds ? meanOverSeeds(each) : each;
  const labels = comparisonLabels(
    runs.map((r) => r.settings),
    runs.map((r) => r.name),
  );
  const meanOf = (r: RunRead) => (r.seeds ? ` (mean of seeds ${r.seeds.join(', ')})` : '');
  return { runs: runs.map((r, i) => ({ ...r, label: labels[i]! + meanOf(r) })), problems };
}

/** The value of `key` at the run's last epoch that has it. */
export function lastValue(metrics: EpochPoint[], key: string): number | null {
  for (let i = metrics.length - 1; i >= 0; i--) {
    const v = (metrics[i] as Record<string, unknown>)[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}
