/**
 * How the CLI ends: one line on stderr and an exit code — 2 for usage errors (bad options),
 * 1 for data or run errors, 130 after an interrupt. A stack trace only with --verbose.
 */
import { InterruptedError, UsageError } from '../errors.js';

export const EXIT = { ok: 0, runError: 1, usage: 2, interrupted: 130 } as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof InterruptedError) return EXIT.interrupted;
  const code = (error as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('commander.')) return EXIT.usage;
  return EXIT.runError;
}

export function formatError(error: unknown, verbose: boolean): string {
  if (verbose && error instanceof Error && error.stack) return error.stack;
  const message = error instanceof Error ? error.message : String(error);
  // One line: the first line of the message, without commander's "error: " prefix.
  return `mwt: ${message.split('\n')[0]!.replace(/^error: /, '')}`;
}
