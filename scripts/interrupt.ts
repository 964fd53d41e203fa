/**
 * Stopping commands that train: the first SIGINT (Ctrl-C) or SIGTERM (kill, a service manager, a
 * batch scheduler's time limit) asks training to stop after the current step and write a
 * checkpoint (the run continues with --resume, or by rerunning the experiment); a second signal
 * leaves at once. Node's default for SIGTERM is to die mid-step, losing the epoch so far.
 */
import type { Logger } from '../src/log/logger.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export async function withGracefulInterrupt<T>(log: Logger, run: (shouldStop: () => boolean) => Promise<T>): Promise<T> {
  let stop = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop) process.exit(130); // a second signal: leave now
    stop = true;
    log.info(`${signal}: finishing the current step and writing a checkpoint (a second Ctrl-C or SIGTERM quits at once)`);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    return await run(() => stop);
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}
