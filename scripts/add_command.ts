import type { Command } from 'commander';

/** Adds one subcommand to the program; `common` adds the options every computing command takes. */
export type AddCommand = (program: Command, common: (cmd: Command) => Command) => void;
