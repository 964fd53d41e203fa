// Bad input gets one line naming the option or file and what was expected, exit 2 for usage
// errors and 1 for data/run errors, and no stack trace unless --verbose.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, SAMPLE, trainArgs } from './cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-cli-'));
const trainInTmp = (extra: string[]) => trainArgs({ out: path.join(tmp(), 'run') }, extra);

function expectOneLine(stderr: string, pattern: RegExp) {
  // Commander adds its hints on lines of their own: a suggestion and the pointer to --help.
  // Commander's usage errors add a pointer to --help on a line of its own.
  const lines = stderr
    .trim()
    .split('\n')
    .filter((l) => !/^\(run 'mwt( \w+)* --help' for usage\)$/.test(l));
  expect(lines.length, stderr).toBe(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('CLI usage errors (exit 2)', () => {
  it.each([
    [['trian'], /^mwt: unknown command 'trian' \(Did you mean train\?\)$/],
    [
      ['train', '--model', 'vgg17', '--dataset', 'mnist', '--data-dir', '.', '--out', '.'],
      /^mwt train: --model: unknown model 'vgg17', expected one of vgg16, resnet18, simcnn, rescnn$/,
    ],
    [
      ['train', '--model', 'simcnn', '--dataset', 'cifar', '--data-dir', '.', '--out', '.'],
      /^mwt train: --dataset: unknown dataset 'cifar', expected one of cifar10, svhn, mnist, fashion-mnist$/,
    ],
    [trainInTmp(['--width', '0']), /^mwt train: --width: expected a positive number, got 0$/],
    [trainInTmp(['--batch-size', '0']), /^mwt train: --batch-size: expected a positive number, got 0$/],
    [trainInTmp(['--width', 'wide']), /^mwt train: --width: expected a number, got 'wide'/],
    [trainInTmp(['--epochs', '1.5']), /^mwt train: --epochs: expected an integer/],
    [trainInTmp(['--lrr', '0.1']), /^mwt train: unknown option '--lrr' \(Did you mean --lr\?\)$/],
    [['train', '--model', 'simcnn'], /^mwt train: required option '--dataset <name>' not specified$/],
    [['modularize', '--run', '/nonexistent/run'], /^mwt modularize: --run: /],
    [['modularize', '--run', '.', '--threshold', '1.5'], /^mwt modularize: --threshold: expected a number in \(0, 1\]/],
  ])('%j', async (args, pattern) => {
    const r = await runCli(args as string[]);
    expect(r.code, r.stderr).toBe(2);
    expectOneLine(r.stderr, pattern);
  });

  it('suggests the closest command or option', async () => {
    const r = await runCli(['trian']);
    expect(r.stderr).toMatch(/Did you mean train\?/);
  });
});

describe('CLI data and run errors (exit 1)', () => {
  it('names a missing data directory and the files it expected', async () => {
    const r = await runCli(trainArgs({ out: path.join(tmp(), 'r'), dataDir: '/nonexistent/fm' }));
    expect(r.code).toBe(1);
    expectOneLine(
      r.stderr,
      /^mwt train: fashion-mnist: data directory \/nonexistent\/fm does not exist \(expected it to hold train-images-idx3-ubyte\.gz/,
    );
  });

  it('names an output directory that cannot be written', async () => {
    const file = path.join(tmp(), 'a-file');
    fs.writeFileSync(file, 'x');
    const r = await runCli(trainArgs({ out: path.join(file, 'run') }));
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /^mwt train: --out: cannot write to .*a-file\/run \(.*a-file is not a directory\)$/);
  });

  it('names a corrupt dataset file', async () => {
    const dir = tmp();
    for (const f of fs.readdirSync(SAMPLE)) fs.copyFileSync(path.join(SAMPLE, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]));
    const r = await runCli(trainArgs({ out: path.join(dir, 'run'), dataDir: dir }));
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /^mwt train: .*train-labels-idx1-ubyte\.gz: /);
  });

  it('prints a stack trace only with --verbose', async () => {
    const r = await runCli(trainArgs({ out: path.join(tmp(), 'r'), dataDir: '/nonexistent/fm' }, ['--verbose']));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});
