/**
 * A module repository: a folder of modules by id, with an index for listing and search.
 *
 *   REPO/modules/<id>/   card.json, model.json, weights.bin[, score_head.json]   (one per module)
 *   REPO/index.json      the cards' searchable fields, rebuilt from modules/ (never edited in place)
 *   REPO/.lock           held (proper-lockfile) while index.json is rebuilt or a module removed
 *   REPO/.staging/       modules being copied in, renamed into modules/ once complete
 *
 * Why this layout survives concurrency: a module enters with one directory rename (atomic, and
 * the loser of a race for the same id just finds it present), and the index is always rebuilt
 * from what modules/ holds, under the lock, after the caller's own rename; the last rebuild thus
 * sees every module added before it, so concurrent adds lose nothing.
 *
 * No tfjs here: listing and searching never load a model.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { readJson, writeJsonAtomic } from '../io/atomic.js';
import { CARD_FILE, CorruptModuleError, readCard, verifyCard, type ModuleCard } from './card.js';
import { MODULE_FILES } from './content_id.js';

export const INDEX_FILE = 'index.json';
export const INDEX_SCHEMA = 'mwt.module-index/1';
const MODULES = 'modules';
const STAGING = '.staging';

/** --repo, else $MWT_REPO, else ~/.mwt/modules. */
export function resolveRepository(dir?: string): string {
  return path.resolve(dir ?? process.env.MWT_REPO ?? path.join(os.homedir(), '.mwt', 'modules'));
}

const indexEntrySchema = z.object({
  id: z.string(),
  kind: z.enum(['module', 'subtask']),
  model: z.string(),
  width: z.number(),
  dataset: z.string(),
  inputShape: z.array(z.number()),
  classes: z.array(z.object({ index: z.number(), name: z.string(), f1: z.number() })),
  parameters: z.number(),
  flops: z.number(),
  kernelRate: z.number(),
  threshold: z.number(),
  sourceRun: z.string(),
  created: z.string(),
});
export type IndexEntry = z.infer<typeof indexEntrySchema>;
const indexSchema = z.object({ schema: z.literal(INDEX_SCHEMA), updated: z.string(), modules: z.array(indexEntrySchema) });
export type RepositoryIndex = z.infer<typeof indexSchema>;

export function indexEntry(card: ModuleCard): IndexEntry {
  const f1 = new Map(card.quality.perClass.map((q) => [q.class, q.f1]));
  return {
    id: card.id,
    kind: card.kind,
    model: card.model,
    width: card.width,
    dataset: card.dataset,
    inputShape: card.inputShape,
    classes: card.classes.map((c) => ({ index: c.index, name: c.name, f1: f1.get(c.index) ?? 0 })),
    parameters: card.parameters,
    flops: card.flops,
    kernelRate: card.kernelRate,
    threshold: card.threshold,
    sourceRun: card.source.run,
    created: card.created,
  };
}

export const moduleDir = (repo: string, id: string) => path.join(repo, MODULES, id);

function ensureRepository(repo: string): void {
  fs.mkdirSync(path.join(repo, MODULES), { recursive: true });
  fs.mkdirSync(path.join(repo, STAGING), { recursive: true });
}

/** Runs `fn` holding the repository lock (waits for another process's up to ~30 s). */
async function withLock<T>(repo: string, fn: () => T): Promise<T> {
  ensureRepository(repo);
  const release = await lockfile.lock(repo, {
    lockfilePath: path.join(repo, '.lock'),
    stale: 15_000,
    retries: { retries: 300, factor: 1.1, minTimeout: 5, maxTimeout: 100 },
  });
  try {
    return fn();
  } finally {
    await release();
  }
}

/** index.json from the cards now in modules/ (call under the lock). Unreadable cards are skipped. */
function rebuildIndexLocked(repo: string): RepositoryIndex {
  const root = path.join(repo, MODULES);
  const entries: IndexEntry[] = [];
  for (const id of fs.readdirSync(root).sort()) {
    try {
      const card = readCard(path.join(root, id));
      if (card.id === id) entries.push(indexEntry(card));
    } catch {
      // A module whose card does not parse is not listed; `show` reports it.
    }
  }
  const index: RepositoryIndex = { schema: INDEX_SCHEMA, updated: new Date().toISOString(), modules: entries };
  writeJsonAtomic(path.join(repo, INDEX_FILE), index);
  return index;
}

