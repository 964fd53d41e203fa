/**
 * `npm run bench [-- --models vgg16,resnet18 --widths 1,0.25 --batch-sizes 64,128 --steps 5
 *   --warmup 2 --backends tensorflow,wasm --no-torch --threads N --workers R --out BENCHMARKS.md
 *   --no-profile --no-variants]`
 *
 * Every backend given (default: tensorflow when `mwt setup tensorflow` has built it, and wasm),
 * and PyTorch (scripts/bench_torch.py under Debian's python3, when it imports torch) on the same
 * models and widths, in the same run, so the ratios compare like with like on this machine.
 *
 * Training throughput of the zoo on this machine, by default with the cores used as `mwt train`
 * uses them (src/train/parallel/parallelism.ts): for every model x width x batch size, the median images/s
 * of standard and of modular training steps, each measured in a fresh child process (so peak RSS
 * is per configuration and no configuration inherits another's heap), plus a per-kernel profile of
 * one modular VGG16 step and, for modular VGG16 / ResNet18, the ways of running a step (direct
 * convs vs Winograd, one thread, threaded wasm, data-parallel workers). Rewrites the "## Training
 * throughput" section of BENCHMARKS.md (other sections are kept).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MODEL_NAMES } from '../models/registry.js';
import type { ThroughputOptions } from '../src/bench/throughput.js';
import { measuredAt, replaceSection } from './benchmarks_md.js';
import { readBuildInfo } from '../src/engine/tensorflow_native.js';
import { describeMachine, formatCpu } from '../src/engine/machine.js';

const SECTION = '## Training throughput';
const require = createRequire(import.meta.url);
const scriptPath = fileURLToPath(import.meta.url);
const repoRoot = path.resolve(path.dirname(scriptPath), '..');

/** The PyTorch reference: Debian's python3 (python3-torch), not whatever python is first on PATH. */
const TORCH_PYTHON = process.env.MWT_TORCH_PYTHON ?? '/usr/bin/python3';
/** Zoo models bench_torch.py has a PyTorch twin of (all four, at any width). */
const TORCH_MODELS: readonly string[] = MODEL_NAMES;

interface Args {
  models: string[];
  widths: number[];
  batchSizes: number[];
  steps: number;
  warmup: number;
  /** null: as `mwt train` chooses (src/train/parallel/parallelism.ts). */
  threads: number | null;
  workers: number | null;
  out: string;
  backends: string[];
  /** Also time PyTorch on the same models and widths. */
  torch: boolean;
  profile: boolean;
  /** Also measure modular VGG16/ResNet18 (width 1, batch 64) with direct convs, 1 and 2 threads, 2 workers. */
  variants: boolean;
}

/** One measurement, run in a child process of its own: what measureThroughput takes, plus how. */
interface ChildJob extends Pick<ThroughputOptions, 'model' | 'width' | 'batchSize' | 'form' | 'steps' | 'warmup'> {
  kind: 'throughput' | 'profile';
  backend: string;
  threads: number | null;
  workers: number | null;
  /** false: XNNPACK's direct convs only (MWT_WINOGRAD=0). */
  winograd?: boolean;
}

interface ThroughputRow {
  model: string;
  width: number;
  batchSize: number;
  form: 'standard' | 'modular';
  imagesPerSecond: number;
  medianStepMs: number;
  stepMs: number[];
  cpuMsPerStep: number | null;
  busiestThreadCpuMsPerStep: number | null;
  peakRssMiB: number;
  backend: string;
  threads: number;
  workers: number;
  winograd: boolean;
}

interface Failure {
  backend: string;
  model: string;
  width: number;
  batchSize: number;
  form: 'standard' | 'modular';
  error: string;
}

