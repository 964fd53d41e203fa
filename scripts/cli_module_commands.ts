/**
 * CLI wiring of the module commands (issue #13): `modules add|list|search|show|remove`,
 * `replace` and `compose`. Each forwards its parsed options to src/commands/{modules,replace,compose}.ts.
 */
import { Option, type Command } from 'commander';
import { parseInteger, parseNumber } from '../src/cli/parse.js';
import { createProgress } from '../src/log/logger.js';
import type { AddCommand } from './add_command.js';

const repoOption = (cmd: Command) => cmd.option('--repo <dir>', 'module repository (default: $MWT_REPO, else ~/.mwt/modules)');

/** Options every modules subcommand takes (no --backend: nothing is computed). */
const plain = (cmd: Command) =>
  repoOption(cmd)
    .option('--json', 'print the result as JSON on stdout')
    .option('--quiet', 'print only errors')
    .option('--verbose', 'print stack traces on errors');

const modules: AddCommand = (program) => {
  const group = program.command('modules').description('the module repository: add, list, search, show, remove modules by id');
  plain(
    group
      .command('add')
      .description('add the modules of a modularized run (or one module / reuse output directory) to the repository')
      .argument('<RUN>', 'run, module or reuse output directory'),
  ).action(async (source: string, o) => {
    const { modulesAddCommand } = await import('../src/commands/modules.js');
    await modulesAddCommand({ source, repo: o.repo, json: o.json === true }, createProgress({ quiet: o.quiet || o.json }));
  });
  plain(group.command('list').description('every module in the repository, with whether its files still match its id')).action(
    async (o) => {
      const { modulesListCommand } = await import('../src/commands/modules.js');
      modulesListCommand({ repo: o.repo, json: o.json === true });
    },
  );
  plain(
    group
      .command('search')
      .description('modules matching all filters, best F1 first')
      .option('--dataset <name>', 'dataset the module was trained on')
      .option('--class <name|k>', 'class name (case-insensitive) or number')
      .option('--model <name>', 'zoo model')
      .option('--max-flops <f>', 'at most this many MACs per sample', parseNumber('--max-flops'))
      .option('--min-f1 <x>', 'at least this test F1 for the class (every class without --class)', parseNumber('--min-f1')),
  ).action(async (o) => {
    const { modulesSearchCommand } = await import('../src/commands/modules.js');
    modulesSearchCommand({
      repo: o.repo,
      json: o.json === true,
      dataset: o.dataset,
      class: o.class,
      model: o.model,
      maxFlops: o.maxFlops,
      minF1: o.minF1,
    });
  });
  plain(
    group.command('show').description("a module's card and integrity (exit 1 when corrupt)").argument('<ID>', 'module id or unique prefix'),
  ).action(async (id: string, o) => {
    const { modulesShowCommand } = await import('../src/commands/modules.js');
    modulesShowCommand({ id, repo: o.repo, json: o.json === true });
  });
  plain(group.command('remove').description('remove a module from the repository').argument('<ID>', 'module id or unique prefix')).action(
    async (id: string, o) => {
      const { modulesRemoveCommand } = await import('../src/commands/modules.js');
      await modulesRemoveCommand({ id, repo: o.repo, json: o.json === true }, createProgress({ quiet: o.quiet || o.json }));
    },
  );
};

const replace: AddCommand = (program, common) =>
  common(
    repoOption(
      program
        .command('replace')
        .description('patch a weak model: its class K decided by a module (one tfjs model), F1 of K and accuracy before/after')
        .requiredOption('--run <dir>', 'the weak run (written by mwt train)')
        .requiredOption('--class <k>', 'the class to replace', parseInteger('--class'))
        .requiredOption('--module <id|dir>', 'module id in the repository, or a module directory')
        .requiredOption('--out <dir>', 'output directory')
        .addOption(
          new Option('--rule <rule>', 'how the module decides class K').choices(['calibrated', 'cnnsplitter']).default('calibrated'),
        )
        .option('--data-dir <dir>', 'dataset directory, when not the one recorded in the run'),
    ),
  ).action(async (o) => {
    const { replaceCommand } = await import('../src/commands/replace.js');
    await replaceCommand(
      {
        run: o.run,
        class: o.class,
        module: o.module,
        out: o.out,
        rule: o.rule,
        repo: o.repo,
        dataDir: o.dataDir,
        backend: o.backend,
        json: o.json === true,
      },
      createProgress({ quiet: o.quiet || o.json }),
    );
  });

const compose: AddCommand = (program, common) =>
  common(
    repoOption(
      program
        .command('compose')
        .description(
          'one classifier from modules of different runs (no fine-tuning), measured against each source model on the same classes',
        )
        .requiredOption('--modules <list>', 'comma-separated module ids (or directories)')
        .requiredOption('--out <dir>', 'output directory')
        .addOption(new Option('--pick <rule>', 'choose among several modules of one class').choices(['best-f1']))
        .option('--calibrate', 'fit a scale and offset per module score on training images')
        .option('--calibration-per-class <n>', 'training images per class for --calibrate', parseInteger('--calibration-per-class'), 200)
        .option('--data-dir <dir>', 'dataset directory, when not the one recorded in the modules'),
    ),
  ).action(async (o) => {
    const { composeCommand, parseModuleList } = await import('../src/commands/compose.js');
    await composeCommand(
      {
        modules: parseModuleList(o.modules),
        out: o.out,
        pick: o.pick,
        calibrate: o.calibrate === true,
        calibrationPerClass: o.calibrationPerClass,
        repo: o.repo,
        dataDir: o.dataDir,
        backend: o.backend,
        json: o.json === true,
      },
      createProgress({ quiet: o.quiet || o.json }),
    );
  });

export const moduleCommands: AddCommand[] = [modules, replace, compose];
