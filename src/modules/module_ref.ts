/**
 * What `--module` / `--modules` name: a module directory (one with card.json), or the id (or a
 * unique prefix) of a module in the repository. Resolved before any loading, so a wrong name
 * fails at once with the option in the message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors.js';
import { CARD_FILE } from './card.js';
import { resolveModuleId, resolveRepository, moduleDir } from './repository.js';

/**
 * The repository a command reads. One named with --repo must exist: a mistyped path would
 * otherwise list nothing, or say of every id that it is not there. The default one may not exist
 * yet.
 */
export function existingRepository(dir: string | undefined): string {
  const repo = resolveRepository(dir);
  if (dir != null && !fs.existsSync(repo))
    throw new UsageError(`--repo: directory ${dir} does not exist (mwt modules add creates a repository)`);
  return repo;
}

export function resolveModuleRef(ref: string, repo: string, option: string): string {
  if (fs.existsSync(path.join(ref, CARD_FILE))) return ref;
  if (!/^[0-9a-f]{4,64}$/.test(ref))
    throw new UsageError(`${option}: '${ref}' is neither a module directory (with ${CARD_FILE}) nor a module id (4 to 64 hex digits)`);
  try {
    return moduleDir(repo, resolveModuleId(repo, ref));
  } catch (e) {
    throw new UsageError(`${option}: ${(e as Error).message}`);
  }
}
