// The module commands from the command line: one-line errors naming the option or file, exit 2
// for usage and 1 for data errors (a corrupt module).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../reliability/cli.js';
import { fakeModule } from './fake_module.js';
import { addToRepository } from '../../src/modules/repository.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-cli-modules-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const repo = path.join(root, 'repo');

function oneLine(stderr: string, pattern: RegExp) {
  const lines = stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('(run with --help') && !l.startsWith('(Did you mean'));
  expect(lines.length, stderr).toBe(1);
  expect(lines[0]).toMatch(pattern);
}

// Each CLI start loads tfjs (seconds on a busy machine), so only the exit codes are checked
// here; the commands' behaviour is tested through the library in repository.test.ts.
describe('module commands on the CLI', () => {
  it('a corrupt module is a data error: exit 1, one line', async () => {
    const a = fakeModule(path.join(root, 'run', 'modules', 'class-0'), { cls: 0, name: 'T-shirt/top', f1: 0.9 });
    await addToRepository(repo, path.join(root, 'run'));
    fs.appendFileSync(path.join(repo, 'modules', a.card.id, 'weights.bin'), 'x');
    const show = await runCli(['modules', 'show', a.card.id.slice(0, 8), '--repo', repo]);
    expect(show.code).toBe(1);
    oneLine(show.stderr, /^mwt modules show: module .* is corrupt: weights\.bin no longer matches its id/);
  });

  it.each([
    [
      ['replace', '--run', '/nonexistent', '--class', '3', '--module', 'abcd', '--out', '/tmp/x'],
      /^mwt replace: --run: directory \/nonexistent does not exist/,
    ],
    [['compose', '--modules', 'abcd', '--out', '/tmp/x'], /^mwt compose: --modules: expected at least two module ids/],
  ])('%j exits 2 with one line', async (args, pattern) => {
    const r = await runCli([...args, '--repo', repo]);
    expect(r.code, r.stderr).toBe(2);
    oneLine(r.stderr, pattern);
  });
});
