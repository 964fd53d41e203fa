// --resume continues the run it finds: the same model, data and loss, only for longer (or on
// another backend); a resume that would train something else is refused with the setting named.
import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMetrics, train } from '../../src/train/train.js';
import { silentLogger } from '../../src/log/logger.js';
import { cosineLearningRate } from '../../src/train/schedule.js';
import { runCli, SAMPLE, trainArgs } from '../reliability/cli.js';

const base = { model: 'simcnn', dataset: 'fashion-mnist', dataDir: SAMPLE, width: 0.125, limit: 200, batchSize: 50, lr: 0.04 } as const;

describe('resume', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-resume-'));
  beforeAll(async () => {
    await train({ ...base, out, epochs: 1 }, { log: silentLogger });
  });

  it.each([
    [['--width', '0.25'], '--width: the run in <out> was started with 0.125, not 0.25'],
    [['--seed', '3'], '--seed: the run in <out> was started with 0, not 3'],
    [['--limit', '300'], '--limit: the run in <out> was started with 200, not 300'],
    [['--mask-loss-mean', 'pairs'], '--mask-loss-mean: the run in <out> was started with "classes", not "pairs"'],
    [['--classifier-init', 'fanInUniform'], '--classifier-init: the run in <out> was started with "heNormal", not "fanInUniform"'],
    [['--mask-weight-decay', '0.01'], '--mask-weight-decay: the run in <out> was started with 0, not 0.01'],
  ])('a changed %j is refused, naming the setting', async (change, expected) => {
    const before = fs.readFileSync(path.join(out, 'run.json'), 'utf8');
    const args = trainArgs({ out, epochs: 2 }, [
      '--width',
      '0.125',
      '--limit',
      '200',
      '--batch-size',
      '50',
      '--lr',
      '0.04',
      '--resume',
      ...change,
    ]);
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe(
      `mwt train: ${expected.replace('<out>', out)}; resume with the same value, or pass --overwrite to start a new run`,
    );
    expect(fs.readFileSync(path.join(out, 'run.json'), 'utf8')).toBe(before);
  });

  it("records the model's own classifier init, and a resume that names it is the same run", async () => {
    const info = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(info.options.classifierInit).toBe('heNormal'); // SimCNN's default, not given
    const again = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-resume-'));
    fs.cpSync(out, again, { recursive: true });
    await train({ ...base, out: again, epochs: 2, resume: true, classifierInit: 'heNormal' }, { log: silentLogger });
    expect(readMetrics(path.join(again, 'metrics.jsonl')).map((m) => m.epoch)).toEqual([1, 2]);
  });

  it('a run from before --mask-lr-factor, --mask-loss-mean and --weight-decay continues with the values it trained with', async () => {
    const old = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-resume-'));
    await train({ ...base, out: old, epochs: 1, maskLrFactor: 1 }, { log: silentLogger });
    const runFile = path.join(old, 'run.json');
    const info = JSON.parse(fs.readFileSync(runFile, 'utf8'));
    delete info.options.maskLrFactor;
    delete info.options.maskLossMean;
    delete info.options.weightDecay;
    delete info.options.maskWeightDecay;
    delete info.options.classifierInit; // recorded only when given before 2026-12-05: not compared
    fs.writeFileSync(runFile, JSON.stringify(info));
    // The defaults now differ (factor 2), so the old factor must be given; the old mean and decay
    // (none) are the defaults.
    await expect(train({ ...base, out: old, epochs: 2, resume: true }, { log: silentLogger })).rejects.toThrow(
      `--mask-lr-factor: the run in ${old} was started with 1, not 2`,
    );
    await train({ ...base, out: old, epochs: 2, resume: true, maskLrFactor: 1 }, { log: silentLogger });
    expect(readMetrics(path.join(old, 'metrics.jsonl')).map((m) => m.epoch)).toEqual([1, 2]);
  });

  it('fewer epochs than already trained are refused', async () => {
    const done = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-resume-'));
    await train({ ...base, out: done, epochs: 2 }, { log: silentLogger });
    await expect(train({ ...base, out: done, epochs: 1, resume: true }, { log: silentLogger })).rejects.toThrow(
      `--epochs: the run in ${done} has already trained 2 epochs; resume with --epochs 2 or more`,
    );
  });

  it('a larger --epochs continues on the cosine schedule of a run started with that many epochs', async () => {
    await train({ ...base, out, epochs: 3, resume: true }, { log: silentLogger });
    const metrics = readMetrics(path.join(out, 'metrics.jsonl'));
    expect(metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    // Epoch 1 ran on a 1-epoch schedule; epochs 2 and 3 on the 3-epoch one, as a fresh 3-epoch run would.
    expect(metrics[0]!.learningRate).toBeCloseTo(cosineLearningRate(0.04, 0, 1), 12);
    expect(metrics[1]!.learningRate).toBeCloseTo(cosineLearningRate(0.04, 1, 3), 12);
    expect(metrics[2]!.learningRate).toBeCloseTo(cosineLearningRate(0.04, 2, 3), 12);
    expect(metrics[1]!.learningRate).toBeCloseTo(0.03, 12); // 0.5 * 0.04 * (1 + cos(pi / 3))
    expect(JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')).options.epochs).toBe(3);
  });
});
