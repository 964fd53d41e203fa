/**
 * What a run prints: a progress bar with throughput and ETA on a terminal, one plain line per
 * epoch otherwise (logs, CI), nothing but errors with --quiet.
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

export interface Logger {
  info(message: string): void;
  epochProgress(epoch: number, epochs: number, steps: number, batchSize: number): EpochProgress;
  epochDone(metrics: EpochLine & { epochs?: number }): void;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const fmt = (x: number | null, digits = 3) => (x == null ? '-' : x.toFixed(digits));

export function formatEpochLine(m: EpochLine): string {
  const mask = m.cohesionLoss == null ? '' : ` cohesion ${fmt(m.cohesionLoss)} coupling ${fmt(m.couplingLoss)} kernels ${fmt(m.kernelRate)}`;
  return `epoch ${m.epoch}: train ${pct(m.trainAccuracy)} test ${pct(m.testAccuracy)} ce ${fmt(m.ceLoss)}${mask} | ${m.seconds.toFixed(1)} s, ${m.imagesPerSecond.toFixed(1)} img/s`;
}

export function createProgress(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Logger {
  const stream = opts.stream ?? process.stderr;
  const tty = stream.isTTY === true && !opts.quiet;
  const out = (line: string) => {
    if (!opts.quiet) stream.write(line + '\n');
  };
  return {
    info: out,
    epochProgress(epoch, epochs, steps, batchSize) {
      if (!tty) return { update() {}, stop() {} };
      const bar = new cliProgress.SingleBar(
        { format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} | {ips} img/s | ETA {eta_formatted} | acc {acc} ce {ce}{mask}`, stream, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      const start = performance.now();
      bar.start(steps, 0, { ips: '-', acc: '-', ce: '-', mask: '' });
      return {
        update(step, m) {
          const ips = (step * batchSize) / ((performance.now() - start) / 1000);
          bar.update(step, { ips: ips.toFixed(1), acc: pct(m.trainAccuracy), ce: fmt(m.ceLoss), mask: m.kernelRate == null ? '' : ` kernels ${fmt(m.kernelRate)}` });
        },
        stop: () => bar.stop(),
      };
    },
    epochDone: (m) => out(formatEpochLine(m)),
  };
}

/** A logger that prints nothing (library use). */
export const silentLogger: Logger = { info() {}, epochProgress: () => ({ update() {}, stop() {} }), epochDone() {} };
