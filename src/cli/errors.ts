/**
 * How the CLI ends: one line on stderr, `mwt COMMAND: what is wrong`, and an exit code — 2 for
 * usage errors (bad options), 1 for data or run errors, 130 after an interrupt. A stack trace
 * only with --verbose.
 */
import type { Command } from 'commander';
import { MwtError, type ErrorKind } from '../errors.js';

export const EXIT = { ok: 0, runError: 1, usage: 2, interrupted: 130 } as const;

const EXIT_FOR_KIND: Record<ErrorKind, number> = {
  usage: EXIT.usage,
  input: EXIT.runError,
  output: EXIT.runError,
  interrupted: EXIT.interrupted,
};

export function exitCodeFor(error: unknown): number {
  if (error instanceof MwtError) return EXIT_FOR_KIND[error.kind];
  const code = (error as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('commander.')) return EXIT.usage;
  return EXIT.runError;
}

/** `mwt`, `mwt train`, `mwt experiment reuse`: the (sub)command that `args` name. */
export function commandPath(program: Command, args: string[]): string {
  const names = [program.name()];
  let cmd = program;
  for (const arg of args) {
    if (arg.startsWith('-')) break;
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    names.push(sub.name());
    cmd = sub;
  }
  return names.join(' ');
}

export function formatError(error: unknown, verbose: boolean, command = 'mwt'): string {
  if (verbose && error instanceof Error && error.stack) return error.stack;
  const message = error instanceof Error ? error.message : String(error);
  // One line: commander puts its suggestion on a line of its own and starts with "error: ".
  const line = message
    .replace(/^error: /, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
  return `${command}: ${line}`;
}
