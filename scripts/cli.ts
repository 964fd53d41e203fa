/**
 * The `mwt` command line: a thin layer over the library's command functions. Each command
 * parses its options here and hands a typed object to `src/commands/*` or the trainer.
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { train } from '../src/train/train.js';
import { createProgress } from '../src/cli/progress.js';
import { exitCodeFor, formatError } from '../src/cli/errors.js';
import { MODEL_NAMES } from '../models/registry.js';
import { DATASET_NAMES } from '../src/data/load.js';
import { BACKENDS } from '../src/engine/backend.js';
import { parseInteger, parseNumber } from '../src/cli/parse.js';
import { commandModules } from './cli_commands.js';

export function buildProgram(): Command {
  const program = new Command('mwt')
    .description('Modularizing while training: train CNNs modular, cut them into per-class modules, reuse only what a task needs')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const common = (cmd: Command) =>
    cmd
      .addOption(new Option('--backend <name>', 'tfjs backend (default: best available: tensorflow, wasm, cpu)').choices([...BACKENDS]))
      .option('--quiet', 'print only errors')
      .option('--json', 'print the result as JSON on stdout')
      .option('--verbose', 'print stack traces on errors');

  common(
    program
      .command('train')
      .description('train a model, modular (default) or --standard, and write metrics, checkpoints and the final model to --out')
      .addOption(new Option('--model <name>', 'zoo model').choices(MODEL_NAMES).makeOptionMandatory())
      .addOption(new Option('--dataset <name>', 'dataset').choices([...DATASET_NAMES]).makeOptionMandatory())
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
      .option('--resume', 'continue from the checkpoint in --out')
      .option('--threads <n>', 'wasm threads per replica (default: one per core without workers, else 1; alone, it means no workers)', parseInteger('--threads'))
      .option('--workers <n>', 'data-parallel replicas, one core each (default on wasm: one per core when each gets >= 32 samples of a batch)', parseInteger('--workers')),
  ).action(async (o) => {
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
          model: o.model, dataset: o.dataset, dataDir: o.dataDir, out: o.out, epochs: o.epochs, batchSize: o.batchSize, lr: o.lr,
          alpha: o.alpha, beta: o.beta, width: o.width, limit: o.limit, seed: o.seed, backend: o.backend, standard: o.standard === true,
          resume: o.resume === true, augment: o.augment === false ? false : undefined, quiet: o.quiet === true, threads: o.threads,
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
    .description('build an optional backend outside npm install: `mwt setup tensorflow` (native TensorFlow + oneDNN, from the pip wheel tensorflow-cpu)')
    .argument('<backend>', 'tensorflow')
    .option('--wheel <file>', 'a tensorflow-cpu wheel already on disk (default: pip downloads it)')
    .option('--force', 'rebuild even when a finished build is there')
    .action(async (backend: string, o) => (await import('../src/setup/tensorflow.js')).setupCommand(backend, o));

  for (const add of commandModules) add(program, common);
  return program;
}

export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help')) return 0;
    // Commander already printed its own message for parse errors.
    if (!(error instanceof CommanderError)) process.stderr.write(formatError(error, verbose) + '\n');
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
