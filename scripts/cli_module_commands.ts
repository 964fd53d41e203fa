/**
 * CLI wiring of the module commands (issue #13): `modules add|list|search|show|remove`,
 * `replace` and `compose`. Each forwards its parsed options to src/commands/{modules,replace,compose}.ts.
 */
import type { Command } from 'commander';
import { addOptions, commandInput, quietOption, verboseOption } from '../src/cli/options.js';
import { composeOptionsSchema, modulesCommonFields, replaceOptionsSchema, searchOptionsSchema } from '../src/commands/options.js';
import { createProgress } from '../src/log/logger.js';
import type { AddCommand } from './add_command.js';

/** Options every modules subcommand takes (no --backend: nothing is computed). */
const plain = (cmd: Command) => addOptions(cmd, { ...modulesCommonFields, quiet: quietOption, verbose: verboseOption }, []);

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
    addOptions(group.command('search').description('modules matching all filters, best F1 first'), searchOptionsSchema.shape, []),
  ).action(async (o) => {
    const { modulesSearchCommand } = await import('../src/commands/modules.js');
    modulesSearchCommand(commandInput(o, searchOptionsSchema));
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
    addOptions(
      program
        .command('replace')
        .description('patch a weak model: its class K decided by a module (one tfjs model), F1 of K and accuracy before/after'),
      replaceOptionsSchema.shape,
    ),
  ).action(async (o) => {
    const { replaceCommand } = await import('../src/commands/replace.js');
    await replaceCommand(commandInput(o, replaceOptionsSchema), createProgress({ quiet: o.quiet || o.json }));
  });

const compose: AddCommand = (program, common) =>
  common(
    addOptions(
      program
        .command('compose')
        .description(
          'one classifier from modules of different runs (no fine-tuning), measured against each source model on the same classes',
        ),
      composeOptionsSchema.shape,
    ),
  ).action(async (o) => {
    const { composeCommand } = await import('../src/commands/compose.js');
    await composeCommand(commandInput(o, composeOptionsSchema), createProgress({ quiet: o.quiet || o.json }));
  });

export const moduleCommands: AddCommand[] = [modules, replace, compose];
