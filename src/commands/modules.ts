/**
 * `mwt modules add|list|search|show|remove`: the module repository from the command line
 * (src/modules/repository.ts). Each prints a short table or, with --json, the records.
 */
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { formatZodError, UsageError } from '../errors.js';
import { modulesCommonFields, searchOptionsSchema } from './options.js';
import { CorruptModuleError } from '../modules/card.js';
import { existingRepository } from '../modules/module_ref.js';
import {
  addToRepository,
  findModuleDirs,
  listRepository,
  removeModule,
  resolveModuleId,
  resolveRepository,
  searchRepository,
  showModule,
  type AddResult,
  type ListedModule,
  type ShownModule,
} from '../modules/repository.js';

const common = modulesCommonFields;

export { searchOptionsSchema } from './options.js';

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new UsageError(formatZodError(parsed.error));
  return parsed.data;
}

const short = (id: string) => id.slice(0, 12);
const out = (text: string) => process.stdout.write(text + '\n');

function table(mods: ListedModule[]): string {
  if (mods.length === 0) return '(no modules)';
  const rows = [['id', 'status', 'model', 'dataset', 'classes', 'F1', 'MFLOPs', 'params', 'source']];
  for (const m of mods) {
    rows.push([
      short(m.id),
      m.status,
      `${m.model} x${m.width}`,
      m.dataset,
      m.classes.map((c) => `${c.index}:${c.name}`).join(' '),
      m.classes.map((c) => c.f1.toFixed(3)).join(' '),
      (m.flops / 1e6).toFixed(2),
      String(m.parameters),
      m.sourceRun,
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function modulesAddCommand(input: { source: string; repo?: string; json?: boolean }, log: Logger): Promise<AddResult> {
  const o = parse(z.object({ source: z.string().min(1, 'expected a run or module directory'), ...common }), input);
  // A source without cards is a usage problem: nothing has been done yet.
  try {
    findModuleDirs(o.source);
  } catch (e) {
    throw new UsageError(`RUN: ${(e as Error).message}`);
  }
  const repo = resolveRepository(o.repo);
  const r = await addToRepository(repo, o.source);
  if (o.json) out(JSON.stringify(r, null, 2));
  else
    log.info(
      `${repo}: ${r.added.length} module(s) added, ${r.present.length} already present${r.added.length ? ` (${r.added.map(short).join(', ')})` : ''}`,
    );
  return r;
}

export function modulesListCommand(input: { repo?: string; json?: boolean }): ListedModule[] {
  const o = parse(z.object(common), input);
  const mods = listRepository(existingRepository(o.repo));
  out(o.json ? JSON.stringify(mods, null, 2) : table(mods));
  return mods;
}

export function modulesSearchCommand(input: z.input<typeof searchOptionsSchema>): ListedModule[] {
  const o = parse(searchOptionsSchema, input);
  const cls = typeof o.class === 'string' && /^\d+$/.test(o.class) ? Number(o.class) : o.class;
  const mods = searchRepository(existingRepository(o.repo), {
    dataset: o.dataset,
    class: cls,
    model: o.model,
    maxFlops: o.maxFlops,
    minF1: o.minF1,
  });
  out(o.json ? JSON.stringify(mods, null, 2) : table(mods));
  return mods;
}

const idSchema = z.string().regex(/^[0-9a-f]{4,64}$/, 'expected a module id (4 to 64 hex digits)');

/** An id the repository does not know is a usage error (exit 2); a corrupt module a data error (1). */
function resolveId(repo: string, id: string): string {
  try {
    return resolveModuleId(repo, id);
  } catch (e) {
    throw new UsageError(`ID: ${(e as Error).message}`);
  }
}

export function modulesShowCommand(input: { id: string; repo?: string; json?: boolean }): ShownModule {
  const o = parse(z.object({ id: idSchema, ...common }), input);
  const repo = existingRepository(o.repo);
  const shown = showModule(repo, resolveId(repo, o.id));
  if (o.json) out(JSON.stringify(shown, null, 2));
  else {
    const c = shown.card;
    const q = c.quality.perClass
      .map((p) => `${p.class}:${p.name} P ${p.precision.toFixed(3)} R ${p.recall.toFixed(3)} F1 ${p.f1.toFixed(3)}`)
      .join('; ');
    out(
      [
        `module ${c.id}  (${shown.status}${shown.problem ? ': ' + shown.problem : ''})`,
        `  ${c.kind} of ${c.model} x${c.width} on ${c.dataset} ${c.inputShape.join('x')}, classes ${c.classes.map((k) => `${k.index}:${k.name}`).join(', ')}`,
        `  source ${c.source.run} (seed ${String(c.source.settings.seed)}, epochs ${String(c.source.settings.epochs)}, limit ${String(c.source.settings.limit ?? 'all')}), tau ${c.threshold}, KRR ${(c.kernelRate * 100).toFixed(2)}%`,
        `  ${c.parameters} parameters, ${(c.flops / 1e6).toFixed(2)} M MACs`,
        `  ${c.quality.split} (${c.quality.samples} samples, ${c.quality.rule}): ${q}`,
        c.score
          ? `  score: ${c.score.kind} in ${c.score.file}, validation F1 ${c.score.validation.perClass[0]!.f1.toFixed(3)} on ${c.score.validation.samples} held-out training samples`
          : '  score: none (sub-task model)',
        `  mwt ${c.versions.mwt}, tfjs ${c.versions.tfjsCore}, created ${c.created}`,
        `  ${shown.dir}`,
      ].join('\n'),
    );
  }
  if (shown.status === 'corrupt') throw new CorruptModuleError(shown.problem!);
  return shown;
}

export async function modulesRemoveCommand(input: { id: string; repo?: string; json?: boolean }, log: Logger): Promise<string> {
  const o = parse(z.object({ id: idSchema, ...common }), input);
  const repo = existingRepository(o.repo);
  const id = await removeModule(repo, resolveId(repo, o.id));
  if (o.json) out(JSON.stringify({ removed: id }));
  else log.info(`${repo}: removed ${id}`);
  return id;
}
