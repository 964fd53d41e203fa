/**
 * The module repository: add (idempotent, whole runs or single modules), list, search, show,
 * remove; weights that no longer match the id are reported corrupt and refused by the loader;
 * two processes adding at once lose nothing.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addToRepository,
  listRepository,
  readIndex,
  removeModule,
  resolveRepository,
  searchRepository,
  showModule,
  verifiedModuleDir,
} from '../../src/modules/repository.js';
import { CorruptModuleError } from '../../src/modules/card.js';
import { fakeModule } from './fake_module.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-repo-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A fake "run": RUN/modules/class-K/ for the given classes. */
function fakeRun(
  name: string,
  classes: number[],
  extra: { dataset?: string; f1?: (k: number) => number; flops?: (k: number) => number } = {},
) {
  const run = path.join(root, name);
  const cards = classes.map(
    (k) =>
      fakeModule(path.join(run, 'modules', `class-${k}`), {
        cls: k,
        name: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'][k],
        salt: name,
        dataset: extra.dataset,
        f1: extra.f1?.(k),
        flops: extra.flops?.(k),
      }).card,
  );
  return { run, cards };
}

describe('module repository', () => {
  const repo = path.join(root, 'repo');
  const a = fakeRun('run-a', [0, 1, 2], { f1: (k) => 0.5 + k * 0.1, flops: (k) => (k + 1) * 1e6 });
  const b = fakeRun('run-b', [2, 3], { dataset: 'mnist', f1: () => 0.95 });

  it('adds a whole run, then is a no-op for the same modules', async () => {
    const first = await addToRepository(repo, a.run);
    expect(first.added.sort()).toEqual(a.cards.map((c) => c.id).sort());
    expect(first.present).toEqual([]);
    const index = fs.readFileSync(path.join(repo, 'index.json'), 'utf8');
    const again = await addToRepository(repo, a.run);
    expect(again.added).toEqual([]);
    expect(again.present.sort()).toEqual(first.added.sort());
    expect(fs.readFileSync(path.join(repo, 'index.json'), 'utf8')).toBe(index); // not even rewritten
    // one module directory alone
    const single = await addToRepository(repo, path.join(b.run, 'modules', 'class-2'));
    expect(single.added).toEqual([b.cards[0]!.id]);
    expect(readIndex(repo).modules).toHaveLength(4);
    expect(fs.readdirSync(path.join(repo, '.staging'))).toEqual([]); // nothing left half-copied
  });

  it('lists every module with its status', () => {
    const listed = listRepository(repo);
    expect(listed.map((m) => m.id).sort()).toEqual([...a.cards, b.cards[0]!].map((c) => c.id).sort());
    expect(listed.every((m) => m.status === 'ok')).toBe(true);
    expect(listed.find((m) => m.id === a.cards[1]!.id)!.classes).toEqual([{ index: 1, name: 'Trouser', f1: 0.6 }]);
  });

  it('searches by dataset, class (name or number), model, FLOPs and F1, best F1 first', () => {
    const ids = (q: Parameters<typeof searchRepository>[1]) => searchRepository(repo, q).map((m) => m.id);
    expect(ids({ dataset: 'fashion-mnist' })).toEqual([a.cards[2]!.id, a.cards[1]!.id, a.cards[0]!.id]);
    expect(ids({ class: 'pullover' })).toEqual([b.cards[0]!.id, a.cards[2]!.id]);
    expect(ids({ class: 2, dataset: 'mnist' })).toEqual([b.cards[0]!.id]);
    expect(ids({ class: '1' })).toEqual([a.cards[1]!.id]);
    expect(ids({ maxFlops: 2e6, dataset: 'fashion-mnist' })).toEqual([a.cards[1]!.id, a.cards[0]!.id]);
    expect(ids({ minF1: 0.65 })).toEqual([b.cards[0]!.id, a.cards[2]!.id]);
    expect(ids({ model: 'vgg16' })).toEqual([]);
  });

  it('shows a card by id or unique prefix, and refuses unknown or ambiguous ids', () => {
    const id = a.cards[0]!.id;
    const shown = showModule(repo, id.slice(0, 10));
    expect(shown.status).toBe('ok');
    expect(shown.card).toEqual(a.cards[0]);
    expect(() => showModule(repo, 'ffff0000')).toThrow(/not in the repository/);
    expect(() => showModule(repo, 'xyz')).toThrow(/expected 4 to 64 hex digits/);
  });

  it('reports weights that no longer match the id as corrupt, and never hands them out', () => {
    const id = a.cards[1]!.id;
    const weights = path.join(repo, 'modules', id, 'weights.bin');
    const bytes = fs.readFileSync(weights);
    bytes[3] = bytes[3]! ^ 0xff;
    fs.writeFileSync(weights, bytes);
    const shown = showModule(repo, id);
    expect(shown.status).toBe('corrupt');
    expect(shown.problem).toMatch(/weights\.bin no longer matches its id/);
    expect(listRepository(repo).find((m) => m.id === id)!.status).toBe('corrupt');
    expect(() => verifiedModuleDir(repo, id)).toThrow(CorruptModuleError);
  });

  it('adding again repairs a corrupt copy; a corrupt source is refused', async () => {
    const id = a.cards[1]!.id;
    const r = await addToRepository(repo, a.run);
    expect(r.added).toEqual([id]);
    expect(showModule(repo, id).status).toBe('ok');
    const src = path.join(root, 'run-a', 'modules', 'class-0', 'model.json');
    fs.appendFileSync(src, ' ');
    await expect(addToRepository(repo, a.run)).rejects.toThrow(/model\.json no longer matches its id/);
  });

  it('removes a module and its index entry', async () => {
    const id = a.cards[2]!.id;
    expect(await removeModule(repo, id.slice(0, 8))).toBe(id);
    expect(fs.existsSync(path.join(repo, 'modules', id))).toBe(false);
    expect(readIndex(repo).modules.map((m) => m.id)).not.toContain(id);
    await expect(removeModule(repo, id)).rejects.toThrow(/not in the repository/);
  });

  it('takes --repo, then MWT_REPO, then ~/.mwt/modules', () => {
    const saved = process.env.MWT_REPO;
    try {
      process.env.MWT_REPO = path.join(root, 'env-repo');
      expect(resolveRepository('x')).toBe(path.resolve('x'));
      expect(resolveRepository()).toBe(path.join(root, 'env-repo'));
      delete process.env.MWT_REPO;
      expect(resolveRepository()).toBe(path.join(os.homedir(), '.mwt', 'modules'));
    } finally {
      if (saved == null) delete process.env.MWT_REPO;
      else process.env.MWT_REPO = saved;
    }
  });
});

