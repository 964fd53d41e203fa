// The in-use mark of a directory (src/io/in_use.ts): a second command on a directory a live
// process has marked is refused; a mark whose process is gone, or another host's, is replaced;
// the mark goes when the work ends, and a directory the mark alone created goes with it.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IN_USE_FILE, inUse, markInUse, whileInUse } from '../../src/io/in_use.js';
import { UsageError } from '../../src/errors.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-in-use-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A process that stays alive until the test ends. */
function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

/** Field 22 of /proc/PID/stat, as the mark records it (null without /proc). */
function startOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}

function writeMark(dir: string, mark: { pid: number; host?: string; started?: number | null; command?: string }): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, IN_USE_FILE),
    JSON.stringify({
      command: 'mwt train',
      host: os.hostname(),
      since: '2026-12-06T16:00:00.000Z',
      started: null,
      ...mark,
    }),
  );
}

describe('in-use mark', () => {
  it('marks a directory with this process, reports it alive, and removes it on release', () => {
    const dir = tmp();
    const release = markInUse(dir, 'mwt train');
    expect(inUse(dir)).toMatchObject({ pid: process.pid, host: os.hostname(), command: 'mwt train', alive: true });
    // The same process marking it again (a command run inside another) leaves the outer mark.
    markInUse(dir, 'mwt modularize')();
    expect(inUse(dir)?.command).toBe('mwt train');
    release();
    expect(inUse(dir)).toBeNull();
    expect(fs.existsSync(dir)).toBe(true); // it was there before
  });

  it('refuses a directory a live process on this host has marked, naming the option, directory and process', async () => {
    const dir = tmp();
    const child = sleeper();
    await new Promise((resolve) => child.once('spawn', resolve));
    writeMark(dir, { pid: child.pid!, started: startOf(child.pid!), command: 'mwt experiment trends' });
    expect(inUse(dir)?.alive).toBe(true);
    expect(() => markInUse(dir, 'mwt train', '--out')).toThrow(UsageError);
    expect(() => markInUse(dir, 'mwt train', '--out')).toThrow(
      new RegExp(`^--out: ${dir} is in use by mwt experiment trends \\(process ${child.pid}, since 2026-12-06T16:00:00.000Z\\); wait`),
    );
    // The refused command changed nothing: the mark is still the other process's.
    expect(inUse(dir)?.pid).toBe(child.pid);
  });

  it('replaces a mark whose process is gone, or whose process id now belongs to another process', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    writeMark(dir, { pid: child.pid! });
    expect(inUse(dir)?.alive).toBe(false);
    markInUse(dir, 'mwt train')();

    // A live process id with another start time: the marking process is gone and the id reused.
    const other = sleeper();
    await new Promise((resolve) => other.once('spawn', resolve));
    const started = startOf(other.pid!);
    if (started != null) {
      writeMark(dir, { pid: other.pid!, started: started + 1 });
      expect(inUse(dir)?.alive).toBe(false);
      const release = markInUse(dir, 'mwt train');
      expect(inUse(dir)?.pid).toBe(process.pid);
      release();
    }
  });

  it("another host's mark cannot be checked: reported as such, and replaced rather than trusted to refuse", () => {
    const dir = tmp();
    writeMark(dir, { pid: 1, host: 'elsewhere' });
    expect(inUse(dir)).toMatchObject({ host: 'elsewhere', alive: null });
    const release = markInUse(dir, 'mwt train');
    expect(inUse(dir)?.host).toBe(os.hostname());
    release();
  });

  it('whileInUse removes the mark however the work ends, and the directories the mark alone created', async () => {
    const root = tmp();
    const dir = path.join(root, 'a', 'b');
    await expect(
      whileInUse(dir, 'mwt train', async () => {
        expect(inUse(dir)?.alive).toBe(true);
        throw new Error('bad data');
      }),
    ).rejects.toThrow('bad data');
    expect(fs.readdirSync(root)).toEqual([]);

    const result = await whileInUse(dir, 'mwt train', async () => {
      fs.writeFileSync(path.join(dir, 'run.json'), '{}');
      return 7;
    });
    expect(result).toBe(7);
    expect(fs.readdirSync(dir)).toEqual(['run.json']);
  });
});
