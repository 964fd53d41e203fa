/**
 * Two training runs one after the other against the same two side by side (what `mwt experiment
 * trends --parallel` does with its modular and standard runs, and `mwt experiment seeds
 * --parallel` with two modular runs of two seeds: `--second modular`): wall time of each way, their
 * ratio, and a check that both ways train the same models (the final test accuracies and
 * weights must be equal: running beside another process changes the timing, not the arithmetic).
 * With `--sweep DIR` (a finished `mwt experiment trends` OUT: DIR/modular and DIR/standard), the
 * same for a sub-task sweep: `mwt experiment reuse` alone against `--parallel`, whose figures
 * must be equal too. With `--modularize RUN1,RUN2` (two finished training runs), the same for
 * cutting them into modules, what `mwt experiment grid --parallel` and `seeds --parallel` do after
 * training: two `mwt modularize` one after the other against side by side, on copies of the runs;
 * the modules must be equal to the byte.
 * Rewrites its part of the "## Two runs side by side" section of BENCHMARKS.md (one part per mode).
 *
 *   npx tsx scripts/bench_side_by_side.ts [--model rescnn] [--width 0.5] [--dataset fashion-mnist]
 *     [--data-dir data/fashion-mnist-sample] [--limit N] [--epochs 3] [--second standard|modular]
 *     [--repeats 3] [--out BENCHMARKS.md]
 *   npx tsx scripts/bench_side_by_side.ts --sweep DIR [--sizes 2-3] [--per-size 1] [--reuse-epochs 1] [--repeats 3]
 *   npx tsx scripts/bench_side_by_side.ts --modularize RUN1,RUN2 [--threshold 0.9] [--repeats 3]
 *
 * Each `mwt` command is a fresh process of the compiled CLI, on the backend it picks by default;
 * the two ways alternate, so a change in the machine's load falls on both.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mean } from 'mathjs';
import { median } from '../src/stats/median.js';
import { machineLine, measuredAt, writePart } from './benchmarks_md.js';

const HEADING = '## Two runs side by side';
const PART = '###';
const INTRO = `${HEADING}

Two \`mwt train\` runs one after the other, and the same two at once: what \`mwt experiment trends
--parallel\` (its modular and standard runs) and \`mwt experiment seeds --parallel\` (two seeds at a
time) do; and a sub-task sweep in one process and in two (\`mwt experiment reuse --parallel\`, which
\`mwt experiment trends --parallel\` runs too), and two runs cut into modules one after the other and
at once (\`mwt experiment grid --parallel\` and \`seeds --parallel\`). One process leaves cores idle between the many small
ops it dispatches one at a time; a second process fills them. The two ways alternate, so a change
in the machine's load falls on both, and what they compute must be the same to the byte.`;
const ROOT = path.resolve(import.meta.dirname, '..');
const MWT = path.join(ROOT, 'bin', 'mwt.js');

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback);
const settings = {
  model: option('--model', 'rescnn'),
  width: option('--width', '0.5'),
  dataset: option('--dataset', 'fashion-mnist'),
  dataDir: option('--data-dir', path.join(ROOT, 'data', 'fashion-mnist-sample')),
  limit: option('--limit', ''),
  epochs: option('--epochs', '3'),
  /** The second run: the standard one of the same seed (trends), or a modular one of seed 1 (seeds). */
  second: option('--second', 'standard'),
};
if (!['standard', 'modular'].includes(settings.second)) throw new Error(`--second: expected standard or modular, got ${settings.second}`);
/** --sweep: a sub-task sweep over the runs of a finished trends experiment, instead of training. */
const sweep = {
  dir: option('--sweep', ''),
  sizes: option('--sizes', '2-3'),
  perSize: option('--per-size', '1'),
  epochs: option('--reuse-epochs', '1'),
};
/** --modularize: two finished runs cut into modules, instead of training. */
const modularize = {
  runs: option('--modularize', '')
    .split(',')
    .filter((r) => r !== ''),
  threshold: option('--threshold', '0.9'),
};
if (modularize.runs.length !== 0 && modularize.runs.length !== 2)
  throw new Error(`--modularize: expected two run directories, comma-separated, got ${modularize.runs.join(',')}`);
