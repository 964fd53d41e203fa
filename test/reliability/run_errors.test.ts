// Commands that work on a run check the run and their options before any work starts.
import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { train } from '../../src/train/train.js';
import { silentLogger } from '../../src/log/logger.js';
import { loadModules } from '../../src/modularize/run.js';
import { modularizeRun } from '../../src/modules/modularize_run.js';
import { createModel } from '../../models/registry.js';
import { evaluate } from '../../src/train/evaluate.js';
import { runCli, SAMPLE } from './cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-run-'));

describe('run and module validation', () => {
  const run = tmp();
  const other = tmp();
  beforeAll(async () => {
    const common = { dataset: 'fashion-mnist' as const, dataDir: SAMPLE, epochs: 1, width: 0.125, limit: 200, batchSize: 50 };
    await train({ ...common, model: 'simcnn', out: run }, { log: silentLogger });
    await train({ ...common, model: 'rescnn', out: other }, { log: silentLogger });
    await modularizeRun(run, { threshold: 0.9, log: silentLogger });
    await modularizeRun(other, { threshold: 0.9, log: silentLogger });
  });

  it.each([
    [['--classes', '3,10'], /^mwt reuse: --classes: .*10/],
    [['--classes', '3,3'], /^mwt reuse: --classes: .*(repeat|twice|distinct)/i],
    [['--classes', '3'], /^mwt reuse: --classes: expected at least two classes/],
    [['--classes', 'a,b'], /^mwt reuse: --classes: expected comma-separated class numbers/],
    [['--classes', '0,1', '--threshold', '0'], /^mwt reuse: --threshold: /],
  ])('reuse %j is a usage error (exit 2)', async (extra, pattern) => {
    const r = await runCli([
      'reuse',
      '--run',
      run,
      '--out',
      path.join(tmp(), 'o'),
      '--epochs',
      '1',
      '--latency-repeats',
      '0',
      ...(extra as string[]),
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(pattern);
  });

  it('a directory without a trained model is refused by modularize and reuse', async () => {
    const empty = tmp();
    for (const args of [
      ['modularize', '--run', empty],
      ['reuse', '--run', empty, '--classes', '0,1', '--out', path.join(empty, 'o')],
    ]) {
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^mwt ${args[0]}: --run: `));
    }
  });

  it('modules copied from another model are refused', () => {
    fs.copyFileSync(path.join(other, 'modules', 'modules.json'), path.join(run, 'modules', 'modules.json'));
    expect(() => loadModules(run)).toThrow(
      /modules\.json: modules of rescnn on fashion-mnist .* but .* holds simcnn .*run `mwt modularize --run .*` again/,
    );
  });

  it('images whose shape does not fit the model are refused with both shapes', () => {
    const model = createModel('simcnn', { numClasses: 10, inputShape: [32, 32, 3], width: 0.125 });
    const ds = {
      images: new Float32Array(2 * 28 * 28),
      labels: new Int32Array(2),
      count: 2,
      shape: [28, 28, 1] as [number, number, number],
      numClasses: 10,
    };
    expect(() => evaluate(model, ds)).toThrow('evaluate: images are 28x28x1 but the model takes 32x32x3');
    model.dispose();
  });
});
