/**
 * `mwt experiment grid --alpha 0.3,0.5,0.7,0.9 --beta 1.5 --seeds 0,1,2 --model M --dataset D
 * --data-dir DIR --epochs E --out OUT`: the paper's Figure 6, how the weights of the two mask
 * losses steer modular training. Every (alpha, beta, seed) of the grid is one run:
 *
 *   OUT/aA-bB-sS/   mwt train (modular) with --alpha A --beta B --seed S, then mwt modularize
 *                   at --threshold
 *   OUT/aA-bB-sS-reuse/  with --classes C: mwt reuse --classes C --epochs --reuse-epochs
 *   OUT/grid.json   per run: test accuracy, the last epoch's cohesion loss, coupling loss and
 *                   kernel rate, the modules' KRR, cohesion and coupling (with --classes, the
 *                   sub-task model's accuracy and FLOPs saved); per point (alpha, beta)
 *                   the mean, sd, min and max of each over the seeds; along each swept weight,
 *                   whether each figure's means rise, fall or neither
 *   OUT/grid.md     the same as Markdown
 *   OUT/report.html the grid on one page (mwt report --compare --mean-over-seeds): Figure 6's
 *                   per-epoch curves of both losses and the accuracy, one line per (alpha, beta),
 *                   the mean over its seeds, and the modules' figures
 *
 * Why: the paper draws Figure 6 from one 200-epoch run per setting. At a CPU's budgets the seed
 * moves a figure as much as a step of alpha does (docs/modular-training.md: accuracy about 2
 * points apart over three seeds on ResNet18), so a trend is read from the means over seeds, and
 * whether it holds is decided by the numbers, not by eye. A step already done with the same
 * settings is skipped; an interrupted training run continues.
 */
