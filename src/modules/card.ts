/**
 * The module card: `card.json` beside every saved module (RUN/modules/class-K/) and sub-task
 * model (reuse OUT/), saying what the module is, where it came from, what it costs and how good
 * it is, so it can be found, trusted and swapped without its source run. One zod schema, used to
 * write and to read: a card that does not parse is an error naming the file and the field.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { readJson, writeJsonAtomic } from '../io/atomic.js';
import { idFromHashes, moduleFileHashes } from './content_id.js';

export const CARD_FILE = 'card.json';
export const CARD_SCHEMA = 'mwt.module-card/1';

const quality = z.object({
  class: z.number().int().min(0),
  name: z.string(),
  precision: z.number().min(0).max(1),
  recall: z.number().min(0).max(1),
  f1: z.number().min(0).max(1),
  support: z.number().int().min(0),
  predicted: z.number().int().min(0),
});
export type CardQuality = z.infer<typeof quality>;

const measurement = z.object({
  split: z.enum(['test', 'validation']),
  samples: z.number().int().min(0),
  /** In words: what decided "this class" (e.g. "module score > 0, one-vs-rest over all 10 classes"). */
  rule: z.string(),
  perClass: z.array(quality).min(1),
});

export const moduleCardSchema = z.object({
  schema: z.literal(CARD_SCHEMA),
  /** SHA-256 over the module's files (src/modules/content_id.ts). */
  id: z.string().regex(/^[0-9a-f]{64}$/, 'expected a 64-digit hex SHA-256'),
  files: z.record(z.string(), z.string()),
  /** 'module': one class of a modularized run, with its own score head; 'subtask': a reuse model. */
  kind: z.enum(['module', 'subtask']),
  model: z.string(),
  width: z.number().positive(),
  inputShape: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  normalization: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }),
  dataset: z.string(),
  dataDir: z.string(),
  /** Classes covered, in the order of the model's outputs for a sub-task model. */
  classes: z.array(z.object({ index: z.number().int().min(0), name: z.string() })).min(1),
  /** Classes of the source model (a module's index is in this numbering). */
  sourceClasses: z.number().int().positive(),
  source: z.object({
    /** The run directory (absolute) and its training settings, from run.json. */
    run: z.string(),
    settings: z.record(z.string(), z.unknown()),
    /** The source model's own test accuracy, where the run recorded it. */
    testAccuracy: z.number().nullable(),
  }),
  /** Module threshold tau. */
  threshold: z.number(),
  kernelsPerLayer: z.record(z.string(), z.number().int()),
  /** Kernel retention rate: kept / masked kernels of the source model. */
  kernelRate: z.number().min(0).max(1),
  parameters: z.number().int(),
  /** Multiply-accumulates per sample (src/modularize/flops.ts). */
  flops: z.number(),
  /** A module's own "is this my class" score (docs/modules.md); null for a sub-task model. */
  score: z
    .object({
      kind: z.literal('one-vs-rest-head'),
      file: z.string(),
      validation: measurement,
    })
    .nullable(),
  quality: measurement,
  versions: z.object({ mwt: z.string(), tfjsCore: z.string(), tfjsLayers: z.string() }),
  created: z.string(),
});
export type ModuleCard = z.infer<typeof moduleCardSchema>;
export type CardFields = Omit<ModuleCard, 'id' | 'files' | 'schema'>;

/** A module whose files no longer hash to its id: reported, never loaded. */
export class CorruptModuleError extends Error {
  override name = 'CorruptModuleError';
}

/** Writes `dir/card.json` for the module files already in `dir` (its id hashes them). */
export function writeCard(dir: string, fields: CardFields): ModuleCard {
  const files = moduleFileHashes(dir);
  const card = moduleCardSchema.parse({ schema: CARD_SCHEMA, id: idFromHashes(files), files, ...fields });
  writeJsonAtomic(path.join(dir, CARD_FILE), card);
  return card;
}

export function readCard(dir: string): ModuleCard {
  const file = path.join(dir, CARD_FILE);
  if (!fs.existsSync(file)) throw new Error(`${file}: module card not found (written by mwt modularize and mwt reuse)`);
  const parsed = moduleCardSchema.safeParse(readJson(file, 'module card'));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: not a module card (${issue.path.join('.') || 'card'}: ${issue.message})`);
  }
  return parsed.data;
}

/** Throws CorruptModuleError naming the file whose content changed since the card was written. */
export function verifyCard(dir: string, card: ModuleCard): void {
  let now: Record<string, string>;
  try {
    now = moduleFileHashes(dir);
  } catch (e) {
    throw new CorruptModuleError(`module ${card.id.slice(0, 12)} in ${dir} is corrupt: ${(e as Error).message}`);
  }
  for (const [name, hash] of Object.entries(card.files)) {
    if (now[name] !== hash)
      throw new CorruptModuleError(`module ${card.id.slice(0, 12)} in ${dir} is corrupt: ${name} no longer matches its id`);
  }
  if (idFromHashes(now) !== card.id)
    throw new CorruptModuleError(`module ${card.id.slice(0, 12)} in ${dir} is corrupt: its files no longer hash to its id`);
}

/** The source class numbers a card covers. */
export const cardClasses = (card: ModuleCard) => card.classes.map((c) => c.index);