interface ProfileRow {
  wallMs: number;
  outsideKernelsMs: number;
  steps: number;
  kernels: { kernel: string; calls: number; selfMs: number; totalMs: number }[];
  backend: string;
  threads: number;
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function listOf<T>(flag: string, text: string, parse: (s: string) => T | null): T[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const values = items.map(parse);
  const bad = items.find((_, i) => values[i] == null);
  if (bad != null || items.length === 0) fail(`${flag}: cannot read '${text}'`);
  return values as T[];
}

/** tensorflow where it is built, and wasm. */
function defaultBackends(): string[] {
  return readBuildInfo() != null ? ['tensorflow', 'wasm'] : ['wasm'];
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    models: [...MODEL_NAMES],
    widths: [1, 0.25],
    batchSizes: [64, 128],
    steps: 5,
    warmup: 2,
    threads: null,
    workers: null,
    out: 'BENCHMARKS.md',
    backends: defaultBackends(),
    torch: true,
    profile: true,
    variants: true,
  };
  const positiveInt = (s: string) => (/^\d+$/.test(s) && Number(s) > 0 ? Number(s) : null);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i] ?? fail(`${flag}: missing value`);
    switch (flag) {
      case '--models':
        args.models = listOf(flag, value(), (s) => ((MODEL_NAMES as readonly string[]).includes(s) ? s : null));
        break;
      case '--widths':
        args.widths = listOf(flag, value(), (s) => (Number(s) > 0 ? Number(s) : null));
        break;
      case '--batch-sizes':
        args.batchSizes = listOf(flag, value(), positiveInt);
        break;
      case '--steps':
        args.steps = positiveInt(value()) ?? fail('--steps: expected a positive integer');
        break;
      case '--warmup':
        args.warmup = /^\d+$/.test(argv[i + 1] ?? '') ? Number(value()) : fail('--warmup: expected an integer >= 0');
        break;
      case '--threads':
        args.threads = positiveInt(value()) ?? fail('--threads: expected a positive integer');
        break;
      case '--workers':
        args.workers = positiveInt(value()) ?? fail('--workers: expected a positive integer');
        break;
      case '--out':
        args.out = value();
        break;
      case '--backends':
        args.backends = listOf(flag, value(), (s) => (s === 'tensorflow' || s === 'wasm' || s === 'cpu' ? s : null));
        break;
      case '--no-torch':
        args.torch = false;
        break;
      case '--no-profile':
        args.profile = false;
        break;
      case '--no-variants':
        args.variants = false;
        break;
      default:
        fail(
          `unknown option '${flag}' (expected --models, --widths, --batch-sizes, --steps, --warmup, --backends, --no-torch, --threads, --workers, --out, --no-profile, --no-variants)`,
        );
    }
  }
  return args;
}

// ---------------------------------------------------------------- child: one measurement

async function runChild(job: ChildJob): Promise<void> {
  const { initTrainingBackend } = await import('../src/train/parallel/parallelism.js');
  const { measureThroughput, profileTrainStep } = await import('../src/bench/throughput.js');
  // The same choice as `mwt train` unless the job says otherwise.
  const { backend, workers, threads } = await initTrainingBackend({
    backend: job.backend,
    threads: job.threads ?? undefined,
    workers: job.workers ?? undefined,
    batchSize: job.batchSize,
  });
  const opts = { model: job.model, width: job.width, batchSize: job.batchSize, form: job.form, steps: job.steps, warmup: job.warmup };
  if (job.kind === 'throughput') {
    const t = await measureThroughput({ ...opts, replicas: workers });
    // maxRSS covers the whole process, worker threads included.
    const row: ThroughputRow = {
      ...opts,
      imagesPerSecond: t.imagesPerSecond,
      medianStepMs: t.medianStepMs,
      stepMs: t.stepMs,
      cpuMsPerStep: t.cpuMsPerStep,
      busiestThreadCpuMsPerStep: t.busiestThreadCpuMsPerStep,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      backend,
      threads,
      workers,
      winograd: job.winograd !== false,
    };
    process.stdout.write(JSON.stringify(row) + '\n');
  } else {
    const p = await profileTrainStep({ ...opts, clock: 'wall' });
    const row: ProfileRow = {
      wallMs: p.wallMs,
      outsideKernelsMs: p.outsideKernelsMs,
      steps: job.steps,
      kernels: p.kernels,
      backend,
      threads,
    };
    process.stdout.write(JSON.stringify(row) + '\n');
  }
}

/**
 * A configuration gets this long before it is killed. The threaded wasm build does not abort
 * when its 4 GiB heap is full (the single-threaded one does): it spins forever.
 */
const CHILD_TIMEOUT_MS = 5 * 60 * 1000;

