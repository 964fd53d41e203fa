/**
 * Options declared once: each is a zod schema (its type, checks and default) with its help text
 * attached here; the library validates with the schema, and the CLI derives from the same schema
 * the commander option (flag name, value parser, required or not, default shown in --help).
 * tfjs-free, so `mwt --help` stays fast.
 *
 *   const epochs = option(z.number().int().positive().default(200), { help: 'epochs (paper: 200)' });
 *   addOptions(cmd, schema.shape)          // --epochs <n>, parsed as an integer, default 200
 *   command(optionValues(o, schema.shape)) // commander's values, keyed as the schema is
 *
 * The flag is the key in kebab case (`batchSize` -> `--batch-size`); a key without help (set
 * with `option`) is library-only and gets no flag.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { z } from 'zod';
import { BACKENDS } from '../engine/backend_names.js';
import { parseChoice, parseInteger, parseNumber, parseThresholds } from './parse.js';

export interface OptionHelp {
  /** The --help line. */
  help: string;
  /** The value's placeholder (default by type: <n> integer, <x> number, <name> choice, <dir> text). */
  arg?: string;
  /** Parses the flag's text (default by type: integer, number, one of the choices, text as is). */
  parse?: (flag: string) => (value: string, previous?: unknown) => unknown;
  /** What a choice is, for its error (`--model: unknown model 'x'`); default: the key. */
  what?: string;
  /** A boolean on by default that the CLI turns off: `--no-KEY` (passed on only when given). */
  negate?: boolean;
  /** Choices checked by commander itself (its own error message), not by `parse`. */
  commanderChoices?: boolean;
  /** Writes a value as the flag's text, the inverse of `parse` (default: lists comma-separated). */
  format?: (value: never) => string;
  /** Left out of --help: a flag mwt passes to its own child processes, not one for users. */
  hidden?: boolean;
}

const HELP = new WeakMap<z.ZodType, OptionHelp>();

/**
 * Attaches the CLI's help to an option's schema; returns the schema. Help is keyed by the schema
 * object, so a schema shared by two options (or already carrying help) is cloned first: otherwise
 * the second option's help would silently become the first's too.
 */
export function option<S extends z.ZodType>(schema: S, help: OptionHelp): S {
  const own = HELP.has(schema) ? (schema.clone() as S) : schema;
  HELP.set(own, help);
  return own;
}

/** The help attached to a schema, if any. */
export function optionHelp(schema: z.ZodType): OptionHelp | undefined {
  return HELP.get(schema);
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

interface Unwrapped {
  base: z.ZodType;
  optional: boolean;
  defaultValue: unknown;
}

/** The schema under .optional() / .default(), whether it may be left out, and its default. */
function unwrap(schema: z.ZodType): Unwrapped {
  let s = schema as z.ZodType & { def: { type: string; innerType?: z.ZodType; defaultValue?: unknown } };
  let optional = false;
  let defaultValue: unknown = undefined;
  for (;;) {
    if (s.def.type === 'optional') optional = true;
    else if (s.def.type === 'default') {
      optional = true;
      defaultValue = s.def.defaultValue;
    } else break;
    s = s.def.innerType as typeof s;
  }
  return { base: s, optional, defaultValue };
}

/** The default of an option's schema (undefined when it has none). */
export function defaultOf(schema: z.ZodType): unknown {
  return unwrap(schema).defaultValue;
}

function isInteger(s: z.ZodType): boolean {
  return (s as { format?: string | null }).format === 'safeint';
}

function commanderOption(key: string, schema: z.ZodType, help: OptionHelp): Option {
  const opt = flaggedOption(key, schema, help);
  return help.hidden ? opt.hideHelp() : opt;
}

function flaggedOption(key: string, schema: z.ZodType, help: OptionHelp): Option {
  const flag = `--${kebab(key)}`;
  const { base, optional, defaultValue } = unwrap(schema);
  const type = (base as { def: { type: string } }).def.type;
  if (type === 'boolean') return new Option(help.negate ? `--no-${kebab(key)}` : flag, help.help);
  const choices = type === 'enum' ? ((base as unknown as { options: string[] }).options ?? []) : null;
  const arg = help.arg ?? (type === 'number' ? (isInteger(base) ? '<n>' : '<x>') : choices ? '<name>' : '<dir>');
  const opt = new Option(`${flag} ${arg}`, help.help);
  if (!optional) opt.makeOptionMandatory(true);
  if (help.parse) opt.argParser(help.parse(flag));
  else if (choices && help.commanderChoices) opt.choices(choices);
  else if (choices) opt.argParser(parseChoice(flag, help.what ?? key, choices));
  else if (type === 'number') opt.argParser(isInteger(base) ? parseInteger(flag) : parseNumber(flag));
  if (defaultValue !== undefined) opt.default(defaultValue);
  return opt;
}

/**
 * Adds a commander option for each key of `shape` that has help, is not in `skip` (options added
 * elsewhere, e.g. the common --backend and --json) and has no option yet on `cmd`.
 */
export function addOptions(cmd: Command, shape: Record<string, z.ZodType>, skip: readonly string[] = COMMON_KEYS): Command {
  for (const [key, schema] of Object.entries(shape)) {
    const help = HELP.get(schema);
    if (help == null || skip.includes(key) || cmd.options.some((o) => o.attributeName() === key)) continue;
    cmd.addOption(commanderOption(key, schema, help));
  }
  return cmd;
}

/** The values commander parsed, for the keys of `shape` (a `--no-KEY` option only when given). */
export function optionValues<Shape extends Record<string, z.ZodType>>(
  values: Record<string, unknown>,
  shape: Shape,
): { [K in keyof Shape]?: z.input<Shape[K]> } {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    const value = values[key];
    if (value === undefined) continue;
    if (HELP.get(shape[key]!)?.negate && value !== false) continue;
    picked[key] = value;
  }
  return picked as { [K in keyof Shape]?: z.input<Shape[K]> };
}

