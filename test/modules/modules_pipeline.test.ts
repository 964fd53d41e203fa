/**
 * End to end on one tiny untrained modular run (bundled Fashion-MNIST sample): modularize writes a card and
 * a score head beside every module; the loader verifies them; replace and compose build ONE tfjs
 * model each that loads with loadLayersModel and computes what the summary says; bad inputs fail
 * with one line before any work.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { untrainedRun } from './untrained_run.js';
import { silentLogger } from '../../src/log/logger.js';
import { modularizeRun } from '../../src/modules/modularize_run.js';
import { fileHandler } from '../../src/io/model_io.js';
import { readCard, CorruptModuleError } from '../../src/modules/card.js';
import { moduleContentId } from '../../src/modules/content_id.js';
import { loadCardedModule } from '../../src/modules/load.js';
import { addToRepository } from '../../src/modules/repository.js';
import { replaceCommand } from '../../src/commands/replace.js';
import { composeCommand } from '../../src/commands/compose.js';
import { chooseModules } from '../../src/modules/compose.js';
import { UsageError } from '../../src/errors.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-modules-'));
const run = path.join(root, 'run');
const repo = path.join(root, 'repo');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const moduleDir = (k: number) => path.join(run, 'modules', `class-${k}`);

beforeAll(async () => {
  await initBackend('wasm');
  await untrainedRun(run);
  // Cards on 200 of each split: the mechanics, not the figures, are under test.
  await modularizeRun(run, { threshold: 0.9, cards: { fitSamples: 200, testSamples: 200 } });
});

describe('module cards', () => {
  it('sit beside every module, parse, and hash the module files', () => {
    for (let k = 0; k < 10; k++) {
      const card = readCard(moduleDir(k));
      expect(card.id).toBe(moduleContentId(moduleDir(k)));
      expect(Object.keys(card.files).sort()).toEqual(['model.json', 'score_head.json', 'weights.bin']);
      expect(card.kind).toBe('module');
      expect(card.classes).toEqual([
        { index: k, name: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'][k] },
      ]);
      expect(card).toMatchObject({
        model: 'simcnn',
        width: 0.125,
        inputShape: [28, 28, 1],
        dataset: 'fashion-mnist',
        threshold: 0.9,
        sourceClasses: 10,
      });
      expect(card.source.run).toBe(path.resolve(run));
      expect(card.source.settings).toMatchObject({ epochs: 1, limit: 300, seed: 0 });
      expect(card.quality.split).toBe('test');
      expect(card.quality.samples).toBe(200);
      expect(card.quality.perClass[0]!.support).toBe(20);
      expect(card.score!.validation.samples).toBe(20);
      expect(card.kernelRate).toBeGreaterThan(0);
      expect(card.flops).toBeGreaterThan(0);
      expect(card.versions.mwt).toBe('0.1.0');
    }
  });

  it('the loader returns card, model and score head, and refuses changed weights', async () => {
    const m = await loadCardedModule(moduleDir(1));
    expect(m.card.classes[0]!.index).toBe(1);
    expect(m.head!.classIndex).toBe(1);
    expect(m.head!.weights.length).toBe((m.model.getLayer('fc1').getConfig() as { units: number }).units); // fc1's output feeds the head
    m.model.dispose();
    const copy = path.join(root, 'tampered');
    fs.cpSync(moduleDir(1), copy, { recursive: true });
    const w = path.join(copy, 'weights.bin');
    const bytes = fs.readFileSync(w);
    bytes[10] = bytes[10]! ^ 1;
    fs.writeFileSync(w, bytes);
    await expect(loadCardedModule(copy)).rejects.toThrow(CorruptModuleError);
  });
});

describe('replace and compose', () => {
  it('replace: one loadable model, both rules measured, the saved one reproduced on reload', async () => {
    await addToRepository(repo, run);
    const id = readCard(moduleDir(3)).id;
    const out = path.join(root, 'replaced');
    const s = await replaceCommand({ run, class: 3, module: id.slice(0, 10), repo, out }, silentLogger);
    expect(s.classIndex).toBe(3);
    expect(s.testSamples).toBe(1000);
    for (const r of [s.before, s.after.calibrated, s.after.cnnsplitter]) {
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.accuracy).toBeLessThanOrEqual(1);
      expect(r.classK.support).toBe(100);
    }
    expect(s.reloaded).toEqual({ agreement: 1, samples: 500 });
    const model = await tfl.loadLayersModel(fileHandler(out));
    expect(model.outputs[0]!.shape).toEqual([null, 10]);
    expect(model.layers.some((l) => l.getClassName() === 'MwtReplaceClass')).toBe(true);
    model.dispose();
    expect(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).after.cnnsplitter.classK.f1).toBeCloseTo(
      s.after.cnnsplitter.classK.f1,
      12,
    );
  });

  it('compose: one model over the union classes, compared with the source model', async () => {
    const out = path.join(root, 'composed');
    const s = await composeCommand(
      { modules: [moduleDir(0), moduleDir(1), moduleDir(7)], out, calibrate: true, calibrationPerClass: 30 },
      silentLogger,
    );
    expect(s.classes.map((c) => c.index)).toEqual([0, 1, 7]);
    expect(s.testSamples).toBe(300);
    expect(s.accuracy).toBeGreaterThanOrEqual(0);
    expect(s.reloaded).toEqual({ agreement: 1, samples: 300 });
    expect(s.sources).toHaveLength(1);
    expect(s.sources[0]!.run).toBe(path.resolve(run));
    expect(s.versusBestSource).toBeCloseTo(s.accuracy - s.sources[0]!.restrictedAccuracy!, 12);
    const model = await tfl.loadLayersModel(fileHandler(out));
    expect(model.outputs[0]!.shape).toEqual([null, 3]);
    model.dispose();
  });

  it('compose refuses duplicates without --pick, picks the best validation F1 with it, and refuses another domain', () => {
    const a = { card: readCard(moduleDir(0)) };
    const b = {
      card: {
        ...readCard(moduleDir(0)),
        id: 'f'.repeat(64),
        score: {
          ...a.card.score!,
          validation: { ...a.card.score!.validation, perClass: [{ ...a.card.score!.validation.perClass[0]!, f1: 2 }] },
        },
      },
    };
    const c = { card: readCard(moduleDir(2)) };
    expect(() => chooseModules([a, b, c])).toThrow(/class 0 has 2 modules .* --pick best-f1/);
    expect(chooseModules([a, b, c], 'best-f1')).toEqual([1, 2]);
    const other = { card: { ...c.card, dataset: 'mnist' } };
    expect(() => chooseModules([a, other])).toThrow(/trained on mnist, .* on fashion-mnist: modules must share the input domain/);
    const shifted = { card: { ...c.card, normalization: { mean: [0.9], std: c.card.normalization.std } } };
    expect(() => chooseModules([a, shifted])).toThrow(/not the same normalisation/);
  });

  it('validates inputs before any work, naming the option', async () => {
    const out = path.join(root, 'never');
    await expect(replaceCommand({ run: path.join(root, 'nope'), class: 3, module: moduleDir(3), out }, silentLogger)).rejects.toThrow(
      /^--run: directory .* does not exist$/,
    );
    await expect(replaceCommand({ run, class: 4, module: moduleDir(3), out }, silentLogger)).rejects.toThrow(
      /--module: .* is the module of class 3 \(Dress\), not of class 4/,
    );
    await expect(replaceCommand({ run, class: 3, module: 'beef00', repo, out }, silentLogger)).rejects.toThrow(UsageError);
    await expect(replaceCommand({ run, class: 3, module: 'not-an-id', repo, out }, silentLogger)).rejects.toThrow(
      /--module: 'not-an-id' is neither a module directory/,
    );
    await expect(composeCommand({ modules: [moduleDir(0)], out }, silentLogger)).rejects.toThrow(/--modules: expected at least two/);
    await expect(
      composeCommand({ modules: [moduleDir(0), moduleDir(1)], out, dataDir: path.join(root, 'nodata') }, silentLogger),
    ).rejects.toThrow(/^--data-dir: directory .* does not exist$/);
    // A mistyped --repo is named as such, not as a module missing from it.
    const noRepo = path.join(root, 'no-such-repo');
    const refused = /^--repo: directory .*no-such-repo does not exist \(mwt modules add creates a repository\)$/;
    await expect(replaceCommand({ run, class: 3, module: 'beef00', repo: noRepo, out }, silentLogger)).rejects.toThrow(refused);
    await expect(composeCommand({ modules: ['beef00', 'beef01'], repo: noRepo, out }, silentLogger)).rejects.toThrow(refused);
    expect(fs.existsSync(noRepo)).toBe(false);
    expect(fs.existsSync(out)).toBe(false);
  });
});
