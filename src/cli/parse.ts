/** Option-value parsers for the CLI: bad values become one-line usage errors naming the option. */
import { UsageError } from '../errors.js';

export const parseInteger =
  (option: string) =>
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n)) throw new UsageError(`${option}: expected an integer, got '${v}'`);
    return n;
  };

export const parseNumber =
  (option: string) =>
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${option}: expected a number, got '${v}'`);
    return n;
  };

/** "0.9" or "0.1,0.3,0.5" -> numbers (for the CLI's --threshold). */
export function parseThresholds(text: string): number | number[] {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  const bad = parts.find((p, i) => p === '' || !Number.isFinite(values[i]!));
  if (bad != null) throw new UsageError(`--threshold: expected a number or a comma-separated list of numbers in (0, 1], got '${text}'`);
  return values.length === 1 ? values[0]! : values;
}

/** "0,3" or "0, 3" -> [0, 3] (for the CLI's --classes). */
export function parseClassList(text: string, option = '--classes'): number[] {
  return parseIntegerList(text, option, 'class numbers such as 0,3');
}

/** "0,1,2" -> [0, 1, 2] (for the CLI's --seeds). */
export function parseSeedList(text: string): number[] {
  return parseIntegerList(text, '--seeds', 'seeds such as 0,1,2');
}

/** "0.3,0.5,0.7" -> [0.3, 0.5, 0.7] (for the grid's --alpha and --beta). */
export function parseNumberList(text: string, option: string, what: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.some((p, i) => p === '' || !Number.isFinite(values[i])))
    throw new UsageError(`${option}: expected comma-separated ${what}, got '${text}'`);
  return values;
}

function parseIntegerList(text: string, option: string, what: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (parts.some((p, i) => p === '' || !Number.isInteger(values[i])))
    throw new UsageError(`${option}: expected comma-separated ${what}, got '${text}'`);
  return values;
}

/** "2-9" -> [2, 9]; "3" -> [3, 3] (for the CLI's --sizes). */
export function parseSizeRange(text: string): [number, number] {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!m) throw new UsageError(`--sizes: expected MIN-MAX such as 2-9, got '${text}'`);
  const a = Number(m[1]);
  return [a, m[2] != null ? Number(m[2]) : a];
}

/** A value from a fixed list: `--model: unknown model 'vgg19', expected one of vgg16, resnet18, ...`. */
export const parseChoice =
  <T extends string>(option: string, what: string, choices: readonly T[]) =>
  (v: string): T => {
    if (!(choices as readonly string[]).includes(v))
      throw new UsageError(`${option}: unknown ${what} '${v}', expected one of ${choices.join(', ')}`);
    return v as T;
  };

/** "a1b2,c3d4" -> ['a1b2', 'c3d4'] (for the CLI's --modules of mwt compose). */
export function parseModuleList(text: string): string[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new UsageError(`--modules: expected comma-separated module ids or directories, got '${text}'`);
  return parts;
}
