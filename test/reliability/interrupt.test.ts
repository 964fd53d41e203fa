// Long runs must survive Ctrl-C, kill and kill -9: SIGINT or SIGTERM finishes the step,
// checkpoints and exits 130; a run killed mid-epoch continues with --resume to the same result as an uninterrupted run.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, startCli, trainArgs, waitForOutput } from './cli.js';
import { readMetrics } from '../../src/train/train.js';
import { experimentStatus } from '../../src/commands/experiment_status.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-int-'));
// 600 samples, batch 32: 18 steps an epoch, a few seconds each epoch at width 0.125.
const args = (out: string, epochs: number, extra: string[] = []) =>
  trainArgs({ out, epochs }, ['--width', '0.125', '--limit', '600', '--batch-size', '32', '--seed', '7', ...extra]);
const pointer = (out: string) => JSON.parse(fs.readFileSync(path.join(out, 'checkpoint.json'), 'utf8')).dir as string;

describe('interruptions', () => {
  /** Starts a 2-epoch run, sends `signal` inside epoch 1 and checks it stopped at a mid-epoch checkpoint. */
  async function stopInsideEpoch(signal: 'SIGINT' | 'SIGTERM'): Promise<string> {
    const out = path.join(tmp(), 'run');
    const { child, done } = startCli(args(out, 2));
    await waitForOutput(child, (t) => t.includes('model: simcnn'));
    await new Promise((r) => setTimeout(r, 1500)); // inside epoch 1
    child.kill(signal);
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(`${signal}: finishing the current step and writing a checkpoint`);
    expect(r.stderr).toMatch(/interrupted at epoch \d+, step \d+; checkpoint written, continue with --resume/);
    expect(pointer(out)).toMatch(/^checkpoints\/epoch-\d{4}-step-\d{6}$/);
    return out;
  }

  it('SIGINT finishes the current step, writes a checkpoint and exits 130; the resume command of `mwt experiment status` completes the run', async () => {
    const out = await stopInsideEpoch('SIGINT');
    const status = experimentStatus(out);
    expect(status).toMatchObject({ kind: 'train', complete: false });
    expect(status.runs[0]!.epochsDone).toBeLessThan(2);
    // The settings it was started with, from run.json: --width, --limit, --batch-size, --seed.
    const command = status.resumeCommand!.split(' ');
    expect(command.slice(0, 2)).toEqual(['mwt', 'train']);
    expect(command).toEqual(
      expect.arrayContaining(['--width', '0.125', '--limit', '600', '--batch-size', '32', '--seed', '7', '--resume']),
    );
    const resumed = await runCli(command.slice(1));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumed from/);
    expect(readMetrics(path.join(out, 'metrics.jsonl')).map((m) => m.epoch)).toEqual([1, 2]);
    expect(fs.existsSync(path.join(out, 'model', 'model.json'))).toBe(true);
  });

  it('SIGTERM (kill, a batch scheduler at its time limit) stops the same way', async () => {
    await stopInsideEpoch('SIGTERM');
  });

  it('a run killed with SIGKILL mid-epoch resumes to the same final metrics as an uninterrupted run', async () => {
    const reference = path.join(tmp(), 'ref');
    const ref = await runCli(args(reference, 2));
    expect(ref.code, ref.stderr).toBe(0);

    const out = path.join(tmp(), 'run');
    const { child, done } = startCli(args(out, 2));
    await waitForOutput(child, (t) => t.includes('epoch 1:'));
    await new Promise((r) => setTimeout(r, 800)); // mid-way through epoch 2
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    expect(readMetrics(path.join(out, 'metrics.jsonl')).length).toBeLessThan(2);

    const resumed = await runCli(args(out, 2, ['--resume']));
    expect(resumed.code, resumed.stderr).toBe(0);
    const a = readMetrics(path.join(reference, 'metrics.jsonl'));
    const b = readMetrics(path.join(out, 'metrics.jsonl'));
    expect(b.map((m) => m.epoch)).toEqual([1, 2]);
    // Same seed, same per-epoch batch order and augmentation, optimizer slots and RNG state
    // restored from the epoch checkpoint: the runs agree to float rounding.
    for (let i = 0; i < 2; i++) {
      expect(b[i]!.testAccuracy).toBeCloseTo(a[i]!.testAccuracy, 6);
      expect(b[i]!.ceLoss).toBeCloseTo(a[i]!.ceLoss, 5);
      expect(b[i]!.kernelRate!).toBeCloseTo(a[i]!.kernelRate!, 5);
    }
    // Three training processes: on tensorflow each also loads the 800 MB TensorFlow library.
  }, 300_000);

  it('a non-finite loss stops the run with a clear message and keeps the last good checkpoint', async () => {
    const out = path.join(tmp(), 'run');
    expect((await runCli(args(out, 1))).code).toBe(0);
    const good = pointer(out);
    // A learning rate near the float32 maximum: within a few steps the updates overflow.
    const r = await runCli(args(out, 3, ['--resume', '--lr', '3e38']));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^mwt train: training diverged: loss is not finite at epoch 2, step \d+; the last good checkpoint in .* is kept/m,
    );
    expect(pointer(out)).toBe(good);
    expect(fs.existsSync(path.join(out, good, 'model.json'))).toBe(true);
  });

  it('--resume without a checkpoint says so and starts from scratch', async () => {
    const out = path.join(tmp(), 'run');
    const r = await runCli(args(out, 1, ['--resume']));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/--resume: no checkpoint in .*, starting from scratch/);
  });

  it('mwt experiment trends: SIGINT checkpoints the training run, and the same command continues it to the end', async () => {
    const out = path.join(tmp(), 'trends');
    const trends = [
      'experiment',
      'trends',
      ...args(out, 2).slice(1),
      '--threshold',
      '0.9',
      '--sizes',
      '2-2',
      '--per-size',
      '1',
      '--reuse-epochs',
      '1',
    ];
    const { child, done } = startCli(trends);
    await waitForOutput(child, (t) => t.includes('model: simcnn'));
    await new Promise((r) => setTimeout(r, 1500)); // inside epoch 1 of the modular run
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(
      `${path.join(out, 'modular')}: training interrupted, checkpoint written; run the same command again to continue`,
    );
    expect(fs.existsSync(path.join(out, 'standard'))).toBe(false);

    const again = await runCli(trends);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resumed from/);
    expect(readMetrics(path.join(out, 'modular', 'metrics.jsonl')).map((m) => m.epoch)).toEqual([1, 2]);
    expect(readMetrics(path.join(out, 'standard', 'metrics.jsonl')).map((m) => m.epoch)).toEqual([1, 2]);
    expect(fs.readFileSync(path.join(out, 'trends.md'), 'utf8')).toMatch(/\| 2-class \| 1 of 45 \|/);
  });
});