export async function rebuildIndex(repo: string): Promise<RepositoryIndex> {
  return withLock(repo, () => rebuildIndexLocked(repo));
}

/** Module directories under `source`: itself when it holds a card, else RUN/modules/* and its children with cards. */
export function findModuleDirs(source: string): string[] {
  if (!fs.existsSync(source) || !fs.statSync(source).isDirectory()) throw new Error(`${source}: directory does not exist`);
  if (fs.existsSync(path.join(source, CARD_FILE))) return [source];
  const dirs: string[] = [];
  for (const base of [path.join(source, 'modules'), source]) {
    if (!fs.existsSync(base)) continue;
    for (const name of fs.readdirSync(base).sort()) {
      const dir = path.join(base, name);
      if (fs.existsSync(path.join(dir, CARD_FILE))) dirs.push(dir);
    }
    if (dirs.length) break;
  }
  if (dirs.length === 0)
    throw new Error(
      `${source}: no module cards found (expected a module directory with ${CARD_FILE}, a run modularized by mwt modularize, or a reuse output)`,
    );
  return dirs;
}

function copyIn(repo: string, dir: string, card: ModuleCard): 'added' | 'present' {
  const target = moduleDir(repo, card.id);
  if (fs.existsSync(path.join(target, CARD_FILE))) {
    try {
      verifyCard(target, card);
      return 'present';
    } catch {
      // A corrupt copy is replaced by the good one below.
      fs.rmSync(target, { recursive: true, force: true });
    }
  }
  const staging = path.join(repo, STAGING, `${card.id}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(staging, { recursive: true });
  try {
    for (const name of [...MODULE_FILES, CARD_FILE]) {
      const from = path.join(dir, name);
      if (fs.existsSync(from)) fs.copyFileSync(from, path.join(staging, name));
    }
    verifyCard(staging, card); // the copy itself, not just the source
    try {
      fs.renameSync(staging, target);
      return 'added';
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Another process put the same module there first: same content, nothing lost.
      if ((code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') && fs.existsSync(path.join(target, CARD_FILE))) return 'present';
      throw e;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

export interface AddResult {
  repo: string;
  added: string[];
  present: string[];
}

/** Adds every module under `source` (verified first: a corrupt source is refused, nothing is copied). */
export async function addToRepository(repo: string, source: string): Promise<AddResult> {
  const dirs = findModuleDirs(source);
  const cards = dirs.map((dir) => {
    const card = readCard(dir);
    verifyCard(dir, card);
    return { dir, card };
  });
  ensureRepository(repo);
  const result: AddResult = { repo, added: [], present: [] };
  for (const { dir, card } of cards) (copyIn(repo, dir, card) === 'added' ? result.added : result.present).push(card.id);
  if (result.added.length > 0 || !fs.existsSync(path.join(repo, INDEX_FILE))) await rebuildIndex(repo);
  return result;
}

export function readIndex(repo: string): RepositoryIndex {
  const file = path.join(repo, INDEX_FILE);
  if (!fs.existsSync(file)) return { schema: INDEX_SCHEMA, updated: '', modules: [] };
  const parsed = indexSchema.safeParse(readJson(file, 'module repository index'));
  if (!parsed.success)
    throw new Error(
      `${file}: not a module repository index (${parsed.error.issues[0]!.message}); delete it: the next mwt modules add rebuilds it`,
    );
  return parsed.data;
}

export type ModuleStatus = 'ok' | 'corrupt';
export interface ListedModule extends IndexEntry {
  status: ModuleStatus;
  problem?: string;
}

function statusOf(repo: string, entry: IndexEntry): { status: ModuleStatus; problem?: string } {
  const dir = moduleDir(repo, entry.id);
  try {
    verifyCard(dir, readCard(dir));
    return { status: 'ok' };
  } catch (e) {
    return { status: 'corrupt', problem: (e as Error).message };
  }
}

/** Every indexed module, each checked against its id (hashing is cheap next to loading). */
export function listRepository(repo: string): ListedModule[] {
  return readIndex(repo).modules.map((m) => ({ ...m, ...statusOf(repo, m) }));
}

export interface SearchQuery {
  dataset?: string;
  /** A class index, or a class name (case-insensitive). */
  class?: string | number;
  model?: string;
  maxFlops?: number;
  minF1?: number;
}

const matchesClass = (c: { index: number; name: string }, q: string | number) =>
  typeof q === 'number' ? c.index === q : c.name.toLowerCase() === q.toLowerCase() || (/^\d+$/.test(q) && c.index === Number(q));

/**
 * Modules matching every given filter, best F1 first. --min-f1 applies to the queried class, or
 * without --class to every class the module covers.
 */
export function searchRepository(repo: string, query: SearchQuery): ListedModule[] {
  const hits = readIndex(repo).modules.filter((m) => {
    if (query.dataset != null && m.dataset !== query.dataset) return false;
    if (query.model != null && m.model !== query.model) return false;
    if (query.maxFlops != null && m.flops > query.maxFlops) return false;
    const classes = query.class != null ? m.classes.filter((c) => matchesClass(c, query.class!)) : m.classes;
    if (classes.length === 0) return false;
    if (query.minF1 != null && classes.some((c) => c.f1 < query.minF1!)) return false;
    return true;
  });
  const f1 = (m: IndexEntry) =>
    Math.min(...(query.class != null ? m.classes.filter((c) => matchesClass(c, query.class!)) : m.classes).map((c) => c.f1));
  return hits.sort((a, b) => f1(b) - f1(a) || a.flops - b.flops).map((m) => ({ ...m, ...statusOf(repo, m) }));
}

/** The full id for an id or a unique prefix of one (at least 4 hex digits). */
export function resolveModuleId(repo: string, idOrPrefix: string): string {
  if (!/^[0-9a-f]{4,64}$/.test(idOrPrefix)) throw new Error(`module id: expected 4 to 64 hex digits, got '${idOrPrefix}'`);
  const root = path.join(repo, MODULES);
  const ids = fs.existsSync(root) ? fs.readdirSync(root).filter((id) => id.startsWith(idOrPrefix)) : [];
  if (ids.length === 0) throw new Error(`module ${idOrPrefix}: not in the repository ${repo}`);
  if (ids.length > 1) throw new Error(`module ${idOrPrefix}: ambiguous in ${repo} (${ids.length} ids start with it; give more digits)`);
  return ids[0]!;
}

export interface ShownModule {
  dir: string;
  status: ModuleStatus;
  problem?: string;
  card: ModuleCard;
}

/** A module's card and whether its files still match its id. */
export function showModule(repo: string, idOrPrefix: string): ShownModule {
  const id = resolveModuleId(repo, idOrPrefix);
  const dir = moduleDir(repo, id);
  const card = readCard(dir);
  try {
    verifyCard(dir, card);
    return { dir, status: 'ok', card };
  } catch (e) {
    if (e instanceof CorruptModuleError) return { dir, status: 'corrupt', problem: e.message, card };
    throw e;
  }
}

/** The directory of a verified module (CorruptModuleError otherwise): what loading goes through. */
export function verifiedModuleDir(repo: string, idOrPrefix: string): { dir: string; card: ModuleCard } {
  const shown = showModule(repo, idOrPrefix);
  if (shown.status !== 'ok') throw new CorruptModuleError(shown.problem!);
  return { dir: shown.dir, card: shown.card };
}

/** Removes a module (its directory leaves modules/ by one rename, then is deleted) and rebuilds the index. */
export async function removeModule(repo: string, idOrPrefix: string): Promise<string> {
  const id = resolveModuleId(repo, idOrPrefix);
  await withLock(repo, () => {
    const trash = path.join(repo, STAGING, `removed-${id}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`);
    fs.renameSync(moduleDir(repo, id), trash);
    fs.rmSync(trash, { recursive: true, force: true });
    rebuildIndexLocked(repo);
  });
  return id;
}
