/**
 * CLI wiring of the commands beyond `train`: each entry adds one subcommand to the program and
 * forwards its parsed options to the library function of the same name in src/commands.
 */
import type { Command } from 'commander';

export type AddCommand = (program: Command, common: (cmd: Command) => Command) => void;

export const commandModules: AddCommand[] = [];
