/**
 * Error kinds the CLI maps to exit codes. Kept free of tfjs imports so that any module can throw
 * them without loading the engine.
 */
import type { z } from 'zod';

/** A problem with how a command was called (exit code 2), as opposed to a data or run error (1). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A run stopped on request (SIGINT) after writing a checkpoint (exit code 130). */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

/** One line naming the first bad option (as the CLI spells it) and what was expected. */
export function formatZodError(error: z.ZodError, optionName: (key: string) => string = (k) => `--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`): string {
  const issue = error.issues[0]!;
  const key = issue.path.join('.');
  return `${key ? optionName(key) : 'options'}: ${issue.message}`;
}