const repeats = Number(option('--repeats', '3'));
const out = option('--out', path.join(ROOT, 'BENCHMARKS.md'));

/** The first run is modular with seed 0; the second is the standard run of seed 0 or the modular run of seed 1. */
function trainArgs(dir: string, second: boolean): string[] {
  const s = settings;
  const standard = second && s.second === 'standard';
  return [
    MWT,
    'train',
    ...['--model', s.model, '--width', s.width, '--dataset', s.dataset, '--data-dir', s.dataDir, '--epochs', s.epochs],
    ...(s.limit ? ['--limit', s.limit] : []),
    ...(standard ? ['--standard'] : []),
    ...(second && !standard ? ['--seed', '1'] : []),
    '--out',
    dir,
    '--quiet',
  ];
}

/** The sub-task sweep of --sweep, into `dir`, in one process or two. */
function sweepArgs(dir: string, parallel: boolean): string[] {
  return [
    MWT,
    'experiment',
    'reuse',
    ...['--run', path.join(sweep.dir, 'modular'), '--standard-run', path.join(sweep.dir, 'standard')],
    ...['--sizes', sweep.sizes, '--per-size', sweep.perSize, '--epochs', sweep.epochs],
    ...(parallel ? ['--parallel'] : []),
    '--out',
    dir,
    '--quiet',
  ];
}

function mwtOnce(args: string[], dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`mwt ${args[1]} ${dir} exited ${code}: ${err.trim().split('\n').pop()}`)),
    );
  });
}

const trainOnce = (dir: string, second: boolean) => mwtOnce(trainArgs(dir, second), dir);

/** `mwt modularize` of a copy of a --modularize run. */
const modularizeOnce = (dir: string) => mwtOnce([MWT, 'modularize', '--run', dir, '--threshold', modularize.threshold, '--quiet'], dir);

/** Copies of the --modularize runs into dir/first and dir/second: their model and files, no modules or checkpoints. */
function copyRuns(dir: string): string[] {
  return modularize.runs.map((run, i) => {
    const copy = path.join(dir, i === 0 ? 'first' : 'second');
    fs.cpSync(run, copy, { recursive: true, filter: (f) => !['modules', 'checkpoints'].includes(path.relative(run, f)) });
    return copy;
  });
}

/** Seconds to train the first and the second run (or to run the sweep), one way or the other. */
async function timeWay(way: 'sequential' | 'side by side', dir: string): Promise<number> {
  fs.rmSync(dir, { recursive: true, force: true });
  const copies = modularize.runs.length ? copyRuns(dir) : []; // before the clock starts
  const started = performance.now();
  if (sweep.dir) await mwtOnce(sweepArgs(dir, way === 'side by side'), dir);
  else if (copies.length) {
    if (way === 'sequential') for (const copy of copies) await modularizeOnce(copy);
    else await Promise.all(copies.map(modularizeOnce));
  } else if (way === 'sequential') {
    await trainOnce(path.join(dir, 'first'), false);
    await trainOnce(path.join(dir, 'second'), true);
  } else await Promise.all([trainOnce(path.join(dir, 'first'), false), trainOnce(path.join(dir, 'second'), true)]);
  return (performance.now() - started) / 1000;
}

/** What a sweep ended with: its sub-tasks' figures (less their times), the mean m-ACC, the backend. */
function sweepOutcome(dir: string): { figures: string; accuracy: string; backend: string; subtasks: number } {
  const result = JSON.parse(fs.readFileSync(path.join(dir, 'reuse.json'), 'utf8'));
  const subtasks = result.subtasks as { seconds: number; moduleAccuracy: number }[];
  return {
    figures: JSON.stringify(subtasks.map((t) => ({ ...t, seconds: 0 }))),
    accuracy: `${(mean(subtasks.map((t) => t.moduleAccuracy)) * 100).toFixed(2)}%`,
    backend: result.backend,
    subtasks: subtasks.length,
  };
}