describe('concurrent adds', () => {
  it('two processes adding at once lose nothing', async () => {
    const repo = path.join(root, 'shared-repo');
    const runs = [0, 1].map((p) => fakeRun(`proc-${p}`, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const shared = fakeRun('both', [4]);
    const child = (sources: string[]) =>
      new Promise<string>((resolve, reject) => {
        const c = spawn(process.execPath, ['--import', 'tsx', path.join('test', 'modules', 'add_child.ts'), repo, ...sources], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        c.stdout.on('data', (d) => (out += d));
        c.stderr.on('data', (d) => (err += d));
        c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`))));
      });
    // Each process adds its modules one by one, so the index is rebuilt many times while the other adds.
    const perModule = (run: string) => Array.from({ length: 10 }, (_, k) => path.join(run, 'modules', `class-${k}`));
    await Promise.all([child([...perModule(runs[0]!.run), shared.run]), child([shared.run, ...perModule(runs[1]!.run)])]);
    const expected = [...runs[0]!.cards, ...runs[1]!.cards, ...shared.cards].map((c) => c.id).sort();
    expect(
      readIndex(repo)
        .modules.map((m) => m.id)
        .sort(),
    ).toEqual(expected);
    expect(fs.readdirSync(path.join(repo, 'modules')).sort()).toEqual(expected);
    expect(listRepository(repo).every((m) => m.status === 'ok')).toBe(true);
  }, 60_000);
});

describe('modules commands', () => {
  it('name the argument in one-line usage errors', async () => {
    const { modulesAddCommand, modulesShowCommand, modulesSearchCommand } = await import('../../src/commands/modules.js');
    const { UsageError } = await import('../../src/errors.js');
    const { silentLogger } = await import('../../src/log/logger.js');
    const repo = path.join(root, 'cmd-repo');
    await expect(modulesAddCommand({ source: path.join(root, 'missing'), repo }, silentLogger)).rejects.toThrow(
      /^RUN: .*missing: directory does not exist$/,
    );
    expect(() => modulesShowCommand({ id: 'zz', repo })).toThrow(/^--id: expected a module id/);
    expect(() => modulesShowCommand({ id: 'abcdef', repo })).toThrow(UsageError);
    expect(() => modulesSearchCommand({ minF1: 2, repo })).toThrow(/^--min-f1: expected a number in \[0, 1\]/);
  });

  it('refuse a --repo that does not exist instead of listing nothing', async () => {
    const { modulesListCommand, modulesSearchCommand, modulesShowCommand } = await import('../../src/commands/modules.js');
    const missing = path.join(root, 'no-such-repo');
    const refused = /^--repo: directory .*no-such-repo does not exist \(mwt modules add creates a repository\)$/;
    expect(() => modulesListCommand({ repo: missing })).toThrow(refused);
    expect(() => modulesSearchCommand({ repo: missing, dataset: 'fashion-mnist' })).toThrow(refused);
    expect(() => modulesShowCommand({ id: 'abcdef', repo: missing })).toThrow(refused);
    expect(fs.existsSync(missing)).toBe(false);
  });
});
