/**
 * The `mwt` command line: a thin layer over the library's command functions. Each command
 * parses its options here and hands a typed object to `src/commands/*` or the trainer.
 *
 * Only commander, the option parsers and the name lists load up front; tfjs and each command's
 * code are imported inside its action, so `mwt --help` and `mwt models` start in a fraction of a
 * second (BENCHMARKS.md "Start-up").
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { createProgress } from '../src/log/logger.js';
import { commandPath, exitCodeFor, formatError } from '../src/cli/errors.js';
import { MODEL_NAMES } from '../models/names.js';
import { DATASET_NAMES } from '../src/data/dataset_names.js';
import { BACKENDS } from '../src/engine/backend_names.js';
import { parseChoice, parseInteger, parseNumber } from '../src/cli/parse.js';
import { commandModules } from './cli_commands.js';

/** --backend, --quiet, --json and --verbose: every command but bench takes them. */
export function commonOptions(cmd: Command): Command {
  return cmd
    .option(
      '--backend <name>',
      `tfjs backend: ${BACKENDS.join(', ')} (default: the best available, in that order)`,
      parseChoice('--backend', 'backend', BACKENDS),
    )
    .option('--quiet', 'print only errors')
    .option('--json', 'print the result as JSON on stdout')
    .option('--verbose', 'print stack traces on errors');
}

export function buildProgram(): Command {
  const program = new Command('mwt')
    .description('Modularizing while training: train CNNs modular, cut them into per-class modules, reuse only what a task needs')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    // Commander's own error lines are rewritten in main() to the style of every other error.
    .configureOutput({ outputError: () => {} })
    .exitOverride();

  commonOptions(
    program
      .command('train')
      .description('train a model, modular (default) or --standard, and write metrics, checkpoints and the final model to --out')
      .requiredOption('--model <name>', `zoo model: ${MODEL_NAMES.join(', ')}`, parseChoice('--model', 'model', MODEL_NAMES))
      .requiredOption('--dataset <name>', `dataset: ${DATASET_NAMES.join(', ')}`, parseChoice('--dataset', 'dataset', DATASET_NAMES))
      .requiredOption('--data-dir <dir>', 'directory with the dataset files')
      .requiredOption('--out <dir>', 'run directory to write')
      .option('--epochs <n>', 'epochs (paper: 200)', parseInteger('--epochs'), 200)
      .option('--batch-size <n>', 'batch size', parseInteger('--batch-size'), 128)
      .option('--lr <x>', 'initial learning rate (cosine-annealed)', parseNumber('--lr'), 0.05)
      .option('--alpha <x>', 'cohesion loss weight', parseNumber('--alpha'), 0.5)
      .option('--beta <x>', 'coupling loss weight', parseNumber('--beta'), 1.5)
      .option('--width <x>', 'channel multiplier (0.25 = a quarter of the channels)', parseNumber('--width'), 1)
      .option('--limit <n>', 'class-balanced subset of N training samples', parseInteger('--limit'))
      .option('--seed <n>', 'random seed', parseInteger('--seed'), 0)
      .option('--standard', 'train the plain model with cross-entropy only')
      .option('--no-augment', 'no random crop/flip (on by default for 32x32 colour data)')
      .option('--resume', 'continue the run in --out from its last checkpoint')
      .option('--overwrite', 'replace the run already in --out (its metrics, checkpoints, model and modules are deleted)')
      .option(
        '--threads <n>',
        'wasm threads per replica (default: one per core without workers, else 1; alone, it means no workers)',
        parseInteger('--threads'),
      )
      .option(
        '--workers <n>',
        'data-parallel replicas, one core each (default on wasm: one per core when each gets >= 32 samples of a batch)',
        parseInteger('--workers'),
      ),
  ).action(async (o) => {
    const { train } = await import('../src/train/train.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    let stop = false;
    const onSigint = () => {
      if (stop) process.exit(130); // second Ctrl-C: leave now
      stop = true;
      log.info('interrupt: finishing the current step and writing a checkpoint (Ctrl-C again to quit at once)');
    };
    process.on('SIGINT', onSigint);
    try {
      const summary = await train(
        {
          model: o.model,
          dataset: o.dataset,
          dataDir: o.dataDir,
          out: o.out,
          epochs: o.epochs,
          batchSize: o.batchSize,
          lr: o.lr,
          alpha: o.alpha,
          beta: o.beta,
          width: o.width,
          limit: o.limit,
          seed: o.seed,
          backend: o.backend,
          standard: o.standard === true,
          resume: o.resume === true,
          overwrite: o.overwrite === true,
          augment: o.augment === false ? false : undefined,
          quiet: o.quiet === true,
          threads: o.threads,
          workers: o.workers,
        },
        { log, shouldStop: () => stop },
      );
      if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    } finally {
      process.off('SIGINT', onSigint);
    }
  });

  program
    .command('models')
    .description('list the zoo models')
    .action(() => {
      for (const name of MODEL_NAMES) process.stdout.write(name + '\n');
    });

  program
    .command('setup')
    .description(
      'build an optional backend outside npm install: `mwt setup tensorflow` (native TensorFlow + oneDNN, from the pip wheel tensorflow-cpu)',
    )
    .argument('<backend>', 'tensorflow')
    .option('--wheel <file>', 'a tensorflow-cpu wheel already on disk (default: pip downloads it)')
    .option('--force', 'rebuild even when a finished build is there')
    .action(async (backend: string, o) => (await import('../src/setup/tensorflow.js')).setupCommand(backend, o));

  for (const add of commandModules) add(program, commonOptions);
  return program;
}

const QUIET_EXITS = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError && QUIET_EXITS.has(error.code)) return 0;
    const name = commandPath(program, argv.slice(2));
    process.stderr.write(formatError(error, verbose, name) + '\n');
    if (error instanceof CommanderError) process.stderr.write(`(run '${name} --help' for usage)\n`);
    return exitCodeFor(error);
  }
}

/** Runs the CLI and ends the process with its exit code (after stdout has drained). */
export async function run(argv = process.argv): Promise<void> {
  const code = await main(argv);
  process.exitCode = code;
  // tfjs backends may keep handles open; leave once pending output is flushed.
  setTimeout(() => process.exit(code), 50).unref();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