/** What the modules of the two runs of a way are: their figures (less where and how long), the modules' weights. */
function modulesOutcome(dir: string): { figures: string; weights: Buffer[] } {
  const modulesDirs = ['first', 'second'].map((r) => path.join(dir, r, 'modules'));
  const figures = modulesDirs.map((m) => {
    const { run: _run, seconds: _seconds, timings: _timings, ...rest } = JSON.parse(fs.readFileSync(path.join(m, 'modules.json'), 'utf8'));
    return rest as { kernelRetentionRate: number; coupling: number };
  });
  const weights = modulesDirs.flatMap((m) =>
    fs
      .readdirSync(m)
      .filter((c) => fs.existsSync(path.join(m, c, 'weights.bin')))
      .sort()
      .map((c) => fs.readFileSync(path.join(m, c, 'weights.bin'))),
  );
  return { figures: JSON.stringify(figures), weights };
}

/** What the two runs of a way ended with: final test accuracies and the weights' bytes. */
function outcome(dir: string): { accuracy: string; backend: string; weights: Buffer[] } {
  const runs = ['first', 'second'].map((r) => path.join(dir, r));
  const summaries = runs.map((r) => JSON.parse(fs.readFileSync(path.join(r, 'summary.json'), 'utf8')));
  return {
    accuracy: summaries.map((s) => s.testAccuracy).join(' / '),
    backend: [...new Set(summaries.map((s) => s.backend))].join(', '),
    weights: runs.map((r) => fs.readFileSync(path.join(r, 'model', 'weights.bin'))),
  };
}

