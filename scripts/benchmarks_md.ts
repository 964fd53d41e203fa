/** BENCHMARKS.md is shared by several benchmarks: each rewrites its own "## " section and keeps the rest. */
import * as fs from 'node:fs';
import { writeFileAtomic } from '../src/io/atomic.js';

/** Replaces the section (from its heading to the next "## " heading) or appends it. */
export function replaceSection(doc: string, heading: string, section: string): string {
  const start = doc.indexOf(heading);
  if (start < 0) return (doc.trim() ? doc.trimEnd() + '\n\n' : '# Benchmarks\n\n') + section;
  const rest = doc.slice(start + heading.length);
  const next = rest.search(/\n## /);
  const end = next < 0 ? doc.length : start + heading.length + next + 1;
  return doc.slice(0, start) + section + (end < doc.length ? '\n' + doc.slice(end) : '');
}

/** Rewrites one section of `file` atomically. */
export function writeSection(file: string, heading: string, section: string): void {
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  writeFileAtomic(file, replaceSection(doc, heading, section));
}
