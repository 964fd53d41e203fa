/**
 * Reading the files a report shows without throwing: a missing or malformed file gives a
 * one-line problem (the file and what is wrong) that the report turns into a note.
 */
import * as fs from 'node:fs';
import type { z } from 'zod';
import { checkFormat, EPOCH_METRICS_FORMAT, epochMetricsSchema, FormatError, readLines, type Format } from '../io/formats.js';

export type EpochPoint = z.infer<typeof epochMetricsSchema>;

export type Read<T> = { value: T; problem?: undefined } | { value: null; problem: string };

/** A JSON file of a known format (or any schema, for files without one); `what` names its kind in notes. */
export function readJsonFile<S extends z.ZodType>(file: string, fmt: Format<S> | S, what: string): Read<z.output<S>> {
  if (!fs.existsSync(file)) return { value: null, problem: `${file} not found` };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return { value: null, problem: `${file}: not valid JSON (${(e as Error).message})` };
  }
  const checked = checkFormat('schema' in fmt ? fmt : { what, version: 1, schema: fmt }, raw, what);
  return checked.problem != null ? { value: null, problem: `${file}: ${checked.problem}` } : { value: checked.value };
}

/** metrics.jsonl: one JSON object per line, blank lines ignored. */
export function readMetricsFile(file: string): Read<EpochPoint[]> {
  if (!fs.existsSync(file)) return { value: null, problem: `${file} not found` };
  let points: EpochPoint[];
  try {
    points = readLines(file, EPOCH_METRICS_FORMAT, { keepVersion: true });
  } catch (e) {
    if (e instanceof FormatError) return { value: null, problem: e.message };
    throw e;
  }
  if (points.length === 0) return { value: null, problem: `${file} has no epochs yet` };
  return { value: points };
}