import * as path from 'node:path';
import type { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { InputError, parseOptions, UsageError } from '../errors.js';
import { checkWritableDir } from '../io/writable.js';
import { whileInUse } from '../io/in_use.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { EPOCH_METRICS_FORMAT, readFormat, readLines, REUSE_SUMMARY_FORMAT, TRAIN_SUMMARY_FORMAT } from '../io/formats.js';
import { loadModules } from '../modularize/run.js';
import { figureSpread, type FigureSpread } from '../stats/spread.js';
import { writeReport } from '../report/index.js';
import {
  checkClasses,
  modelSettingsText,
  modularizeStep,
  reuseStep,
  trainAndModularizeInPairs,
  trainInputOf,
  trainStep,
  type ExperimentRun,
} from './experiment_steps.js';
import { writeExperimentRecord } from './experiment_record.js';
import { experimentGridOptionsSchema } from './options.js';
import { resultSettings, type ResultSettings } from './result_settings.js';

export { experimentGridOptionsSchema, ALPHA_SWEEP, BETA_SWEEP } from './options.js';
export type ExperimentGridInput = z.input<typeof experimentGridOptionsSchema>;
export type ExperimentGridOptions = z.output<typeof experimentGridOptionsSchema>;

/**
 * The figures of Figure 6 (accuracy and the two losses) and of the modules cut from each run;
 * with --classes, then those of the sub-task model reused from each run (its accuracy after
 * fine-tuning, the share of the whole model's FLOPs it saves). A grid has the figures every one
 * of its runs has (`gridFigures`).
 */
export const GRID_FIGURES = [
  'accuracy',
  'cohesionLoss',
  'couplingLoss',
  'kernelRate',
  'kernelRetentionRate',
  'cohesion',
  'coupling',
  'reuseAccuracy',
  'flopReduction',
] as const;
export type GridFigure = (typeof GRID_FIGURES)[number];
type ReuseFigure = 'reuseAccuracy' | 'flopReduction';
/** A value per figure: every run has those of training and modules, only a grid with --classes the reuse ones. */
type PerFigure<T> = Record<Exclude<GridFigure, ReuseFigure>, T> & Partial<Record<ReuseFigure, T>>;

/** One run of the grid: its weights, its seed and its figures. */
export type GridRow = { alpha: number; beta: number; seed: number } & PerFigure<number>;

/** One (alpha, beta) of the grid: each figure its runs have, over its seeds. */
export interface GridPoint {
  alpha: number;
  beta: number;
  seeds: number[];
  spread: PerFigure<FigureSpread>;
}

/** The figures, in GRID_FIGURES' order, that every one of `holders` has. Pure. */
export function gridFigures(holders: Partial<Record<GridFigure, unknown>>[]): GridFigure[] {
  return GRID_FIGURES.filter((f) => holders.every((h) => h[f] != null));
}

export type Direction = 'rising' | 'falling' | 'neither';

/** Along one swept weight, the other held at `at`: each figure's means in the weight's order. */
export interface GridTrend {
  along: 'alpha' | 'beta';
  /** The value of the other weight. */
  at: number;
  /** The swept values, ascending. */
  values: number[];
  figures: PerFigure<TrendFigure>;
}

/** One figure along a swept weight. */
export interface TrendFigure {
  /** Its means, in ascending order of the weight. */
  means: number[];
  direction: Direction;
  /** The mean at the largest value less the mean at the smallest. */
  change: number;
  /**
   * The standard error of `change` from the seeds' spread (the line's pooled sample sd, times
   * sqrt(1/n + 1/n) of the two ends' seeds); null with fewer than two seeds at either end. A
   * change under two of these is inside what the seeds alone move.
   */
  changeSe: number | null;
}

export interface GridResult {
  formatVersion: 1;
  model: string;
  dataset: string;
  settings: ResultSettings<ExperimentGridOptions>;
  rows: GridRow[];
  points: GridPoint[];
  trends: GridTrend[];
  seconds: number;
}

export const GRID_FILE = 'grid.json';
export const GRID_MARKDOWN = 'grid.md';
export const GRID_REPORT = 'report.html';

/** A run's folder in OUT: a0.5-b1.5-s0. */
export function gridRunName(alpha: number, beta: number, seed: number): string {
  return `a${alpha}-b${beta}-s${seed}`;
}

/** One training run of the grid. */
export interface GridRun {
  alpha: number;
  beta: number;
  seed: number;
}

/** Every (alpha, beta, seed) of the grid, alpha slowest, seed fastest. Pure. */
export function gridRuns(alphas: number[], betas: number[], seeds: number[]): GridRun[] {
  return alphas.flatMap((alpha) => betas.flatMap((beta) => seeds.map((seed) => ({ alpha, beta, seed }))));
}

/** 'rising' when every step up the list is up, 'falling' when every one is down, else 'neither'. Pure. */
export function directionOf(means: number[]): Direction {
  const steps = means.slice(1).map((m, i) => m - means[i]!);
  if (steps.length === 0) return 'neither';
  if (steps.every((d) => d > 0)) return 'rising';
  if (steps.every((d) => d < 0)) return 'falling';
  return 'neither';
}

/** The rows grouped by (alpha, beta), in the order the rows first give them. Pure. */
export function gridPoints(rows: GridRow[]): GridPoint[] {
  const points: { alpha: number; beta: number; rows: GridRow[] }[] = [];
  for (const row of rows) {
    const point = points.find((p) => p.alpha === row.alpha && p.beta === row.beta);
    if (point) point.rows.push(row);
    else points.push({ alpha: row.alpha, beta: row.beta, rows: [row] });
  }
  return points.map((p) => ({
    alpha: p.alpha,
    beta: p.beta,
    seeds: p.rows.map((r) => r.seed),
    spread: Object.fromEntries(gridFigures(p.rows).map((f) => [f, figureSpread(p.rows.map((r) => r[f]!))])) as PerFigure<FigureSpread>,
  }));
}

/** A figure along a line of points (ascending in the swept weight): means, direction, change of the ends and its standard error. Pure. */
export function trendFigure(line: GridPoint[], f: GridFigure): TrendFigure {
  const spreadOf = (p: GridPoint) => {
    const spread = p.spread[f];
    if (spread == null) throw new Error(`trendFigure: the point alpha ${p.alpha}, beta ${p.beta} has no ${f}`);
    return spread;
  };
  const means = line.map((p) => spreadOf(p).mean);
  const [first, last] = [line[0]!, line.at(-1)!];
  const withSd = line.filter((p) => p.seeds.length > 1);
  // Pooled over the points with two seeds or more, each weighted by its degrees of freedom.
  const df = withSd.reduce((n, p) => n + p.seeds.length - 1, 0);
  const pooledSd = df > 0 ? Math.sqrt(withSd.reduce((v, p) => v + (p.seeds.length - 1) * spreadOf(p).sd ** 2, 0) / df) : null;
  const changeSe =
    pooledSd != null && first.seeds.length > 1 && last.seeds.length > 1
      ? pooledSd * Math.sqrt(1 / first.seeds.length + 1 / last.seeds.length)
      : null;
  return { means, direction: directionOf(means), change: means.at(-1)! - means[0]!, changeSe };
}

/**
 * Along each weight swept over two values or more, at each value of the other: each figure's
 * means in ascending order of the swept weight, their direction, and how far the ends are apart
 * against the seeds' spread. Pure.
 */
export function gridTrends(points: GridPoint[]): GridTrend[] {
  const trends: GridTrend[] = [];
  for (const [along, other] of [
    ['alpha', 'beta'],
    ['beta', 'alpha'],
  ] as const) {
    for (const at of [...new Set(points.map((p) => p[other]))]) {
      const line = points.filter((p) => p[other] === at).sort((a, b) => a[along] - b[along]);
      if (line.length < 2) continue;
      const figures = Object.fromEntries(
        gridFigures(line.map((p) => p.spread)).map((f) => [f, trendFigure(line, f)]),
      ) as PerFigure<TrendFigure>;
      trends.push({ along, at, values: line.map((p) => p[along]), figures });
    }
  }
  return trends;
}

const LABELS: Record<GridFigure, string> = {
  accuracy: 'accuracy',
  cohesionLoss: 'cohesion loss',
  couplingLoss: 'coupling loss',
  kernelRate: 'kernel rate',
  kernelRetentionRate: 'KRR',
  cohesion: 'cohesion',
  coupling: 'coupling',
  reuseAccuracy: 'reuse accuracy',
  flopReduction: 'FLOPs saved',
};
/** Read as percentages; the rest as numbers. */
const PERCENT = new Set<GridFigure>(['accuracy', 'kernelRate', 'kernelRetentionRate', 'reuseAccuracy', 'flopReduction']);

function formatFigure(f: GridFigure, x: number): string {
  return PERCENT.has(f) ? `${(x * 100).toFixed(2)}%` : x.toFixed(3);
}

/** A difference of two values of the figure: percentage points for the percentages. */
function formatDifference(f: GridFigure, d: number, signed: boolean): string {
  const rounded = PERCENT.has(f) ? (d * 100).toFixed(2) : d.toFixed(3);
  // A change that rounds to zero reads +0.00, whichever side of zero the float fell.
  const text = Number(rounded) === 0 ? rounded.replace('-', '') : rounded;
  return signed && !text.startsWith('-') ? `+${text}` : text;
}

/** 'rising (+3.20, se 1.54)': the direction, then the ends' change and its standard error. */
function formatTrendFigure(f: GridFigure, t: TrendFigure): string {
  const se = t.changeSe == null ? '' : `, se ${formatDifference(f, t.changeSe, false)}`;
  return `${t.direction} (${formatDifference(f, t.change, true)}${se})`;
}

/** Mean, with "± sd" over two seeds or more. */
function formatSpread(f: GridFigure, s: FigureSpread, seeds: number): string {
  if (seeds < 2) return formatFigure(f, s.mean);
  return `${formatFigure(f, s.mean)} ± ${formatDifference(f, s.sd, false)}`;
}

/** The result as Markdown: the points (means over seeds), the trends, then every run. */
export function formatGridMarkdown(r: GridResult): string {
  const s = r.settings;
  const figures = gridFigures(r.points.map((p) => p.spread));
  const header = ['alpha', 'beta', ...figures.map((f) => LABELS[f])];
  const rule = `|${header.map(() => '---:').join('|')}|`;
  const reuseText = figures.includes('reuseAccuracy')
    ? `; the sub-task model of classes ${s.classes?.join(',') ?? '?'} reused from each run (${s.reuseEpochs} fine-tuning epochs): its test accuracy and the share of the whole model's FLOPs it saves`
    : '';
  const seedsText = s.seeds.length > 1 ? `mean ± sample sd over seeds ${s.seeds.join(', ')}` : `seed ${s.seeds[0]}`;
  const lines = [
    `# ${modelSettingsText(r.model, s)} on ${r.dataset}: ${s.epochs} epochs, mask lr x${s.maskLrFactor}${s.limit != null ? `, ${s.limit} training images` : ''}, alpha ${s.alpha.join(', ')} x beta ${s.beta.join(', ')}`,
    '',
    `Test accuracy and the last epoch's training losses and kernel rate; KRR, cohesion and coupling of the modules at tau ${s.threshold}${reuseText}. ${seedsText[0]!.toUpperCase()}${seedsText.slice(1)}.`,
    '',
    `| ${header.join(' | ')} |`,
    rule,
    ...r.points.map((p) => `| ${p.alpha} | ${p.beta} | ${figures.map((f) => formatSpread(f, p.spread[f]!, p.seeds.length)).join(' | ')} |`),
  ];
  if (r.trends.length > 0) {
    lines.push(
      '',
      "Along each weight swept over two values or more: whether the mean of each figure rises, or falls, at every step up the weight; then the mean at its largest value less the mean at its smallest (percentage points for percentages), and with two seeds or more the standard error of that change from the seeds' spread (a change under two of them is inside what the seeds alone move).",
      '',
    );
    lines.push(`| along | at | ${figures.map((f) => LABELS[f]).join(' | ')} |`, `|---|---|${figures.map(() => '---').join('|')}|`);
    for (const t of r.trends) {
      const other = t.along === 'alpha' ? 'beta' : 'alpha';
      lines.push(
        `| ${t.along} ${t.values.join(', ')} | ${other} ${t.at} | ${figures.map((f) => formatTrendFigure(f, t.figures[f]!)).join(' | ')} |`,
      );
    }
  }
  if (s.seeds.length > 1) {
    lines.push(
      '',
      'Every run:',
      '',
      `| alpha | beta | seed | ${figures.map((f) => LABELS[f]).join(' | ')} |`,
      `|---:|---:|---:|${figures.map(() => '---:').join('|')}|`,
    );
    for (const row of r.rows)
      lines.push(`| ${row.alpha} | ${row.beta} | ${row.seed} | ${figures.map((f) => formatFigure(f, row[f]!)).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

/** The figures of one run, read back from what its training, modularizing and (with --classes) reuse wrote. */
function rowOf(run: GridRun, runDir: string, reuseDir: string | null): GridRow {
  const trained = readFormat(path.join(runDir, 'summary.json'), TRAIN_SUMMARY_FORMAT);
  const metricsFile = path.join(runDir, 'metrics.jsonl');
  const last = readLines(metricsFile, EPOCH_METRICS_FORMAT).at(-1);
  const epochFigure = (key: 'cohesionLoss' | 'couplingLoss' | 'kernelRate') => {
    const v = last?.[key];
    if (typeof v !== 'number')
      throw new InputError('out', `${metricsFile}: the last epoch records no ${LABELS[key]} (expected a modular run)`, metricsFile);
    return v;
  };
  const modules = loadModules(runDir);
  const reused = reuseDir != null ? readFormat(path.join(reuseDir, 'summary.json'), REUSE_SUMMARY_FORMAT) : null;
  return {
    ...run,
    accuracy: trained.testAccuracy,
    cohesionLoss: epochFigure('cohesionLoss'),
    couplingLoss: epochFigure('couplingLoss'),
    kernelRate: epochFigure('kernelRate'),
    kernelRetentionRate: modules.kernelRetentionRate,
    cohesion: modules.cohesion,
    coupling: modules.coupling,
    ...(reused != null ? { reuseAccuracy: reused.accuracy, flopReduction: reused.flopReduction } : {}),
  };
}

export interface GridHooks {
  /** Polled by training after every step; true stops it after a checkpoint (Ctrl-C), and a rerun continues. */
  shouldStop?: () => boolean;
}

export async function experimentGridCommand(input: ExperimentGridInput, log: Logger, hooks: GridHooks = {}): Promise<GridResult> {
  const opts = parseOptions(experimentGridOptionsSchema, input);
  // Checked before hours of training: two equal values would be one run under two names.
  for (const key of ['alpha', 'beta', 'seeds'] as const)
    if (new Set(opts[key]).size !== opts[key].length)
      throw new UsageError(`--${key}: expected distinct values, got ${opts[key].join(',')}`, { option: key });
  if (opts.classes != null) checkClasses(opts.dataset, opts.classes);
  checkWritableDir(opts.out, '--out');
  return whileInUse(opts.out, 'mwt experiment grid', () => runGrid(opts, log, hooks));
}

async function runGrid(opts: ExperimentGridOptions, log: Logger, hooks: GridHooks): Promise<GridResult> {
  const started = performance.now();
  writeExperimentRecord(opts.out, 'grid', opts);
  const points = gridRuns(opts.alpha, opts.beta, opts.seeds);
  const dirOf = (p: GridRun) => path.join(opts.out, gridRunName(p.alpha, p.beta, p.seed));
  const reuseDirOf = (p: GridRun) => (opts.classes != null ? `${dirOf(p)}-reuse` : null);
  const runs: ExperimentRun[] = points.map((p) => ({
    input: trainInputOf({ ...opts, alpha: p.alpha, beta: p.beta }, { out: dirOf(p), seed: p.seed, standard: false }),
    what: `grid: ${gridRunName(p.alpha, p.beta, p.seed)}`,
    logFile: `${dirOf(p)}.log`,
  }));
  if (opts.parallel) await trainAndModularizeInPairs(runs, opts.threshold, opts.backend, log, hooks.shouldStop);
  const rows: GridRow[] = [];
  for (const [i, p] of points.entries()) {
    const run = runs[i]!;
    await trainStep(run.input, run.what, log, hooks.shouldStop);
    await modularizeStep(dirOf(p), opts.threshold, opts.backend, run.what, log);
    const reuseDir = reuseDirOf(p);
    if (reuseDir != null) await reuseStep(dirOf(p), reuseDir, { ...opts, classes: opts.classes! }, run.what, log);
    rows.push(rowOf(p, dirOf(p), reuseDir));
  }

  const gridded = gridPoints(rows);
  const result: GridResult = {
    formatVersion: 1,
    model: opts.model,
    dataset: opts.dataset,
    settings: resultSettings(opts),
    rows,
    points: gridded,
    trends: gridTrends(gridded),
    seconds: (performance.now() - started) / 1000,
  };
  writeJsonAtomic(path.join(opts.out, GRID_FILE), result);
  writeFileAtomic(path.join(opts.out, GRID_MARKDOWN), formatGridMarkdown(result));
  const dirs = points.map(dirOf);
  const report = writeReport({ run: dirs[0]!, compare: dirs.slice(1), meanOverSeeds: true, out: path.join(opts.out, GRID_REPORT) });
  const moving = result.trends.map(
    (t) =>
      `along ${t.along} (${t.along === 'alpha' ? 'beta' : 'alpha'} ${t.at}): ${
        GRID_FIGURES.filter((f) => t.figures[f] != null && t.figures[f].direction !== 'neither')
          .map((f) => `${LABELS[f]} ${t.figures[f]!.direction}`)
          .join(', ') || 'no figure in order'
      }`,
  );
  log.info(
    `grid: ${rows.length} runs${moving.length > 0 ? `; ${moving.join('; ')}` : ''}; ${path.join(opts.out, GRID_MARKDOWN)}, report ${report.file}`,
  );
  if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  return result;
}
