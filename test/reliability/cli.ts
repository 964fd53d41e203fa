// Runs the mwt CLI from source in a child process, as a user would run it.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SAMPLE = path.join(ROOT, 'data/fashion-mnist-sample');
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], opts: { cwd?: string } = {}): { child: ChildProcess; done: Promise<CliResult> } {
  // tsx by absolute URL: a bare `--import tsx` resolves from the child's working directory.
  const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'scripts/cli.ts'), ...args], {
    cwd: opts.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/**
 * `mwt train --model simcnn --dataset fashion-mnist --data-dir DIR --out OUT --epochs N ...extra`:
 * the command most CLI tests start from (the bundled sample and one epoch unless told).
 */
export function trainArgs(opts: { out: string; dataDir?: string; epochs?: number }, extra: string[] = []): string[] {
  const { out, dataDir = SAMPLE, epochs = 1 } = opts;
  return [
    'train',
    '--model',
    'simcnn',
    '--dataset',
    'fashion-mnist',
    '--data-dir',
    dataDir,
    '--out',
    out,
    '--epochs',
    String(epochs),
    ...extra,
  ];
}

export function runCli(args: string[], opts: { cwd?: string } = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}

/** Resolves when `predicate(stderr so far)` holds. */
export function waitForOutput(child: ChildProcess, predicate: (text: string) => boolean, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for output; got: ${text.slice(-500)}`)), timeoutMs);
    child.stderr!.on('data', (d) => {
      text += d;
      if (predicate(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
