/**
 * A training run in a second process (aside.ts), beside the one this process trains: `mwt
 * experiment trends --parallel` trains its standard run this way while it trains the modular one,
 * `mwt experiment seeds --parallel` two seeds at a time. The child is `mwt train` with the run's
 * settings as flags; on an interrupt it writes a checkpoint and exits as `mwt train` does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { optionArgs } from '../cli/options.js';
import { trainOptionsSchema, type TrainOptionsInput } from '../train/options.js';
import type { Logger } from '../log/logger.js';
import { readMetrics } from '../train/train.js';
import { startAside, type Aside } from './aside.js';

export interface TrainingAside extends Aside {
  /** Where the child's run stands, from its metrics: "epoch 12 of 30 done". */
  progress(): string;
}

export function startTrainingAside(
  input: TrainOptionsInput & { out: string },
  logFile: string,
  what: string,
  log: Logger,
  shouldStop?: () => boolean,
): TrainingAside {
  const aside = startAside({
    args: ['train', ...optionArgs(input, trainOptionsSchema.shape)],
    logFile,
    subject: input.out,
    what,
    log,
    shouldStop,
    interrupted: `${input.out}: training interrupted, checkpoint written; run the same command again to continue`,
    afterFailure: 'the run in this process goes on, then the experiment stops',
  });
  log.info(
    `${what}: training ${input.standard ? 'the standard' : 'the modular'} model in ${input.out} in a second process (log: ${logFile})`,
  );
  const metrics = path.join(input.out, 'metrics.jsonl');
  return {
    ...aside,
    progress: () => {
      const epochs = fs.existsSync(metrics) ? readMetrics(metrics).length : 0;
      return `epoch ${epochs} of ${input.epochs ?? '?'} done`;
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
