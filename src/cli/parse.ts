/** Option-value parsers for the CLI: bad values become one-line usage errors naming the option. */
import { UsageError } from '../errors.js';

export const parseInteger = (option: string) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n)) throw new UsageError(`${option}: expected an integer, got '${v}'`);
  return n;
};

export const parseNumber = (option: string) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${option}: expected a number, got '${v}'`);
  return n;
};
