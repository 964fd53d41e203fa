/**
 * What a run prints: progress bars with throughput and ETA on a terminal, one plain line per
 * epoch otherwise (logs, CI), nothing but errors with --quiet. Library users get the same
 * progress as events through `onProgress`, whether or not anything is printed.
 */
import cliProgress from 'cli-progress';

export interface StepMetrics {
  trainAccuracy: number;
  ceLoss: number;
  cohesionLoss: number | null;
  couplingLoss: number | null;
  kernelRate: number | null;
}

export interface EpochLine extends StepMetrics {
  epoch: number;
  testAccuracy: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface EpochProgress {
  update(step: number, metrics: StepMetrics): void;
  stop(): void;
}

/** The long-running parts of the commands, as progress events name them. */
export type ProgressTask = 'train' | 'evaluate' | 'collect-masks' | 'fine-tune' | 'latency';

/** `done` of `total` units (steps, images or timed runs) of one task; `epoch` is 1-based. */
export interface ProgressEvent {
  task: ProgressTask;
  done: number;
  total: number;
  epoch?: number;
  epochs?: number;
}

export type ProgressCallback = (event: ProgressEvent) => void;

export interface TaskProgress {
  update(done: number): void;
  stop(): void;
}

export interface Logger {
  info(message: string): void;
  epochProgress(epoch: number, epochs: number, steps: number, batchSize: number, task?: ProgressTask): EpochProgress;
  epochDone(metrics: EpochLine & { epochs?: number }): void;
  /** Progress of one task over `total` units, labelled e.g. "evaluate 10000 test images". */
  task(task: ProgressTask, total: number, label: string): TaskProgress;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const fmt = (x: number | null, digits = 3) => (x == null ? '-' : x.toFixed(digits));

export function formatEpochLine(m: EpochLine): string {
  const mask =
    m.cohesionLoss == null ? '' : ` cohesion ${fmt(m.cohesionLoss)} coupling ${fmt(m.couplingLoss)} kernels ${fmt(m.kernelRate)}`;
  return `epoch ${m.epoch}: train ${pct(m.trainAccuracy)} test ${pct(m.testAccuracy)} ce ${fmt(m.ceLoss)}${mask} | ${m.seconds.toFixed(1)} s, ${m.imagesPerSecond.toFixed(1)} img/s`;
}

/** Seconds as "42s" or "3m05s"; "-" until a first unit is done (no ETA from nothing). */
export function formatEta(done: number, total: number, elapsedSeconds: number): string {
  if (done <= 0) return '-';
  const s = Math.round(((total - done) * elapsedSeconds) / done);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

const noProgress = { update() {}, stop() {} };

/** Where progress goes (process.stderr by default); typed structurally so that apps compiling
 * against mwt's declarations need no @types/node. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  quiet?: boolean;
  stream?: OutputStream;
  onProgress?: ProgressCallback;
}

export function createProgress(opts: ProgressOptions = {}): Logger {
  const stream = opts.stream ?? process.stderr;
  const tty = stream.isTTY === true && !opts.quiet;
  const emit = opts.onProgress ?? (() => {});
  const out = (line: string) => {
    if (!opts.quiet) stream.write(line + '\n');
  };
  const bar = (format: string, total: number) => {
    const b = new cliProgress.SingleBar(
      { format, stream: stream as NodeJS.WritableStream, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    b.start(total, 0, { eta: '-', ips: '-', acc: '-', ce: '-', mask: '' });
    return b;
  };
  return {
    info: out,
    epochProgress(epoch, epochs, steps, batchSize, task = 'train') {
      const start = performance.now();
      const b = tty
        ? bar(
            `${task === 'train' ? '' : `${task} `}epoch ${epoch}/${epochs} [{bar}] {value}/{total} | {ips} img/s | ETA {eta} | acc {acc} ce {ce}{mask}`,
            steps,
          )
        : null;
      emit({ task, done: 0, total: steps, epoch, epochs });
      return {
        update(step, m) {
          emit({ task, done: step, total: steps, epoch, epochs });
          if (!b) return;
          const elapsed = (performance.now() - start) / 1000;
          b.update(step, {
            eta: formatEta(step, steps, elapsed),
            ips: ((step * batchSize) / elapsed).toFixed(1),
            acc: pct(m.trainAccuracy),
            ce: fmt(m.ceLoss),
            mask: m.kernelRate == null ? '' : ` kernels ${fmt(m.kernelRate)}`,
          });
        },
        stop: () => b?.stop(),
      };
    },
    epochDone: (m) => out(formatEpochLine(m)),
    task(task, total, label) {
      const start = performance.now();
      const b = tty ? bar(`${label} [{bar}] {value}/{total} | ETA {eta}`, total) : null;
      emit({ task, done: 0, total });
      return {
        update(done) {
          emit({ task, done, total });
          b?.update(done, { eta: formatEta(done, total, (performance.now() - start) / 1000) });
        },
        stop: () => b?.stop(),
      };
    },
  };
}

/**
 * The logger a library function uses: the caller's `log`, else the CLI's (stderr; nothing with
 * `quiet`), either way also sending progress events to `onProgress`.
 */
export function loggerFor(opts: { log?: Logger; onProgress?: ProgressCallback; quiet?: boolean }): Logger {
  if (!opts.log) return createProgress({ quiet: opts.quiet, onProgress: opts.onProgress });
  if (!opts.onProgress) return opts.log;
  const log = opts.log;
  const events = createProgress({ quiet: true, onProgress: opts.onProgress });
  return {
    info: (m) => log.info(m),
    epochDone: (m) => log.epochDone(m),
    epochProgress(...args) {
      const [a, b] = [log.epochProgress(...args), events.epochProgress(...args)];
      return { update: (step, m) => (a.update(step, m), b.update(step, m)), stop: () => (a.stop(), b.stop()) };
    },
    task(...args) {
      const [a, b] = [log.task(...args), events.task(...args)];
      return { update: (done) => (a.update(done), b.update(done)), stop: () => (a.stop(), b.stop()) };
    },
  };
}

/** A logger that prints nothing. */
export const silentLogger: Logger = { info() {}, epochProgress: () => noProgress, epochDone() {}, task: () => noProgress };
