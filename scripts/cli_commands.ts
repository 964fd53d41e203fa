/**
 * CLI wiring of the commands beyond `train`: each entry adds one subcommand to the program with
 * the options its schema declares (src/commands/options.ts: flags, parsers, defaults and help
 * derived by src/cli/options.ts) and forwards them to the library function of the same name in
 * src/commands, which is imported only when the command runs (it loads tfjs).
 */
import { addOptions, commandInput, quietOption, verboseOption } from '../src/cli/options.js';
import {
  benchOptionsSchema,
  experimentReuseOptionsSchema,
  experimentSeedsOptionsSchema,
  experimentGridOptionsSchema,
  experimentStatusOptionsSchema,
  experimentTrendsOptionsSchema,
  modularizeOptionsSchema,
  reportOptionsSchema,
  reuseOptionsSchema,
  serveOptionsSchema,
} from '../src/commands/options.js';
import { createProgress } from '../src/log/logger.js';
import { moduleCommands } from './cli_module_commands.js';
import type { AddCommand } from './add_command.js';
import { withGracefulInterrupt } from './interrupt.js';

const modularize: AddCommand = (program, common) =>
  common(
    addOptions(
      program
        .command('modularize')
        .description('cut a trained modular run into per-class modules (RUN/modules/) and report KRR, cohesion and coupling'),
      modularizeOptionsSchema.shape,
    ),
  ).action(async (o) => {
    const { modularizeCommand } = await import('../src/commands/modularize.js');
    await modularizeCommand(commandInput(o, modularizeOptionsSchema), createProgress({ quiet: o.quiet || o.json }));
  });

const report: AddCommand = (program, common) =>
  common(
    addOptions(
      program
        .command('report')
        .description(
          'write a self-contained HTML report (RUN/report.html): curves, runs compared, kernels per class and layer, sweeps, module cards, reuse, replace, compose, a repository',
        ),
      reportOptionsSchema.shape,
    ),
  ).action(async (o) => {
    const { reportCommand } = await import('../src/commands/report.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    const written = await reportCommand(commandInput(o, reportOptionsSchema), log);
    if (o.json) process.stdout.write(JSON.stringify({ file: written.file, charts: written.charts }) + '\n');
  });

const reuse: AddCommand = (program, common) =>
  common(
    addOptions(
      program
        .command('reuse')
        .description('build a smaller model for some classes from their modules, fine-tune it, and compare it with the whole model'),
      reuseOptionsSchema.shape,
    ),
  ).action(async (o) => {
    const { reuseCommand } = await import('../src/commands/reuse.js');
    await reuseCommand(commandInput(o, reuseOptionsSchema), createProgress({ quiet: o.quiet || o.json }));
  });

const experiment: AddCommand = (program, common) => {
  const group = program.command('experiment').description("experiment runners that reproduce the paper's tables");
  common(
    addOptions(
      group
        .command('reuse')
        .description(
          'reuse sweeps: for each sub-task size, random class subsets; mean KRR, FLOPs, module vs model accuracy (paper Tables 5-7)',
        ),
      experimentReuseOptionsSchema.shape,
    ),
  ).action(async (o) => {
    const { experimentReuseCommand } = await import('../src/commands/experiment_reuse.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    await withGracefulInterrupt(log, (shouldStop) =>
      experimentReuseCommand(commandInput(o, experimentReuseOptionsSchema), log, { shouldStop }),
    );
  });
  common(
    addOptions(
      group
        .command('trends')
        .description(
          "the paper's trends for one model: modular and standard training, per-epoch kernel rate/cohesion/coupling (Fig. 5), KRR against tau (RQ4), reuse by sub-task size (Tables 5-7); rerun to continue",
        ),
      experimentTrendsOptionsSchema.shape,
    ),
  ).action(async (o) => {
    const { experimentTrendsCommand } = await import('../src/commands/experiment_trends.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    await withGracefulInterrupt(log, (shouldStop) =>
      experimentTrendsCommand(commandInput(o, experimentTrendsOptionsSchema), log, { shouldStop }),
    );
  });
  common(
    addOptions(
      group
        .command('seeds')
        .description(
          'one setting at several training seeds: train, modularize and reuse each, then the mean, spread and, with --reference, how many seeds are at or past given figures; rerun to continue',
        ),
      experimentSeedsOptionsSchema.shape,
    ),
  ).action(async (o) => {
    const { experimentSeedsCommand } = await import('../src/commands/experiment_seeds.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    await withGracefulInterrupt(log, (shouldStop) =>
      experimentSeedsCommand(commandInput(o, experimentSeedsOptionsSchema), log, { shouldStop }),
    );
  });
  common(
    addOptions(
      group
        .command('grid')
        .description(
          "the paper's Fig. 6: modular training over a grid of alpha and beta at one or more seeds; accuracy, both mask losses and the modules' KRR, cohesion and coupling per point, mean over seeds, and whether each rises or falls along alpha and beta; rerun to continue",
        ),
      experimentGridOptionsSchema.shape,
    ),
  ).action(async (o) => {
    const { experimentGridCommand } = await import('../src/commands/experiment_grid.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    await withGracefulInterrupt(log, (shouldStop) =>
      experimentGridCommand(commandInput(o, experimentGridOptionsSchema), log, { shouldStop }),
    );
  });
  // Reads files only (no tfjs, no backend): not `common`.
  addOptions(
    group
      .command('status')
      .description(
        'where a training run or an experiment stands: epochs done and time left at its pace, modules, sub-tasks finished, whether it looks stopped',
      ),
    { ...experimentStatusOptionsSchema.shape, verbose: verboseOption },
    [],
  ).action(async (o) => {
    const { experimentStatusCommand } = await import('../src/commands/experiment_status.js');
    experimentStatusCommand(commandInput(o, experimentStatusOptionsSchema));
  });
};

// Not `common`: here --json names the file to write (the contract), not a flag.
const bench: AddCommand = (program) =>
  addOptions(
    program.command('bench').description('training throughput of one zoo model, standard and modular (npm run bench covers the zoo)'),
    { ...benchOptionsSchema.shape, quiet: quietOption, verbose: verboseOption },
    [],
  ).action(async (o) => {
    const { benchCommand } = await import('../src/commands/bench.js');
    await benchCommand(commandInput(o, benchOptionsSchema), createProgress({ quiet: o.quiet }));
  });

const serve: AddCommand = (program, common) =>
  common(
    addOptions(
      program
        .command('serve')
        .description(
          'a local web page that composes a sub-task model in the browser from the modules of a run or a module repository (read-only)',
        ),
      serveOptionsSchema.shape,
    ),
  ).action(async (o) => {
    const { serve } = await import('../src/commands/serve.js');
    const log = createProgress({ quiet: o.quiet || o.json });
    const server = await serve(commandInput(o, serveOptionsSchema), log);
    // Ctrl-C (or a service manager's SIGTERM) is the way to stop: close, then the CLI exits 0.
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    log.info('serve: stopped');
  });

export const commandModules: AddCommand[] = [modularize, reuse, experiment, report, bench, serve, ...moduleCommands];
