/**
 * A module's identity is its content: SHA-256 over its files (model.json, weights.bin and, for a
 * single-class module, its score head). Two copies of the same module get the same id wherever
 * they were made, so a repository can skip duplicates and notice weights that changed on disk.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The files that make up a module, in hashing order; the last is optional. */
export const MODULE_FILES = ['model.json', 'weights.bin', 'score_head.json'] as const;
const REQUIRED = 2;

export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** SHA-256 of every present module file in `dir`, by name. */
export function moduleFileHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  MODULE_FILES.forEach((name, i) => {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) out[name] = sha256File(file);
    else if (i < REQUIRED) throw new Error(`${file}: module file not found`);
  });
  return out;
}

/** The id of a module from its file hashes (hex, 64 characters). */
export function idFromHashes(hashes: Record<string, string>): string {
  const lines = MODULE_FILES.filter((n) => hashes[n] != null).map((n) => `${n}:${hashes[n]}`);
  return crypto.createHash('sha256').update(lines.join('\n')).digest('hex');
}

export function moduleContentId(dir: string): string {
  return idFromHashes(moduleFileHashes(dir));
}
