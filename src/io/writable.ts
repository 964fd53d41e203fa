/**
 * Output locations are checked before any work starts, without creating anything: a command
 * that would fail to write its result after minutes of training or inference fails at once
 * instead, and a refused command leaves no empty directory behind.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OutputError } from '../errors.js';

/** Why `dir` (existing or not) cannot receive files, or null when it can. */
function unwritableReason(dir: string): string | null {
  let probe = path.resolve(dir);
  // The nearest existing ancestor decides whether the missing part can be created.
  while (!fs.existsSync(probe)) {
    const parent = path.dirname(probe);
    if (parent === probe) return 'no existing parent directory';
    probe = parent;
  }
  if (!fs.statSync(probe).isDirectory()) return `${probe} is not a directory`;
  try {
    fs.accessSync(probe, fs.constants.W_OK);
  } catch {
    return `${probe} is not writable`;
  }
  // access() says yes to root on a read-only file system: try a file for real (and remove it).
  const file = path.join(probe, `.mwt-write-check-${process.pid}-${os.hostname()}`);
  try {
    fs.writeFileSync(file, '');
    fs.rmSync(file, { force: true });
  } catch (e) {
    return `${probe} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  return null;
}

/** Throws `OPTION: cannot write to DIR (why)` unless files can be written in `dir` (a run error, exit 1). */
/** `--out` -> `out`, `--data-dir` -> `dataDir`: the library's name of the option a message names. */
const optionKey = (flag: string) => flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function checkWritableDir(dir: string, option: string): void {
  const reason = unwritableReason(dir);
  if (reason != null) throw new OutputError(`${option}: cannot write to ${dir} (${reason})`, { option: optionKey(option), file: dir });
}

/** The same for a file: its directory must be writable and the file itself, if there, a file. */
export function checkWritableFile(file: string, option: string): void {
  if (fs.existsSync(file) && fs.statSync(file).isDirectory())
    throw new OutputError(`${option}: ${file} is a directory (expected a file name)`, { option: optionKey(option), file });
  const reason = unwritableReason(path.dirname(path.resolve(file)));
  if (reason != null) throw new OutputError(`${option}: cannot write to ${file} (${reason})`, { option: optionKey(option), file });
}
