/**
 * BENCHMARKS.md is shared by several benchmarks: each rewrites its own section and keeps the rest.
 * A section runs from its heading to the next heading of the same or a higher level, so a "### "
 * part of a "## " section can be rewritten on its own.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { describeMachine, formatCpu } from '../src/engine/machine.js';
import { writeFileAtomic } from '../src/io/atomic.js';

/** When a benchmark ran, as its section says it: "2026-12-06 01:29 UTC". */
export function measuredAt(date = new Date()): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The machine, as a section names it: "AMD EPYC (AVX-512) (`lscpu`), 2 cores". */
export function machineLine(): string {
  return `${formatCpu(describeMachine())} (\`lscpu\`), ${os.cpus().length} cores`;
}

/** Where the section under `heading` starts and ends in `doc` (null: no such heading). */
function sectionBounds(doc: string, heading: string): { start: number; end: number } | null {
  const start = doc.indexOf(heading);
  if (start < 0) return null;
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const next = doc.slice(start + heading.length).search(new RegExp(`\\n#{1,${level}} `));
  return { start, end: next < 0 ? doc.length : start + heading.length + next + 1 };
}

/** Replaces the section (from its heading to the next heading of its level or above) or appends it. */
export function replaceSection(doc: string, heading: string, section: string): string {
  const b = sectionBounds(doc, heading);
  if (!b) return (doc.trim() ? doc.trimEnd() + '\n\n' : '# Benchmarks\n\n') + section;
  return doc.slice(0, b.start) + section + (b.end < doc.length ? '\n' + doc.slice(b.end) : '');
}

/**
 * Replaces the part under `heading` (a "### " heading) of the section `parent`; a part not there
 * yet goes at the end of its section, and a section not there yet is written as `intro` + part.
 */
export function replacePart(doc: string, parent: string, intro: string, heading: string, part: string): string {
  const b = sectionBounds(doc, parent);
  if (!b) return replaceSection(doc, parent, `${intro.trimEnd()}\n\n${part}`);
  if (doc.slice(b.start, b.end).includes(heading)) return replaceSection(doc, heading, part);
  return replaceSection(doc, parent, `${doc.slice(b.start, b.end).trimEnd()}\n\n${part}`);
}

/** Rewrites one section of `file` atomically. */
export function writeSection(file: string, heading: string, section: string): void {
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  writeFileAtomic(file, replaceSection(doc, heading, section));
}

/** Rewrites one part of a section of `file` atomically (replacePart). */
export function writePart(file: string, parent: string, intro: string, heading: string, part: string): void {
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  writeFileAtomic(file, replacePart(doc, parent, intro, heading, part));
}