/** Runs one job in a child process; its result, or why it failed (last line of its stderr). */
function spawnJob<T>(job: ChildJob): T | { error: string } {
  const res = spawnSync(process.execPath, [...process.execArgv, scriptPath, '--child', JSON.stringify(job)], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    timeout: CHILD_TIMEOUT_MS,
    env: job.winograd === false ? { ...process.env, MWT_WINOGRAD: '0' } : process.env,
  });
  const line = (res.stdout ?? '')
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (res.status === 0 && line != null) return JSON.parse(line) as T;
  if (res.signal != null) return { error: `killed after ${CHILD_TIMEOUT_MS / 60000} min (${res.signal}); likely out of wasm memory` };
  const why =
    (res.stderr ?? '')
      .trim()
      .split('\n')
      .filter((l) => l.trim() && !l.includes('npm warn'))
      .pop() ?? `exit ${res.status}`;
  // Emscripten aborts (no message) when the 4 GiB wasm32 heap cannot grow any further.
  return { error: /^Aborted\(/.test(why) || /Aborted\(\)/.test(why) ? 'out of wasm memory (4 GiB heap limit)' : why.slice(0, 160) };
}

const failed = (r: unknown): r is { error: string } => typeof r === 'object' && r != null && 'error' in r;

// ---------------------------------------------------------------- report

