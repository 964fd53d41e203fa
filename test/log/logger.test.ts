// Signs of life: every long task reports progress, as bars on a terminal and as events for
// library callers; an ETA is only shown once there is something to estimate from.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createProgress, formatEta, loggerFor, silentLogger, type ProgressEvent } from '../../src/log/logger.js';
import { train } from '../../src/train/train.js';
import { modularizeRun } from '../../src/modules/modularize_run.js';
import { reuse } from '../../src/reuse/reuse.js';
import { SAMPLE } from '../reliability/cli.js';

/** A fake terminal that records what is written. */
function terminal() {
  const chunks: string[] = [];
  return {
    chunks,
    stream: { isTTY: true, columns: 120, write: (s: string) => (chunks.push(s), true), cursorTo() {}, clearLine() {}, moveCursor() {} },
  };
}

describe('formatEta', () => {
  it('says nothing before the first unit, then extrapolates linearly', () => {
    expect(formatEta(0, 100, 20)).toBe('-');
    expect(formatEta(10, 100, 5)).toBe('45s'); // 90 left at 0.5 s each
    expect(formatEta(1, 4, 61)).toBe('3m03s');
  });
});

describe('progress events', () => {
  it('createProgress sends task events and draws a bar only on a terminal', () => {
    const events: ProgressEvent[] = [];
    const tty = terminal();
    const log = createProgress({ stream: tty.stream, onProgress: (e) => events.push(e) });
    const t = log.task('evaluate', 10, 'evaluate 10 images');
    t.update(5);
    t.update(10);
    t.stop();
    expect(events).toEqual([
      { task: 'evaluate', done: 0, total: 10 },
      { task: 'evaluate', done: 5, total: 10 },
      { task: 'evaluate', done: 10, total: 10 },
    ]);
    expect(tty.chunks.join('')).toMatch(/evaluate 10 images/);

    const quiet = terminal();
    createProgress({ stream: quiet.stream, quiet: true }).task('latency', 3, 'latency').update(1);
    expect(quiet.chunks).toEqual([]);
  });

  it('loggerFor sends events and still prints through the given logger', () => {
    const events: ProgressEvent[] = [];
    const lines: string[] = [];
    const log = loggerFor({ log: { ...silentLogger, info: (m) => lines.push(m) }, onProgress: (e) => events.push(e) });
    log.info('hello');
    const bar = log.epochProgress(2, 3, 4, 32, 'fine-tune');
    bar.update(4, { trainAccuracy: 1, ceLoss: 0, cohesionLoss: null, couplingLoss: null, kernelRate: null });
    expect(lines).toEqual(['hello']);
    expect(events).toEqual([
      { task: 'fine-tune', done: 0, total: 4, epoch: 2, epochs: 3 },
      { task: 'fine-tune', done: 4, total: 4, epoch: 2, epochs: 3 },
    ]);
  });

  it('train, modularizeRun and reuse report every long task to onProgress', async () => {
    const run = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-progress-'));
    const events: ProgressEvent[] = [];
    const onProgress = (e: ProgressEvent) => events.push(e);
    await train(
      {
        model: 'simcnn',
        dataset: 'fashion-mnist',
        dataDir: SAMPLE,
        out: run,
        epochs: 1,
        width: 0.125,
        limit: 200,
        batchSize: 50,
        quiet: true,
      },
      { onProgress },
    );
    await modularizeRun(run, { quiet: true, onProgress });
    const { model } = await reuse({
      run,
      classes: [5, 9],
      epochs: 1,
      batchSize: 16,
      latency: { warmup: 1, repeats: 1 },
      quiet: true,
      onProgress,
    });
    model.dispose();
    const last = (task: string) => events.filter((e) => e.task === task).at(-1);
    expect(last('train')).toEqual({ task: 'train', done: 4, total: 4, epoch: 1, epochs: 1 });
    expect(last('evaluate')?.done).toBe(last('evaluate')?.total);
    expect(events.some((e) => e.task === 'evaluate' && e.total === 1000)).toBe(true); // the test set after the epoch
    expect(last('collect-masks')).toEqual({ task: 'collect-masks', done: 200, total: 200 });
    expect(last('fine-tune')?.done).toBe(last('fine-tune')?.total);
    expect(last('latency')).toEqual({ task: 'latency', done: 8, total: 8 }); // 2 models x 2 batch sizes x (1 + 1) calls
  });
});
