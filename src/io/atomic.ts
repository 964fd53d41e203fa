/**
 * Atomic file output: write to a temporary file in the same directory, then rename over the
 * target. A reader (or a run killed half-way) sees the old file or the new one, never a torn one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * Puts the finished directory `staged` in the place of `target` (which may not exist): the old
 * one is moved aside, the new one renamed in, the old one removed. A reader sees the old
 * directory or the new one, never a mix of both; a process killed between the two renames leaves
 * the old one at `target.old`.
 */
export function replaceDirectory(staged: string, target: string): void {
  const old = `${target}.old`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(target)) fs.renameSync(target, old);
  fs.renameSync(staged, target);
  fs.rmSync(old, { recursive: true, force: true });
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Appends one line; a line is small enough to land in one write. */
export function appendLine(file: string, line: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, line.endsWith('\n') ? line : line + '\n');
}

export function readJson<T>(file: string, what = 'JSON file'): T {
  if (!fs.existsSync(file)) throw new Error(`${file}: ${what} not found`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${file}: expected a valid ${what} (${(e as Error).message})`, { cause: e });
  }
}

/** The file that says an output directory (mwt reuse, replace, compose) is complete: written last. */
export const SUMMARY_FILE = 'summary.json';

/**
 * Before the model in an output directory is overwritten, the summary that describes the old one
 * goes (with `also`, other files that describe it), so an interrupted rerun leaves an output
 * without a summary, never an old summary beside a new model.
 */
export function forgetOutput(dir: string, also: string[] = []): void {
  for (const file of [SUMMARY_FILE, ...also]) fs.rmSync(path.join(dir, file), { force: true });
}
