/**
 * CLI wiring of the commands beyond `train`: each entry adds one subcommand to the program and
 * forwards its parsed options to the library function of the same name in src/commands, which
 * is imported only when the command runs (it loads tfjs).
 */
import type { Command } from 'commander';
import { parseChoice, parseClassList, parseInteger, parseNumber, parseSizeRange, parseThresholds } from '../src/cli/parse.js';
import { createProgress } from '../src/log/logger.js';
import { MODEL_NAMES } from '../models/names.js';
import { BACKENDS } from '../src/engine/backend_names.js';
import { moduleCommands } from './cli_module_commands.js';
import type { AddCommand } from './add_command.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const modularize: AddCommand = (program, common) =>
  common(
    program
      .command('modularize')
      .description('cut a trained modular run into per-class modules (RUN/modules/) and report KRR, cohesion and coupling')
      .requiredOption('--run <dir>', 'run directory written by mwt train')
      .option('--threshold <tau>', 'kernel frequency threshold in (0,1], or a comma-separated list to sweep', parseThresholds, 0.9)
      .option('--keep-generators', 'keep the mask generators in the modules (exactly the modular computation)')
      .option('--batch-size <n>', 'inference batch size', parseInteger('--batch-size'), 256)
      .option('--data-dir <dir>', 'dataset directory, when not the one recorded in the run'),
  ).action(async (o) => {
    const { modularizeCommand } = await import('../src/commands/modularize.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    await modularizeCommand(
      {
        run: o.run,
        threshold: o.threshold,
        keepGenerators: o.keepGenerators === true,
        json: o.json === true,
        backend: o.backend,
        batchSize: o.batchSize,
        dataDir: o.dataDir,
      },
      log,
    );
  });

