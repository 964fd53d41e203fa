/**
 * Ctrl-C for commands that train: the first SIGINT asks training to stop after the current step
 * and write a checkpoint (the run continues with --resume, or by rerunning the experiment); a
 * second one leaves at once.
 */
import type { Logger } from '../src/log/logger.js';

export async function withGracefulInterrupt<T>(log: Logger, run: (shouldStop: () => boolean) => Promise<T>): Promise<T> {
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130); // second Ctrl-C: leave now
    stop = true;
    log.info('interrupt: finishing the current step and writing a checkpoint (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  try {
    return await run(() => stop);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
