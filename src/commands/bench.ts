/**
 * `mwt bench --model NAME [--width W] [--batch-size B] [--steps S] [--warmup N] [--json FILE]
 * [--backend NAME] [--threads T] [--workers R]`: training throughput of one zoo model, standard and modular,
 * on this machine. `npm run bench` (scripts/bench.ts) runs it over the whole zoo.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { z } from 'zod';
import { describeParallelism, initTrainingBackend } from '../train/parallel/parallelism.js';
import { measureThroughput, type Throughput } from '../bench/throughput.js';
import { writeJsonAtomic } from '../io/atomic.js';
import type { Logger } from '../log/logger.js';
import { parseOptions } from '../errors.js';
import { checkWritableFile } from '../io/writable.js';

import { benchOptionsSchema } from './options.js';
export { benchOptionsSchema } from './options.js';

export type BenchOptionsInput = z.input<typeof benchOptionsSchema>;
export type BenchOptions = z.output<typeof benchOptionsSchema>;

export interface FormResult {
  imagesPerSecond: number;
  medianStepMs: number;
  stepMs: number[];
  /** Median CPU ms per step of the process and of its busiest thread (see Throughput). */
  cpuMsPerStep: number | null;
  busiestThreadCpuMsPerStep: number | null;
}

export interface BenchResult {
  model: string;
  width: number;
  batchSize: number;
  backend: string;
  /** wasm threads used per replica (1 on other backends). */
  threads: number;
  /** Data-parallel replicas (1: the main thread alone). */
  workers: number;
  standard: FormResult;
  modular: FormResult;
  /** Modular step time / standard step time. */
  modularToStandardTime: number;
  /** Peak resident set size of this process, MiB (covers both forms). */
  peakRssMiB: number;
  steps: number;
  warmup: number;
}

const pick = (t: Throughput): FormResult => ({
  imagesPerSecond: t.imagesPerSecond,
  medianStepMs: t.medianStepMs,
  stepMs: t.stepMs,
  cpuMsPerStep: t.cpuMsPerStep,
  busiestThreadCpuMsPerStep: t.busiestThreadCpuMsPerStep,
});

export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
}

export async function benchCommand(input: BenchOptionsInput, log: Logger): Promise<BenchResult> {
  const opts = parseOptions(benchOptionsSchema, input);
  if (opts.json) checkWritableFile(opts.json, '--json');
  const parallelism = await initTrainingBackend(opts);
  const { backend, workers, threads } = parallelism;
  log.info(`backend: ${describeParallelism(parallelism)}, ${os.cpus().length} cores`);
  const results: Record<'standard' | 'modular', FormResult> = {} as never;
  for (const form of ['standard', 'modular'] as const) {
    const t = await measureThroughput({
      model: opts.model,
      width: opts.width,
      batchSize: opts.batchSize,
      form,
      steps: opts.steps,
      warmup: opts.warmup,
      replicas: workers,
    });
    results[form] = pick(t);
    log.info(
      `${opts.model} width ${opts.width} batch ${opts.batchSize} ${form}: ${t.imagesPerSecond.toFixed(1)} images/s (median step ${t.medianStepMs.toFixed(0)} ms of ${opts.steps})`,
    );
  }
  const result: BenchResult = {
    model: opts.model,
    width: opts.width,
    batchSize: opts.batchSize,
    backend,
    threads,
    workers: workers,
    standard: results.standard,
    modular: results.modular,
    modularToStandardTime: results.modular.medianStepMs / results.standard.medianStepMs,
    peakRssMiB: peakRssMiB(),
    steps: opts.steps,
    warmup: opts.warmup,
  };
  log.info(`modular / standard time: ${result.modularToStandardTime.toFixed(2)}, peak RSS ${result.peakRssMiB.toFixed(0)} MiB`);
  if (opts.json) {
    fs.mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
    writeJsonAtomic(opts.json, result);
  }
  return result;
}