function version(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** One PyTorch measurement (scripts/bench_torch.py): our row's fields, less the busiest-thread estimate. */
interface TorchRow extends Omit<ThroughputRow, 'busiestThreadCpuMsPerStep'> {
  backend: string;
  threads: number;
}

function renderSection(
  args: Args,
  rows: ThroughputRow[],
  failures: Failure[],
  variants: ThroughputRow[],
  profiles: ProfileRow[],
  torch: TorchRow[],
  torchNote: string | null,
  meta: { command: string; started: Date; seconds: number; loadBefore: number[]; loadAfter: number[] },
): string {
  const byKey = new Map(rows.map((r) => [`${r.backend}|${r.model}|${r.width}|${r.batchSize}|${r.form}`, r]));
  const out: string[] = [SECTION, ''];
  out.push(`Measured ${measuredAt(meta.started)} with \`${meta.command}\` (${(meta.seconds / 60).toFixed(1)} min).`);
  out.push('');
  out.push(
    `- Machine: ${formatCpu(describeMachine())} (\`lscpu | grep 'Model name'\`), ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; tfjs-core ${version('@tensorflow/tfjs-core')}, tfjs-backend-wasm ${version('@tensorflow/tfjs-backend-wasm')}${args.backends.includes('tensorflow') ? `, tensorflow: tfjs-node ${readBuildInfo()?.tfjsNode ?? '?'} on TensorFlow ${readBuildInfo()?.tensorflow ?? '?'} (\`mwt setup tensorflow\`, oneDNN on)` : ''}.`,
  );
  out.push(
    `- Backends: ${args.backends.join(', ')}, each used as \`mwt train\` uses it by default (wasm: data-parallel replicas or threads, src/train/parallel/parallelism.ts; tensorflow: one process, its kernels on every core)${torch.length ? `; ${torch[0]!.backend} (${torch[0]!.threads} threads, scripts/bench_torch.py: the zoo's models built as the published MwT code builds them, with mask generators and the cohesion/coupling loss)` : ''}. Load average before/after: ${meta.loadBefore.map(f2).join(' ')} / ${meta.loadAfter.map(f2).join(' ')} (the machine is shared; anything well above 0 slows these numbers down).`,
  );
  if (torchNote) out.push(`- PyTorch: ${torchNote}`);
  out.push(
    `- Method: one full training step = forward, cross-entropy (+ cohesion/coupling for modular), backward, SGD-momentum update, 32x32x3 random inputs, 10 classes. Median of ${args.steps} timed steps after ${args.warmup} warm-up steps; every configuration runs in its own process; peak RSS is that process's maximum resident set.`,
  );
  out.push('');
  const setup = (r: ThroughputRow | undefined) =>
    r == null
      ? '-'
      : `${r.backend}, ${r.workers > 1 ? `${r.workers} workers x ${r.threads} thread` : `${r.threads} thread${r.threads > 1 ? 's' : ''}`}${r.backend === 'wasm' && !r.winograd ? ', direct convs' : ''}`;
  const estimate = (r: ThroughputRow) => (r.busiestThreadCpuMsPerStep ? f1((r.batchSize * 1000) / r.busiestThreadCpuMsPerStep) : '-');
  const header = [
    'model',
    'width',
    'batch',
    'setup',
    'standard img/s',
    'modular img/s',
    'modular/standard time',
    'idle-core estimate std / mod img/s',
    'peak RSS std / mod (MiB)',
  ];
  const body: string[][] = [];
  for (const model of args.models) {
    for (const width of args.widths) {
      for (const batch of args.batchSizes) {
        for (const backend of args.backends) {
          const s = byKey.get(`${backend}|${model}|${width}|${batch}|standard`);
          const m = byKey.get(`${backend}|${model}|${width}|${batch}|modular`);
          if (!s || !m) {
            const why = failures.filter((f) => f.backend === backend && f.model === model && f.width === width && f.batchSize === batch);
            if (why.length > 0)
              body.push([
                model,
                String(width),
                String(batch),
                setup(s ?? m) === '-' ? backend : setup(s ?? m),
                s ? f1(s.imagesPerSecond) : 'failed',
                m ? f1(m.imagesPerSecond) : 'failed',
                '-',
                '-',
                why.map((f) => `${f.form}: ${f.error}`).join('; '),
              ]);
            continue;
          }
          body.push([
            model,
            String(width),
            String(batch),
            setup(s),
            f1(s.imagesPerSecond),
            f1(m.imagesPerSecond),
            f2(m.medianStepMs / s.medianStepMs),
            `${estimate(s)} / ${estimate(m)}`,
            `${s.peakRssMiB.toFixed(0)} / ${m.peakRssMiB.toFixed(0)}`,
          ]);
        }
        const ts = torch.find((r) => r.model === model && r.width === width && r.batchSize === batch && r.form === 'standard');
        const tm = torch.find((r) => r.model === model && r.width === width && r.batchSize === batch && r.form === 'modular');
        if (ts && tm)
          body.push([
            model,
            String(width),
            String(batch),
            `${ts.backend}, ${ts.threads} threads`,
            f1(ts.imagesPerSecond),
            f1(tm.imagesPerSecond),
            f2(tm.medianStepMs / ts.medianStepMs),
            '-',
            '-',
          ]);
      }
    }
  }
  out.push(table(header, body));
  out.push(
    '',
    '"idle-core estimate": batch / CPU time of the busiest thread per step (Linux /proc accounting), i.e. the rate with the cores to ourselves and no waiting between threads. It is an estimate, not a measurement; it shows what the wall-clock columns lose to the other jobs on this shared machine.',
  );
  // Side by side: the ratios the issue asks for, from this run only.
  const sideRows: string[][] = [];
  for (const model of TORCH_MODELS.filter((m) => args.models.includes(m))) {
    for (const width of args.widths)
      for (const batch of args.batchSizes) {
        const tfm = byKey.get(`tensorflow|${model}|${width}|${batch}|modular`);
        const tfs = byKey.get(`tensorflow|${model}|${width}|${batch}|standard`);
        const wm = byKey.get(`wasm|${model}|${width}|${batch}|modular`);
        const pm = torch.find((r) => r.model === model && r.width === width && r.batchSize === batch && r.form === 'modular');
        if (!tfm && !wm) continue;
        const ratio = (a: { imagesPerSecond: number } | undefined, b: { imagesPerSecond: number } | undefined) =>
          a && b ? f2(a.imagesPerSecond / b.imagesPerSecond) : '-';
        const cpuS = (r: { cpuMsPerStep: number | null } | undefined) => (r?.cpuMsPerStep != null ? f2(r.cpuMsPerStep / 1000) : '-');
        sideRows.push([
          model,
          String(width),
          String(batch),
          tfm ? f1(tfm.imagesPerSecond) : '-',
          wm ? f1(wm.imagesPerSecond) : '-',
          pm ? f1(pm.imagesPerSecond) : '-',
          ratio(tfm, wm),
          ratio(tfm, pm),
          tfm && tfs ? f2(tfm.medianStepMs / tfs.medianStepMs) : '-',
          `${cpuS(tfm)} / ${cpuS(wm)} / ${cpuS(pm)}`,
        ]);
      }
  }
  if (sideRows.length > 0) {
    out.push('', 'Modular training side by side (this run):', '');
    out.push(
      table(
        [
          'model',
          'width',
          'batch',
          'tensorflow img/s',
          'wasm img/s',
          'PyTorch img/s',
          'tensorflow / wasm',
          'tensorflow / PyTorch',
          'tensorflow modular/standard time',
          'CPU s/step tensorflow / wasm / PyTorch',
        ],
        sideRows,
      ),
    );
    out.push(
      '',
      "CPU s/step: the process's CPU time (all threads) per step, median. On a machine shared with other jobs it moves much less with the load than wall time does; wall time stays the measure of speed.",
    );
  }
  if (variants.length > 0) {
    out.push(
      '',
      'Ways to run a step on wasm (modular, width 1, batch 64). "direct convs": XNNPACK\'s convolutions only (`MWT_WINOGRAD=0`); otherwise 3x3 convs run as Winograd F(2x2,3x3) where it measured faster (src/engine/conv_winograd_wasm.ts). "2 threads": the threaded wasm build, every XNNPACK kernel split over two threads (`--threads 2`). "2 workers": data-parallel replicas, main thread + 1 worker thread, half the batch each, synchronised batch norm, masks gathered for the cohesion/coupling losses, gradients summed (`--workers 2`, `DataParallelTrainer`); the result equals single-process training up to float rounding.',
      '',
    );
    const vrows = variants.map((r) => [
      r.model,
      setup(r),
      f1(r.imagesPerSecond),
      r.cpuMsPerStep != null ? f2(r.cpuMsPerStep / 1000) : '-',
      r.busiestThreadCpuMsPerStep != null ? f2(r.busiestThreadCpuMsPerStep / 1000) : '-',
      estimate(r),
    ]);
    out.push(
      table(
        ['model', 'setup', 'measured img/s', 'CPU s/step (all threads)', 'CPU s/step (busiest thread)', 'idle-core estimate img/s'],
        vrows,
      ),
    );
  }
  for (const profile of profiles) {
    const perStep = (ms: number) => ms / profile.steps;
    const step = perStep(profile.wallMs);
    out.push(
      '',
      `Where the time goes: one modular VGG16 step (width 1, batch 64), ${f1(step)} ms wall on ${profile.backend}${profile.backend === 'wasm' ? ` with ${profile.threads} thread(s)` : ''}, averaged over ${profile.steps} steps (one replica's kernels). "Self" excludes kernels run inside a kernel (on wasm our conv kernels run Winograd matmuls and tile transforms inside themselves, so their "total" is the whole conv).`,
      '',
    );
    const rows2 = profile.kernels
      .filter((k) => perStep(k.totalMs) >= 0.5)
      .slice(0, 20)
      .map((k) => [
        k.kernel,
        String(Math.round(k.calls / profile.steps)),
        f1(perStep(k.selfMs)),
        f1(perStep(k.totalMs)),
        `${((100 * perStep(k.selfMs)) / step).toFixed(1)}%`,
      ]);
    rows2.push([
      '(outside kernels: autodiff, JS)',
      '',
      f1(perStep(profile.outsideKernelsMs)),
      '',
      `${((100 * perStep(profile.outsideKernelsMs)) / step).toFixed(1)}%`,
    ]);
    out.push(table(['kernel', 'calls', 'self ms', 'total ms', 'self share'], rows2));
  }
  return out.join('\n') + '\n';
}

/**
 * PyTorch on one model, width and batch size, or why not: its rows, or a note (then it is not
 * tried again). Runs with as many threads as there are cores, as our backends use them.
 */
function runTorch(
  args: Args,
  model: string,
  width: number,
  batchSize: number,
  log: (s: string) => void,
): { rows: TorchRow[]; note: string | null } {
  if (!args.torch) return { rows: [], note: null };
  const probe = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { rows: [], note: `not run: ${TORCH_PYTHON} cannot import torch (apt-get install python3-torch)` };
  const cmd = [
    path.join(repoRoot, 'scripts', 'bench_torch.py'),
    '--models',
    model,
    '--widths',
    String(width),
    '--batch-sizes',
    String(batchSize),
    '--steps',
    String(args.steps),
    '--warmup',
    String(args.warmup),
    '--threads',
    String(os.availableParallelism()),
  ];
  log(`PyTorch: ${TORCH_PYTHON} ${cmd.join(' ')}`);
  const res = spawnSync(TORCH_PYTHON, cmd, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30 * 60 * 1000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const rows = (res.stdout ?? '')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as TorchRow);
  for (const r of rows)
    log(
      `pytorch ${r.model} width ${r.width} batch ${r.batchSize} ${r.form}: ${f1(r.imagesPerSecond)} img/s (median ${r.medianStepMs.toFixed(0)} ms)`,
    );
  const note = res.status === 0 ? null : `failed: ${(res.stderr ?? '').trim().split('\n').pop()?.slice(0, 160) ?? `exit ${res.status}`}`;
  return { rows, note };
}

// ---------------------------------------------------------------- parent

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return runChild(JSON.parse(argv[1]!) as ChildJob);
  const args = parseArgs(argv);
  const started = new Date();
  const loadBefore = os.loadavg();
  const command = `npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`;
  const rows: ThroughputRow[] = [];
  const failures: Failure[] = [];
  const torch: TorchRow[] = [];
  let torchNote: string | null = null;
  const log = (s: string) => process.stderr.write(s + '\n');
  log(
    `${command}: ${args.models.length * args.widths.length * args.batchSizes.length * 2 * args.backends.length} measurements on ${args.backends.join(', ')}${args.torch ? ' (+ PyTorch on the same)' : ''}, load average ${loadBefore.map(f2).join(' ')}`,
  );
  // Backends (and PyTorch) take turns configuration by configuration, so a change in the load of
  // this shared machine hits them alike.
  for (const model of args.models) {
    for (const width of args.widths) {
      for (const batchSize of args.batchSizes) {
        for (const backend of args.backends) {
          for (const form of ['standard', 'modular'] as const) {
            const row = spawnJob<ThroughputRow>({
              kind: 'throughput',
              backend,
              model,
              width,
              batchSize,
              form,
              steps: args.steps,
              warmup: args.warmup,
              threads: backend === 'wasm' ? args.threads : null,
              workers: backend === 'wasm' ? args.workers : null,
            });
            if (failed(row)) {
              failures.push({ backend, model, width, batchSize, form, error: row.error });
              log(`${backend} ${model} width ${width} batch ${batchSize} ${form}: failed: ${row.error}`);
              continue;
            }
            rows.push(row);
            log(
              `${backend} ${model} width ${width} batch ${batchSize} ${form}: ${f1(row.imagesPerSecond)} img/s (median ${row.medianStepMs.toFixed(0)} ms; steps ${row.stepMs.map((t) => t.toFixed(0)).join(' ')}), peak RSS ${row.peakRssMiB.toFixed(0)} MiB`,
            );
          }
        }
        if (TORCH_MODELS.includes(model) && torchNote == null) {
          const t = runTorch(args, model, width, batchSize, log);
          torch.push(...t.rows);
          torchNote = t.note;
        }
      }
    }
  }
  const variants: ThroughputRow[] = [];
  if (args.variants && args.backends.includes('wasm')) {
    for (const model of ['vgg16', 'resnet18'].filter((m) => args.models.includes(m))) {
      for (const [threads, workers, winograd] of [
        [1, 1, false],
        [1, 1, true],
        [2, 1, true],
        [1, 2, true],
      ] as const) {
        const row = spawnJob<ThroughputRow>({
          kind: 'throughput',
          backend: 'wasm',
          model,
          width: 1,
          batchSize: 64,
          form: 'modular',
          steps: args.steps,
          warmup: args.warmup,
          threads,
          workers,
          winograd,
        });
        if (failed(row)) {
          log(`${model} modular, ${threads} thread(s), ${workers} replica(s): failed: ${row.error}`);
          continue;
        }
        variants.push(row);
        log(
          `${model} modular width 1 batch 64, ${threads} thread(s), ${workers} replica(s): ${f1(row.imagesPerSecond)} img/s, CPU ${row.cpuMsPerStep?.toFixed(0)} ms/step, busiest thread ${row.busiestThreadCpuMsPerStep?.toFixed(0)} ms/step`,
        );
      }
    }
  }
  const profiles: ProfileRow[] = [];
  if (args.profile) {
    // The first backend listed (tensorflow where it is built): the one whose time matters most.
    for (const backend of args.backends.filter((b) => b !== 'cpu').slice(0, 1)) {
      // On wasm the profile is of one thread (the kernels of a single replica), whatever --workers says.
      const p = spawnJob<ProfileRow>({
        kind: 'profile',
        backend,
        model: 'vgg16',
        width: 1,
        batchSize: 64,
        form: 'modular',
        steps: 2,
        warmup: 2,
        threads: backend === 'wasm' ? 1 : null,
        workers: 1,
      });
      if (failed(p)) log(`${backend} profile failed: ${p.error}`);
      else {
        profiles.push(p);
        log(`${backend}: profiled modular vgg16: ${f1(p.wallMs / p.steps)} ms per step`);
      }
    }
  }
  const section = renderSection(args, rows, failures, variants, profiles, torch, torchNote, {
    command,
    started,
    seconds: (Date.now() - started.getTime()) / 1000,
    loadBefore,
    loadAfter: os.loadavg(),
  });
  const outFile = path.resolve(repoRoot, args.out);
  const doc = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '';
  const tmp = `${outFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, replaceSection(doc, SECTION, section));
  fs.renameSync(tmp, outFile);
  log(`wrote ${path.relative(process.cwd(), outFile) || outFile}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