/** The values commander parsed for a command whose options are `schema`'s (commander has checked the required ones). */
export function commandInput<S extends z.ZodObject>(values: Record<string, unknown>, schema: S): z.input<S> {
  return optionValues(values, schema.shape as Record<string, z.ZodType>) as z.input<S>;
}

/**
 * The flags that give `values` on the command line: the inverse of `optionValues`, for running a
 * command in a child process (`mwt experiment trends --parallel`). Keys left undefined are left
 * out (the command's defaults apply); a value no flag can express is refused, not dropped.
 */
export function optionArgs(values: Record<string, unknown>, shape: Record<string, z.ZodType>): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const schema = shape[key];
    const help = schema && HELP.get(schema);
    if (!help) throw new Error(`${key} has no command-line flag`);
    const flag = `--${kebab(key)}`;
    if (typeof value === 'boolean') {
      if (help.negate && value) throw new Error(`${key}: true cannot be given on the command line, only --no-${kebab(key)}`);
      if (help.negate) args.push(`--no-${kebab(key)}`);
      else if (value) args.push(flag);
      // false for a plain switch is its default: no flag.
    } else args.push(flag, help.format ? help.format(value as never) : Array.isArray(value) ? value.join(',') : String(value));
  }
  return args;
}

// --- options several commands share

export const backendOption = option(z.enum(BACKENDS).optional(), {
  help: `tfjs backend: ${BACKENDS.join(', ')} (default: the best available, in that order)`,
});
export const jsonOption = option(z.boolean().default(false), { help: 'print the result as JSON on stdout' });
export const quietOption = option(z.boolean().default(false), { help: 'print only errors' });
export const verboseOption = option(z.boolean().default(false), { help: 'print stack traces on errors' });
/** --backend, --quiet, --json and --verbose: every computing command takes them (commonOptions in scripts/cli.ts). */
export const commonShape = { backend: backendOption, quiet: quietOption, json: jsonOption, verbose: verboseOption };
export const COMMON_KEYS: readonly string[] = Object.keys(commonShape);

/** --data-dir of the commands that read a run: the dataset directory recorded in the run otherwise. */
export const runDataDirOption = option(z.string().min(1).optional(), { help: 'dataset directory, when not the one recorded in the run' });

/** The channel multiplier of the zoo's models (models/names.ts DEFAULT_WIDTH is the builder's default). */
export const widthSchema = z.number().positive();

/** A module threshold tau, in (0, 1]. */
export const thresholdSchema = z.number().gt(0, 'expected a number in (0, 1]').max(1, 'expected a number in (0, 1]');
/** The threshold of the paper and the default of modularize and reuse. */
export const DEFAULT_THRESHOLD = 0.9;
/** modularize's --threshold: one threshold, or several to sweep. */
export const thresholdsOption = option(
  z.union([thresholdSchema, z.array(thresholdSchema).min(1, 'expected at least one threshold')]).default(DEFAULT_THRESHOLD),
  {
    help: 'kernel frequency threshold in (0,1], or a comma-separated list to sweep',
    arg: '<tau>',
    parse: () => parseThresholds,
  },
);