async function main() {
  spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-side-by-side-'));
  const times: Record<'sequential' | 'side by side', number[]> = { sequential: [], 'side by side': [] };
  const load = os.loadavg()[0]!;
  try {
    for (let r = 0; r < repeats; r++) {
      // Alternate which way goes first, so a drift in load does not favour one.
      const order = r % 2 === 0 ? (['sequential', 'side by side'] as const) : (['side by side', 'sequential'] as const);
      for (const way of order) {
        const t = await timeWay(way, path.join(tmp, way.replace(/ /g, '-')));
        times[way].push(t);
        process.stderr.write(`repeat ${r + 1}/${repeats}, ${way}: ${t.toFixed(1)} s\n`);
      }
    }
    const seq = median(times.sequential);
    const par = median(times['side by side']);
    const header = `${measuredAt()}, ${machineLine()},\nNode.js ${process.version}, load average ${load.toFixed(2)} before and ${os.loadavg()[0]!.toFixed(2)} after (one minute's);`;
    const table = (first: string, second: string) => [
      '| way | wall s (median) | every repeat |',
      '|---|---:|---|',
      `| ${first} | ${seq.toFixed(1)} | ${times.sequential.map((t) => t.toFixed(1)).join(', ')} |`,
      `| ${second} | ${par.toFixed(1)} | ${times['side by side'].map((t) => t.toFixed(1)).join(', ')} |`,
    ];
    if (sweep.dir) {
      const a = sweepOutcome(path.join(tmp, 'sequential'));
      const b = sweepOutcome(path.join(tmp, 'side-by-side'));
      if (a.figures !== b.figures) throw new Error('the two ways gave different sub-task figures');
      const command = `npx tsx scripts/bench_side_by_side.ts --sweep ${path.relative(ROOT, sweep.dir)} --sizes ${sweep.sizes} --per-size ${sweep.perSize} --reuse-epochs ${sweep.epochs} --repeats ${repeats}`;
      const heading = `${PART} A sub-task sweep (experiment reuse --parallel)`;
      const part = [
        heading,
        '',
        `\`${command}\`, ${header} ${a.subtasks} sub-tasks of the`,
        `runs in ${path.relative(ROOT, sweep.dir)}, ${sweep.epochs} fine-tuning epoch(s) each, each way a fresh \`mwt experiment reuse\` on its default backend (${a.backend}).`,
        '',
        ...table('one process', 'two processes (--parallel)'),
        '',
        `Two processes are **${(seq / par).toFixed(2)}x** the throughput. Both ways gave the same figures for every sub-task (mean m-ACC ${a.accuracy}).`,
        '',
      ].join('\n');
      writePart(out, HEADING, INTRO, heading, part);
      process.stderr.write(`${(seq / par).toFixed(2)}x; written to ${out}\n`);
      return;
    }
    if (modularize.runs.length) {
      const a = modulesOutcome(path.join(tmp, 'sequential'));
      const b = modulesOutcome(path.join(tmp, 'side-by-side'));
      if (a.figures !== b.figures || a.weights.length !== b.weights.length || !a.weights.every((w, i) => w.equals(b.weights[i]!)))
        throw new Error('the two ways cut different modules');
      const figures = JSON.parse(a.figures) as { kernelRetentionRate: number; coupling: number }[];
      const runs = modularize.runs.map((r) => path.relative(ROOT, r));
      const command = `npx tsx scripts/bench_side_by_side.ts --modularize ${runs.join(',')} --threshold ${modularize.threshold} --repeats ${repeats}`;
      const heading = `${PART} Cutting two runs into modules (experiment grid and seeds --parallel)`;
      const part = [
        heading,
        '',
        `\`${command}\`, ${header} two \`mwt modularize --threshold ${modularize.threshold}\` (kernels counted over each run's`,
        `training images, modules built with their cards), each a fresh process on its default backend, on copies of the runs.`,
        '',
        ...table('one after the other', 'side by side'),
        '',
        `Side by side is **${(seq / par).toFixed(2)}x** the throughput. Both ways cut the same modules (KRR ${figures.map((f) => `${(f.kernelRetentionRate * 100).toFixed(2)}%`).join(' / ')},`,
        `coupling ${figures.map((f) => f.coupling.toFixed(3)).join(' / ')}, and the same weights to the byte).`,
        '',
      ].join('\n');
      writePart(out, HEADING, INTRO, heading, part);
      process.stderr.write(`${(seq / par).toFixed(2)}x; written to ${out}\n`);
      return;
    }
    const a = outcome(path.join(tmp, 'sequential'));
    const b = outcome(path.join(tmp, 'side-by-side'));
    const same = a.accuracy === b.accuracy && a.weights.every((w, i) => w.equals(b.weights[i]!));
    if (!same) throw new Error(`the two ways trained different models: ${a.accuracy} against ${b.accuracy}`);
    const s = settings;
    const command = `npx tsx scripts/bench_side_by_side.ts --model ${s.model} --width ${s.width} --dataset ${s.dataset} --data-dir ${path.relative(ROOT, s.dataDir) || '.'}${s.limit ? ` --limit ${s.limit}` : ''} --epochs ${s.epochs} --second ${s.second} --repeats ${repeats}`;
    const pair =
      s.second === 'standard'
        ? { heading: `${PART} A modular and a standard run (experiment trends --parallel)`, runs: 'modular / standard' }
        : { heading: `${PART} Two modular runs, seeds 0 and 1 (experiment seeds --parallel)`, runs: 'seed 0 / seed 1' };
    const part = [
      pair.heading,
      '',
      `\`${command}\`, ${header} ${s.model} width ${s.width},`,
      `${s.epochs} epochs a run, each run a fresh \`mwt train\` process on its default backend (${a.backend}).`,
      '',
      ...table('one after the other', 'side by side'),
      '',
      `Side by side is **${(seq / par).toFixed(2)}x** the throughput. Both ways trained the same models (final test accuracy ${a.accuracy},`,
      `${pair.runs}, and the same weights to the byte).`,
      '',
    ].join('\n');
    writePart(out, HEADING, INTRO, pair.heading, part);
    process.stderr.write(`${(seq / par).toFixed(2)}x; written to ${out}\n`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
