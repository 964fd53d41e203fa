/**
 * mwt's errors: each carries its kind, which the CLI maps to an exit code (src/cli/errors.ts),
 * and, where it has one, the option or file it concerns, so that callers branch on fields rather
 * than on message text. Kept free of tfjs imports so that any module can throw them without
 * loading the engine.
 */
import type { z } from 'zod';

/**
 * usage: how a command was called (bad options); input: an option names something unusable (a
 * directory that holds no run, a class without a module); output: a location that cannot be
 * written; interrupted: stopped on request after a checkpoint.
 */
export type ErrorKind = 'usage' | 'input' | 'output' | 'interrupted';

/** What an error is about: an option (as the library names it, `standardRun`) and/or a file. */
export interface ErrorSubject {
  option?: string;
  file?: string;
}

export class MwtError extends Error {
  override name = 'MwtError';
  readonly option?: string;
  readonly file?: string;
  constructor(
    readonly kind: ErrorKind,
    message: string,
    subject: ErrorSubject & { cause?: unknown } = {},
  ) {
    super(message, subject.cause === undefined ? undefined : { cause: subject.cause });
    this.option = subject.option;
    this.file = subject.file;
  }
}

/** A problem with how a command was called (exit code 2), as opposed to a data or run error (1). */
export class UsageError extends MwtError {
  override name = 'UsageError';
  constructor(message: string, subject: ErrorSubject = {}) {
    super('usage', message, subject);
  }
}

/**
 * An option's value names something that cannot be used: a run directory that is not a finished
 * run of the right kind, a class without a module. The message starts with the option as the CLI
 * spells it (`--run: ...`); `option` holds the library's name for it.
 */
export class InputError extends MwtError {
  override name = 'InputError';
  constructor(option: string, detail: string, file?: string) {
    super('input', `${flagOf(option)}: ${detail}`, { option, file });
  }
}

/** An output location that cannot be written (exit code 1: the machine's state, not the call). */
export class OutputError extends MwtError {
  override name = 'OutputError';
  constructor(message: string, subject: ErrorSubject = {}) {
    super('output', message, subject);
  }
}

/** A run stopped on request (SIGINT or SIGTERM) after writing a checkpoint (exit code 130). */
export class InterruptedError extends MwtError {
  override name = 'InterruptedError';
  constructor(message: string) {
    super('interrupted', message);
  }
}

/**
 * The same problem as a usage error (exit code 2), keeping its option and file: for commands
 * where any problem with what an option names is a problem with how the command was called.
 */
export function asUsageError(e: unknown): UsageError {
  if (e instanceof UsageError) return e;
  const subject = e instanceof MwtError ? { option: e.option, file: e.file } : {};
  return new UsageError(e instanceof Error ? e.message : String(e), subject);
}

/** `batchSize` -> `--batch-size`: an option as the CLI spells it. */
export const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;

/** What an option's value should have been, in the README's words (zod's own wording reads as a stack). */
function expected(issue: z.core.$ZodIssue): string {
  const bound = issue as { minimum?: number | bigint; maximum?: number | bigint; inclusive?: boolean };
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'expected an integer';
      if (issue.expected === 'number') return 'expected a number';
      if (issue.expected === 'string') return 'expected a text value';
      if (issue.expected === 'boolean') return 'expected true or false';
      if (issue.expected === 'array') return 'expected a list';
      return `expected ${issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string') return 'expected a non-empty value';
      if (issue.origin === 'array') return `expected at least ${bound.minimum} value${bound.minimum === 1 ? '' : 's'}`;
      if (Number(bound.minimum) === 0) return bound.inclusive ? 'expected a number >= 0' : 'expected a positive number';
      return `expected a number ${bound.inclusive ? '>=' : '>'} ${bound.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `expected at most ${bound.maximum} values`;
      return `expected a number ${bound.inclusive ? '<=' : '<'} ${bound.maximum}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`;
    default:
      return issue.message;
  }
}

/** zod's default messages start like this; a schema's own message is kept as written. */
const ZOD_DEFAULT = /^(Invalid input|Too small|Too big|Invalid option)\b/;

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input;
  for (const key of path) v = v != null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/**
 * One line naming the first bad option (as the CLI spells it), what was expected, and what was
 * given when `input` is passed: `--width: expected a positive number, got 0`.
 */
export function formatZodError(error: z.ZodError, input?: unknown, optionName: (key: string) => string = flagOf): string {
  const issue = error.issues[0]!;
  const key = issue.path.filter((p) => typeof p === 'string').join('.');
  const message = ZOD_DEFAULT.test(issue.message) ? expected(issue) : issue.message;
  const given = input === undefined ? undefined : valueAt(input, issue.path);
  const got =
    given === undefined || /, got /.test(message) ? '' : `, got ${typeof given === 'string' ? `'${given}'` : JSON.stringify(given)}`;
  return `${key ? optionName(key) : 'options'}: ${message}${got}`;
}

/** Validates a command's options against its schema; the first problem becomes a UsageError. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new UsageError(formatZodError(result.error, input));
  return result.data;
}
