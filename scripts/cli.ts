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
import { addOptions, commandInput, commonShape } from '../src/cli/options.js';
import { trainOptionsSchema } from '../src/train/options.js';
import { commandModules } from './cli_commands.js';
import { withGracefulInterrupt } from './interrupt.js';

/** --backend, --quiet, --json and --verbose: every command but bench takes them. */
export function commonOptions(cmd: Command): Command {
  return addOptions(cmd, commonShape, []);
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
    addOptions(
      program
        .command('train')
        .description('train a model, modular (default) or --standard, and write metrics, checkpoints and the final model to --out'),
      trainOptionsSchema.shape,
    ),
  ).action(async (o) => {
    const { train } = await import('../src/train/train.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    const summary = await withGracefulInterrupt(log, (shouldStop) => train(commandInput(o, trainOptionsSchema), { log, shouldStop }));
    if (o.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
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
