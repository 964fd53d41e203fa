/**
 * A training run in a second process, beside the one this process trains: `mwt experiment trends
 * --parallel` trains its standard run this way while it trains the modular one, `mwt experiment
 * seeds --parallel` two seeds at a time. One run alone leaves cores idle: the modular step is
 * hundreds of small ops dispatched one after another from JavaScript, most too small to split
 * over cores, so a second run fills the gaps (1.2-1.5x the throughput on 2 cores: BENCHMARKS.md,
 * "Two runs side by side").
 *
 * The child is `mwt train` with the run's settings as flags (the same command a user could type,
 * printed to the log), its output appended to `logFile`. It is in its own process group, so a
 * Ctrl-C reaches this process only; `stop` (or `shouldStop` turning true) passes one interrupt on,
 * and the child writes a checkpoint and exits as `mwt train` does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InterruptedError } from '../errors.js';
import { optionArgs } from '../cli/options.js';
import { packageRoot } from '../data/sample.js';
import { trainOptionsSchema, type TrainOptionsInput } from '../train/options.js';
import type { Logger } from '../log/logger.js';
import { readMetrics } from '../train/train.js';
import { EXIT } from '../cli/errors.js';

export interface TrainingAside {
  /** The command line the child runs. */
  command: string[];
  /** Where its output goes. */
  logFile: string;
  /** Settles when the child has exited: resolves on success, rejects with its last log line otherwise. */
  done: Promise<void>;
  /** Asks the child to checkpoint and stop (once), then waits for it; never rejects. */
  stop(): Promise<void>;
  /** Whether the child is still training. */
  running(): boolean;
  /** Where the child's run stands, from its metrics: "epoch 12 of 30 done". */
  progress(): string;
}

/** The last non-empty line of a log file (what a failed `mwt train` printed as its error). */
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

export function startTrainingAside(
  input: TrainOptionsInput & { out: string },
  logFile: string,
  what: string,
  log: Logger,
  shouldStop?: () => boolean,
): TrainingAside {
  const args = [path.join(packageRoot(), 'bin', 'mwt.js'), 'train', ...optionArgs(input, trainOptionsSchema.shape)];
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n# ${new Date().toISOString()}: mwt ${args.slice(1).join(' ')}\n`);
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
    child.once('error', (e) => reject(new Error(`${input.out}: could not start mwt train (${e.message})`)));
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      if (poll) clearInterval(poll);
      if (code === 0) return resolve();
      if (code === EXIT.interrupted || signalled)
        return reject(
          new InterruptedError(`${input.out}: training interrupted, checkpoint written; run the same command again to continue`),
        );
      reject(new Error(`${input.out}: mwt train exited with ${signal ?? `code ${code}`}: ${lastLine(logFile)} (log: ${logFile})`));
    });
  });
  // Handled now, not only when the caller awaits it after its own run (hours later, maybe): a
  // failure is said at once, and is no unhandled rejection meanwhile.
  done.catch((e: Error) => {
    if (!(e instanceof InterruptedError)) log.info(`${what}: ${e.message}; the run in this process goes on, then the experiment stops`);
  });
  log.info(
    `${what}: training ${input.standard ? 'the standard' : 'the modular'} model in ${input.out} in a second process (log: ${logFile})`,
  );
  const metrics = path.join(input.out, 'metrics.jsonl');
  return {
    command: args.slice(1),
    logFile,
    done,
    running: () => child.exitCode == null && child.signalCode == null,
    progress: () => {
      const epochs = fs.existsSync(metrics) ? readMetrics(metrics).length : 0;
      return `epoch ${epochs} of ${input.epochs ?? '?'} done`;
    },
    stop: async () => {
      interrupt();
      await done.catch(() => {});
    },
  };
}

/**
 * Runs `here` (a training run of this process) while `aside` trains in its child, and waits for
 * both. If `here` fails or is interrupted, the child is stopped at a checkpoint too.
 */
export async function besideTraining(aside: TrainingAside, here: () => Promise<void>, what: string, log: Logger): Promise<void> {
  try {
    await here();
  } catch (e) {
    await aside.stop();
    throw e;
  }
  // Its progress is in its log, not here: say what this process is waiting for.
  if (aside.running()) log.info(`${what}: waiting for the run in the second process (${aside.progress()}; log: ${aside.logFile})`);
  await aside.done;
}
