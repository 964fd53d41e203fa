/**
 * A long mwt command (train, modularize, experiment trends / seeds / reuse) marks the directory it
 * writes with DIR/.mwt-in-use: its process id, host, command and start. Two things follow:
 * a second command given the same directory while the first runs is refused at once, instead of
 * both writing checkpoints and results over each other for hours; and `mwt experiment status`
 * can say whether a run is being worked on now, not only when its files last changed.
 *
 * The mark is a process id, not a lock held open or refreshed on a timer (lock libraries such as
 * proper-lockfile call a lock stale when its file was not touched for seconds, and one training
 * step can keep the event loop busy longer than that). A mark whose process is gone (killed,
 * machine restarted) is stale: the next command replaces it. A process id can be reused, so the
 * mark also records when the process started (Linux /proc), and a different start means stale.
 * A mark from another host cannot be checked: it is reported, and not trusted to refuse.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../errors.js';

export const IN_USE_FILE = '.mwt-in-use';

export interface InUseMark {
  pid: number;
  host: string;
  /** The command's words, e.g. 'mwt train'. */
  command: string;
  /** ISO time the mark was written. */
  since: string;
  /** The process's start in clock ticks after boot (/proc/PID/stat), where there is a /proc. */
  started: number | null;
}

export interface InUseState extends InUseMark {
  /** Whether that process still runs: null when the mark is another host's and cannot be checked. */
  alive: boolean | null;
}

/** Field 22 of /proc/PID/stat, the process's start after boot in clock ticks; null without /proc. */
function processStart(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : null;
  } catch {
    return null;
  }
}

/** A mark of this process for `command`, as of now. */
export function markOfThisProcess(command: string): InUseMark {
  return { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString(), started: processStart(process.pid) };
}

/** Whether the process of `mark` still runs: null when it is another host's and cannot be checked. */
export function isAlive(mark: InUseMark): boolean | null {
  if (mark.host !== os.hostname()) return null;
  // 0 and negative ids would signal process groups, not one process.
  if (!Number.isInteger(mark.pid) || mark.pid <= 0) return false;
  try {
    process.kill(mark.pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = processStart(mark.pid);
  return mark.started == null || started == null || started === mark.started;
}

function readMark(file: string): InUseMark | null {
  try {
    const mark = JSON.parse(fs.readFileSync(file, 'utf8')) as InUseMark;
    return Number.isInteger(mark.pid) && typeof mark.host === 'string' ? mark : null;
  } catch {
    return null; // gone meanwhile, or torn by a crash between open and write: stale either way
  }
}

/** The mark on `dir` and whether its process runs; null when `dir` carries none. */
export function inUse(dir: string): InUseState | null {
  const mark = readMark(path.join(dir, IN_USE_FILE));
  return mark && { ...mark, alive: isAlive(mark) };
}

const describe = (m: InUseMark) => `${m.command} (process ${m.pid}${m.host === os.hostname() ? '' : ` on ${m.host}`}, since ${m.since})`;

/**
 * Marks `dir` (created if missing, and removed again if it is still empty) as written by this
 * process's `command` and returns what removes the mark; the mark also goes when the process exits. Refused (naming `option` and the
 * process) while another live process on this host has it marked; this process marking it again
 * (a command inside another) gets a release that leaves the outer mark in place.
 */
export function markInUse(dir: string, command: string, option = '--out'): () => void {
  // The first directory this creates (dir or an ancestor), to take away again if left empty.
  const created = fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, IN_USE_FILE);
  const mark = markOfThisProcess(command);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(mark) + '\n', { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw e;
    }
    const held = readMark(file);
    if (held && held.pid === process.pid && held.host === mark.host) return () => {};
    if (held && isAlive(held) === true)
      throw new UsageError(`${option}: ${dir} is in use by ${describe(held)}; wait for it to finish or stop it first`, {
        option: option.replace(/^--/, ''),
        file: dir,
      });
    // Stale, or another host's (which cannot be checked, and is not trusted to refuse): replaced.
    fs.rmSync(file, { force: true });
  }
  const release = () => {
    process.off('exit', release);
    const held = readMark(file);
    if (held && held.pid === mark.pid && held.since === mark.since) fs.rmSync(file, { force: true });
    // A command that failed before writing anything leaves no empty directory behind.
    if (created) removeEmptyUpTo(dir, created);
  };
  process.on('exit', release);
  return release;
}

/** Removes `dir` and its ancestors up to `top` while they are empty. */
function removeEmptyUpTo(dir: string, top: string): void {
  for (let d = path.resolve(dir); fs.existsSync(d) && fs.readdirSync(d).length === 0; d = path.dirname(d)) {
    fs.rmdirSync(d);
    if (d === path.resolve(top)) break;
  }
}

/** Runs `work` with `dir` marked in use by `command`, the mark removed however it ends. */
export async function whileInUse<T>(dir: string, command: string, work: () => Promise<T>, option = '--out'): Promise<T> {
  const release = markInUse(dir, command, option);
  try {
    return await work();
  } finally {
    release();
  }
}
