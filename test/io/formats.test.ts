/**
 * src/io/formats.ts: files carry their formatVersion, files written before it existed load as
 * version 1, a newer version is refused naming the file, and a wrong shape is one line.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CHECKPOINT_STATE_FORMAT,
  EPOCH_METRICS_FORMAT,
  formatLine,
  readFormat,
  readLines,
  RUN_INFO_FORMAT,
  versionOf,
  writeFormat,
} from '../../src/io/formats.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-formats-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const RUN_INFO = {
  spec: { name: 'simcnn', numClasses: 10, inputShape: [28, 28, 1], width: 0.25 },
  standard: false,
  dataset: 'fashion-mnist',
  dataDir: '/data',
  normalization: { mean: [0.28], std: [0.35] },
  options: { seed: 0, extra: { kept: true } },
};

describe('formats', () => {
  it('writes formatVersion and reads it back, keeping keys the schema does not list', () => {
    const file = path.join(dir, 'run.json');
    writeFormat(file, RUN_INFO_FORMAT, RUN_INFO);
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(written.formatVersion).toBe(RUN_INFO_FORMAT.version);
    expect(readFormat(file, RUN_INFO_FORMAT)).toEqual(RUN_INFO); // the value, without the file's formatVersion
  });

  it('loads a file written before formatVersion existed as version 1', () => {
    const file = path.join(dir, 'old-run.json');
    fs.writeFileSync(file, JSON.stringify(RUN_INFO));
    expect(readFormat(file, RUN_INFO_FORMAT)).toEqual(RUN_INFO);
    expect(versionOf(RUN_INFO)).toBe(1);
    const state = path.join(dir, 'state.json');
    fs.writeFileSync(state, JSON.stringify({ epoch: 2, step: 0, rngState: null, partial: null }));
    expect(readFormat(state, CHECKPOINT_STATE_FORMAT).epoch).toBe(2);
  });

  it('refuses a newer format version and a wrong shape, naming the file', () => {
    const file = path.join(dir, 'new-run.json');
    fs.writeFileSync(file, JSON.stringify({ ...RUN_INFO, formatVersion: 99 }));
    expect(() => readFormat(file, RUN_INFO_FORMAT)).toThrow(`${file}: run description (written by mwt train) of format version 99`);
    fs.writeFileSync(file, JSON.stringify({ ...RUN_INFO, standard: 'no' }));
    expect(() => readFormat(file, RUN_INFO_FORMAT)).toThrow(`${file}: not a valid run description (written by mwt train) (standard: `);
  });

  it('reads metrics.jsonl lines with and without formatVersion', () => {
    const file = path.join(dir, 'metrics.jsonl');
    const epoch = { epoch: 1, trainAccuracy: 0.5, testAccuracy: 0.6, ceLoss: 1.2 };
    fs.writeFileSync(file, JSON.stringify(epoch) + '\n' + formatLine(EPOCH_METRICS_FORMAT, { ...epoch, epoch: 2 }) + '\n\n');
    expect(readLines(file, EPOCH_METRICS_FORMAT)).toEqual([epoch, { ...epoch, epoch: 2 }]);
    fs.appendFileSync(file, '{"epoch": 3, trunc\n');
    expect(() => readLines(file, EPOCH_METRICS_FORMAT)).toThrow(`${file}: line 4 is not valid JSON`);
  });
});
