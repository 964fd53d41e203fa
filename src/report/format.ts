/** Number formatting for the report page (null, undefined and NaN show as an en dash), and its notes. */
import type { ReportData, SectionName } from './data.js';
import { escapeHtml as esc } from './escape.js';

export const DASH = '\u2013';
export const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
export const pct = (x: unknown, digits = 2) => (isNum(x) ? `${(x * 100).toFixed(digits)}%` : DASH);
export const num = (x: unknown, digits = 4) => (isNum(x) ? (Number.isInteger(x) ? x.toLocaleString('en') : x.toFixed(digits)) : DASH);
export const secs = (x: unknown) => (isNum(x) ? `${x.toFixed(1)} s` : DASH);
export const ms = (x: unknown) => (isNum(x) ? `${x.toFixed(2)} ms` : DASH);
/** 1.23 G, 4.56 M, 78.9 k, or the number itself below 10 000. */
export function bigNumber(x: unknown): string {
  if (!isNum(x)) return DASH;
  if (Math.abs(x) >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (Math.abs(x) >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (Math.abs(x) >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  return num(x);
}

/** The note of a section (why it is missing or partial), or nothing. */
export function note(data: ReportData, section: SectionName): string {
  const text = data.notes[section];
  return text ? `<p class="note">${esc(text)}</p>` : '';
}
