/**
 * Module directories for repository tests, without tfjs: a card over placeholder model files.
 * The repository only hashes and copies files, so their content need not be a real model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeCard, type CardFields, type ModuleCard } from '../../src/modules/card.js';

export interface FakeModule {
  dir: string;
  card: ModuleCard;
}

export function fakeModule(
  dir: string,
  opts: { cls: number; name?: string; dataset?: string; model?: string; flops?: number; f1?: number; salt?: string },
): FakeModule {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', salt: opts.salt ?? dir, cls: opts.cls }));
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 7 + opts.cls) % 256)));
  fs.writeFileSync(path.join(dir, 'score_head.json'), JSON.stringify({ cls: opts.cls }));
  const f1 = opts.f1 ?? 0.8;
  const name = opts.name ?? `class${opts.cls}`;
  const fields: CardFields = {
    kind: 'module',
    model: opts.model ?? 'simcnn',
    width: 0.25,
    inputShape: [28, 28, 1],
    normalization: { mean: [0.28], std: [0.35] },
    dataset: opts.dataset ?? 'fashion-mnist',
    dataDir: '/data/fm',
    classes: [{ index: opts.cls, name }],
    sourceClasses: 10,
    source: { run: '/runs/fake', settings: { seed: 0 }, testAccuracy: 0.8 },
    threshold: 0.9,
    kernelsPerLayer: { conv1: 3 },
    kernelRate: 0.5,
    parameters: 1000,
    flops: opts.flops ?? 1e6,
    score: {
      kind: 'one-vs-rest-head',
      file: 'score_head.json',
      validation: {
        split: 'validation',
        samples: 10,
        rule: 'score > 0',
        perClass: [{ class: opts.cls, name, precision: f1, recall: f1, f1, support: 5, predicted: 5 }],
      },
    },
    quality: {
      split: 'test',
      samples: 100,
      rule: 'score > 0',
      perClass: [{ class: opts.cls, name, precision: f1, recall: f1, f1, support: 10, predicted: 10 }],
    },
    versions: { mwt: '0.1.0', tfjsCore: '4.22.0', tfjsLayers: '4.22.0' },
    created: new Date().toISOString(),
  };
  return { dir, card: writeCard(dir, fields) };
}