const report: AddCommand = (program, common) =>
  common(
    program
      .command('report')
      .description('write a self-contained HTML report (RUN/report.html): curves, kernels per class and layer, sweeps, reuse')
      .requiredOption('--run <dir>', 'run directory written by mwt train')
      .option('--standard-run <dir>', 'a standard run to draw beside the modular one')
      .option('--reuse <path>', 'reuse output directory or JSON (repeatable)', collect)
      .option('--out <file>', 'output file (default RUN/report.html)'),
  ).action(async (o) => {
    const { reportCommand } = await import('../src/commands/report.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    const written = await reportCommand({ run: o.run, standardRun: o.standardRun, reuse: o.reuse, out: o.out }, log);
    if (o.json) process.stdout.write(JSON.stringify({ file: written.file, charts: written.charts }) + '\n');
  });

/** Options shared by `reuse` and `experiment reuse`. */
const reuseOptions = (cmd: Command) =>
  cmd
    .requiredOption('--run <dir>', 'modular run directory written by mwt train')
    .option('--epochs <n>', 'fine-tuning epochs', parseInteger('--epochs'), 5)
    .option('--threshold <tau>', 'module threshold in (0,1]', parseNumber('--threshold'), 0.9)
    .option('--lr <x>', 'fine-tuning learning rate (cosine-annealed)', parseNumber('--lr'), 0.01)
    .option('--batch-size <n>', 'fine-tuning batch size', parseInteger('--batch-size'), 128)
    .option('--seed <n>', 'random seed', parseInteger('--seed'), 0)
    .option('--data-dir <dir>', 'dataset directory, when not the one recorded in the run')
    .requiredOption('--out <dir>', 'output directory');

const reuse: AddCommand = (program, common) =>
  common(
    reuseOptions(
      program
        .command('reuse')
        .description('build a smaller model for some classes from their modules, fine-tune it, and compare it with the whole model')
        .requiredOption('--classes <list>', 'target classes, e.g. 0,3', (v) => parseClassList(v)),
    )
      .option('--standard-run <dir>', 'a standard run, for its accuracy on the same classes (M-ACC)')
      .option('--latency-repeats <n>', 'timed runs per batch size (0: skip latency)', parseInteger('--latency-repeats'), 10),
  ).action(async (o) => {
    const { reuseCommand } = await import('../src/commands/reuse.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    await reuseCommand(
      {
        run: o.run,
        classes: o.classes,
        out: o.out,
        epochs: o.epochs,
        threshold: o.threshold,
        standardRun: o.standardRun,
        seed: o.seed,
        lr: o.lr,
        batchSize: o.batchSize,
        latencyRepeats: o.latencyRepeats,
        dataDir: o.dataDir,
        backend: o.backend,
        json: o.json === true,
      },
      log,
    );
  });

const experiment: AddCommand = (program, common) => {
  const group = program.command('experiment').description("experiment runners that reproduce the paper's tables");
  common(
    reuseOptions(
      group
        .command('reuse')
        .description(
          'reuse sweeps: for each sub-task size, random class subsets; mean KRR, FLOPs, module vs model accuracy (paper Tables 5-7)',
        )
        .requiredOption('--standard-run <dir>', 'standard run for M-ACC')
        .requiredOption('--sizes <min-max>', 'sub-task sizes, e.g. 2-9', (v) => parseSizeRange(v))
        .option('--per-size <n>', 'random class subsets per size', parseInteger('--per-size'), 10),
    ),
  ).action(async (o) => {
    const { experimentReuseCommand } = await import('../src/commands/experiment_reuse.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    await experimentReuseCommand(
      {
        run: o.run,
        standardRun: o.standardRun,
        sizes: o.sizes,
        perSize: o.perSize,
        seed: o.seed,
        out: o.out,
        epochs: o.epochs,
        threshold: o.threshold,
        lr: o.lr,
        batchSize: o.batchSize,
        dataDir: o.dataDir,
        backend: o.backend,
        json: o.json === true,
      },
      log,
    );
  });
};

// Not `common`: here --json names the file to write (the contract), not a flag.
const bench: AddCommand = (program) =>
  program
    .command('bench')
    .description('training throughput of one zoo model, standard and modular (npm run bench covers the zoo)')
    .requiredOption('--model <name>', `zoo model: ${MODEL_NAMES.join(', ')}`, parseChoice('--model', 'model', MODEL_NAMES))
    .option('--width <x>', 'channel multiplier', parseNumber('--width'), 1)
    .option('--batch-size <n>', 'batch size', parseInteger('--batch-size'), 64)
    .option('--steps <n>', 'timed steps per form (median reported)', parseInteger('--steps'), 5)
    .option('--warmup <n>', 'untimed steps first', parseInteger('--warmup'), 2)
    .option('--json <file>', 'also write the result to this JSON file')
    .option('--threads <n>', 'wasm threads per replica (default as mwt train)', parseInteger('--threads'))
    .option('--workers <n>', 'data-parallel replicas, one core each (default as mwt train)', parseInteger('--workers'))
    .option(
      '--backend <name>',
      `tfjs backend: ${BACKENDS.join(', ')} (default: the best available)`,
      parseChoice('--backend', 'backend', BACKENDS),
    )
    .option('--quiet', 'print only errors')
    .option('--verbose', 'print stack traces on errors')
    .action(async (o) => {
      const { benchCommand } = await import('../src/commands/bench.js');
      const log = createProgress({ quiet: o.quiet });
      await benchCommand(
        {
          model: o.model,
          width: o.width,
          batchSize: o.batchSize,
          steps: o.steps,
          warmup: o.warmup,
          json: o.json,
          threads: o.threads,
          workers: o.workers,
          backend: o.backend,
        },
        log,
      );
    });

const serve: AddCommand = (program, common) =>
  common(
    program
      .command('serve')
      .description(
        'a local web page that composes a sub-task model in the browser from the modules of a run or a module repository (read-only)',
      )
      .option('--run <dir>', 'a run cut into modules by mwt modularize')
      .option('--repo <dir>', 'a module repository (mwt modules add)')
      .option('--port <n>', 'TCP port (0: any free port)', parseInteger('--port'), 8080)
      .option('--host <address>', 'address to listen on (default: loopback only)', '127.0.0.1'),
  ).action(async (o) => {
    const { serve } = await import('../src/commands/serve.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    const server = await serve({ run: o.run, repo: o.repo, port: o.port, host: o.host, backend: o.backend, json: o.json === true }, log);
    // Ctrl-C (or a service manager's SIGTERM) is the way to stop: close, then the CLI exits 0.
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    log.info('serve: stopped');
  });

export const commandModules: AddCommand[] = [modularize, reuse, experiment, report, bench, serve, ...moduleCommands];
