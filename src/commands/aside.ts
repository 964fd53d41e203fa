/**
 * An mwt command in a second process, beside the work of this one. One process alone leaves a
 * core idle: training and fine-tuning are hundreds of small ops dispatched one after another from
 * JavaScript, most too small to split over cores, so a second process fills the gaps (1.2-1.5x
 * the throughput on 2 cores: BENCHMARKS.md, "Two runs side by side"). `mwt experiment trends
 * --parallel` trains its standard run this way (train_aside.ts), `mwt experiment seeds
 * --parallel` two seeds at a time and then modularizes them two at a time (experiment_steps.ts,
 * as `grid --parallel` does its runs), and `mwt experiment reuse --parallel` fine-tunes two
 * sub-tasks at a time.
 *
 * The child is `mwt ARGS` (the same command a user could type, printed to the log), its output
 * appended to `logFile`. It is in its own process group, so a Ctrl-C reaches this process only;
 * `stop` (or `shouldStop` turning true) passes one interrupt on, and the child finishes its step
 * and exits as the command does on Ctrl-C. If this process exits without stopping it, it is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InterruptedError } from '../errors.js';
import { packageRoot } from '../data/sample.js';
import type { Logger } from '../log/logger.js';
import { EXIT } from '../cli/errors.js';

export interface Aside {
  /** Where its output goes. */
  logFile: string;
  /** Settles when the child has exited: resolves on success, rejects with its last log line otherwise. */
  done: Promise<void>;
  /** Asks the child to stop at its next step (once), then waits for it; never rejects. */
  stop(): Promise<void>;
  /** Whether the child is still running. */
  running(): boolean;
}

export interface AsideOptions {
  /** The mwt command and its flags, e.g. ['train', '--model', 'simcnn', ...]. */
  args: string[];
  logFile: string;
  /** What the child works on, for its messages: an output directory. */
  subject: string;
  /** Prefix of this process's log lines, e.g. 'trends'. */
  what: string;
  log: Logger;
  /** Polled: when it turns true the child is asked to stop. */
  shouldStop?: () => boolean;
  /** The message when the child stops on an interrupt (default: that it can be continued). */
  interrupted?: string;
  /** What happens here when the child fails, said with its error (default: this process goes on). */
  afterFailure?: string;
}

/** The last non-empty line of a log file (what a failed mwt command printed as its error). */
function lastLine(file: string): string {
  try {
    const lines = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim());
    return lines.filter((l) => l.length > 0).pop() ?? '(no output)';
  } catch {
    return '(no output)';
  }
}

export function startAside(opts: AsideOptions): Aside {
  const { logFile, subject, what, log, shouldStop } = opts;
  // The command's words, before its flags: 'mwt train', 'mwt experiment reuse'.
  const words = opts.args.findIndex((a) => a.startsWith('-'));
  const name = `mwt ${opts.args.slice(0, words < 0 ? undefined : words).join(' ')}`;
  const args = [path.join(packageRoot(), 'bin', 'mwt.js'), ...opts.args];
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n# ${new Date().toISOString()}: mwt ${opts.args.join(' ')}\n`);
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, args, { stdio: ['ignore', fd, fd], detached: true });
  } finally {
    fs.closeSync(fd); // the child holds its own copy
  }
  // If this process dies without stopping it (a second Ctrl-C), the child goes too, not on alone.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  let signalled = false;
  const interrupt = () => {
    if (signalled || child.exitCode != null) return;
    signalled = true;
    child.kill('SIGINT');
  };
  const poll = shouldStop ? setInterval(() => shouldStop() && interrupt(), 250) : null;
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`${subject}: could not start ${name} (${e.message})`)));
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      if (poll) clearInterval(poll);
      if (code === 0) return resolve();
      if (code === EXIT.interrupted || signalled)
        return reject(new InterruptedError(opts.interrupted ?? `${subject}: ${name} interrupted; run the same command again to continue`));
      reject(new Error(`${subject}: ${name} exited with ${signal ?? `code ${code}`}: ${lastLine(logFile)} (log: ${logFile})`));
    });
  });
  // Handled now, not only when the caller awaits it after its own work (hours later, maybe): a
  // failure is said at once, and is no unhandled rejection meanwhile.
  done.catch((e: Error) => {
    if (!(e instanceof InterruptedError)) log.info(`${what}: ${e.message}; ${opts.afterFailure ?? 'this process goes on'}`);
  });
  return {
    logFile,
    done,
    running: () => child.exitCode == null && child.signalCode == null,
    stop: async () => {
      interrupt();
      await done.catch(() => {});
    },
  };
}
