/**
 * Reads what `mwt serve` offers: every carded module of a run (RUN/modules/class-K) or of a
 * module repository, verified against its id; the size of the whole source network; a few test
 * images; for a run, its whole trained model and module masks (the mask-union route). Builds the only map from URL to file the server will ever answer, so nothing outside
 * the listed module files can be requested.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors.js';
import { CARD_FILE, readCard, verifyCard, type ModuleCard } from '../modules/card.js';
import { findModuleDirs, moduleDir, readIndex } from '../modules/repository.js';
import { SCORE_HEAD_FILE } from '../modules/score_head.js';
import { buildModel } from '../../models/registry.js';
import { countFlops, countParameters } from '../modularize/flops.js';
import { loadDataset } from '../data/load.js';
import { DATASET_NAMES, type DatasetName } from '../data/dataset_names.js';
import { SAMPLE_DATA_DIR } from '../data/sample.js';
import { loadModules } from '../modularize/run.js';
import { MODEL_DIR, readRunInfo } from '../train/run_info.js';
import type { Catalog, CatalogSample, CatalogUnion } from './catalog_types.js';
import { runCalibration } from './calibration.js';

/** Test images per class shown in the page. */
export const SAMPLES_PER_CLASS = 2;

export interface ServedCatalog {
  catalog: Catalog;
  /** URL path -> absolute file: the module files (under /modules/) and, for a run, its whole model (/whole/): all the server may answer besides the page. */
  files: Map<string, string>;
  /** URL path -> bytes made at start: a run's calibration images. */
  bytes: Map<string, Buffer>;
}

function moduleDirsOf(source: Catalog['source']): string[] {
  const option = source.kind === 'run' ? '--run' : '--repo';
  if (!fs.existsSync(source.path))
    throw new UsageError(`${option}: directory ${source.path} does not exist`, { option: source.kind, file: source.path });
  if (!fs.statSync(source.path).isDirectory())
    throw new UsageError(`${option}: ${source.path} is not a directory`, { option: source.kind, file: source.path });
  if (source.kind === 'repo') {
    let ids: string[];
    try {
      ids = readIndex(source.path).modules.map((e) => e.id);
    } catch (e) {
      throw new UsageError(`--repo: ${(e as Error).message}`, { option: 'repo', file: source.path });
    }
    if (ids.length === 0) throw new UsageError(`--repo: ${source.path} holds no modules (add some with mwt modules add)`);
    return ids.map((id) => moduleDir(source.path, id));
  }
  try {
    return findModuleDirs(source.path);
  } catch {
    throw new UsageError(`--run: ${source.path} has no module cards (cut it into modules first: mwt modularize --run ${source.path})`);
  }
}

/** The whole network the modules were cut from, built untrained in standard form: only its shapes are counted. */
function wholeModel(card: ModuleCard): Catalog['whole'] {
  try {
    const { model } = buildModel(card.model, {
      numClasses: card.sourceClasses,
      inputShape: card.inputShape,
      width: card.width,
      form: 'standard',
    });
    try {
      return {
        model: card.model,
        width: card.width,
        classes: card.sourceClasses,
        flops: countFlops(model).total,
        parameters: countParameters(model).total,
      };
    } finally {
      model.dispose();
    }
  } catch {
    return null; // an architecture this version does not know: the page shows module figures only
  }
}

/** The first SAMPLES_PER_CLASS test images of each class, from the bundled sample or the card's data directory. */
function samplesOf(card: ModuleCard): Catalog['samples'] {
  if (!(DATASET_NAMES as readonly string[]).includes(card.dataset)) return null;
  const dataset = card.dataset as DatasetName;
  const dirs = card.dataset === 'fashion-mnist' ? [SAMPLE_DATA_DIR, card.dataDir] : [card.dataDir];
  for (const dir of dirs) {
    let test;
    try {
      test = loadDataset(dataset, dir, 'test');
    } catch {
      continue;
    }
    if (test.shape.join('x') !== card.inputShape.join('x')) continue;
    const size = test.shape[0] * test.shape[1] * test.shape[2];
    const taken = new Map<number, number>();
    const items: CatalogSample[] = [];
    for (let i = 0; i < test.count && items.length < SAMPLES_PER_CLASS * test.numClasses; i++) {
      const label = test.labels[i]!;
      if ((taken.get(label) ?? 0) >= SAMPLES_PER_CLASS) continue;
      taken.set(label, (taken.get(label) ?? 0) + 1);
      // Images are stored as byte / 255: rounding gives the bytes back exactly.
      const bytes = Uint8Array.from(test.images.subarray(i * size, (i + 1) * size), (v) => Math.round(v * 255));
      items.push({ label, name: String(label), pixels: Buffer.from(bytes).toString('base64') });
    }
    return { shape: [...test.shape], from: path.resolve(dir), items };
  }
  return null;
}

/** Where the page fetches the run's whole trained model (the mask-union route). */
export const WHOLE_MODEL_URL = '/whole/model.json';

/**
 * The mask-union route of a run: its trained model and RUN/modules/modules.json (checked against
 * run.json by loadModules). A repository holds modules only, so it has no such route.
 */
function unionOf(
  source: Catalog['source'],
  files: Map<string, string>,
  bytes: Map<string, Buffer>,
): { union: CatalogUnion | null; why: string | null } {
  if (source.kind === 'repo')
    return { union: null, why: 'a module repository holds the modules, not the whole trained network the mask union is cut from' };
  try {
    const info = readRunInfo(source.path);
    const report = loadModules(source.path);
    const modelDir = path.join(source.path, MODEL_DIR);
    const json = path.join(modelDir, 'model.json');
    const weights = path.join(modelDir, 'weights.bin');
    for (const f of [json, weights]) if (!fs.existsSync(f)) throw new Error(`${f} not found`);
    files.set(WHOLE_MODEL_URL, json);
    files.set(path.posix.join(path.posix.dirname(WHOLE_MODEL_URL), 'weights.bin'), weights);
    const calibrated = runCalibration(info);
    if ('bytes' in calibrated) bytes.set(calibrated.calibration.url, calibrated.bytes);
    return {
      union: {
        modelUrl: WHOLE_MODEL_URL,
        spec: info.spec,
        threshold: report.threshold,
        masks: report.modules.map((m) => ({ class: m.class, mask: m.mask })),
        calibration: 'bytes' in calibrated ? calibrated.calibration : null,
        calibrationUnavailable: 'why' in calibrated ? calibrated.why : null,
      },
      why: null,
    };
  } catch (e) {
    return { union: null, why: (e as Error).message };
  }
}

/** Reads and verifies the modules of a run or repository. A corrupt module is skipped and named. */
export function readCatalog(source: Catalog['source']): ServedCatalog {
  const files = new Map<string, string>();
  const bytes = new Map<string, Buffer>();
  const modules: Catalog['modules'] = [];
  const skipped: string[] = [];
  for (const dir of moduleDirsOf(source)) {
    let card: ModuleCard;
    try {
      card = readCard(dir);
      verifyCard(dir, card);
    } catch (e) {
      skipped.push((e as Error).message);
      continue;
    }
    if (card.kind !== 'module' || !fs.existsSync(path.join(dir, SCORE_HEAD_FILE))) continue; // sub-task models have no score of their own
    const url = `/modules/${card.id}/`;
    for (const name of [...Object.keys(card.files), CARD_FILE]) files.set(url + name, path.join(dir, name));
    modules.push({ url, card });
  }
  const option = source.kind === 'run' ? '--run' : '--repo';
  if (modules.length === 0)
    throw new UsageError(`${option}: ${source.path} has no usable single-class modules${skipped.length ? ` (${skipped[0]})` : ''}`, {
      option: source.kind,
      file: source.path,
    });
  const first = modules[0]!.card;
  const names = new Map(modules.map((m) => [m.card.classes[0]!.index, m.card.classes[0]!.name]));
  const samples = samplesOf(first);
  if (samples) for (const s of samples.items) s.name = names.get(s.label) ?? s.name;
  const { union, why } = unionOf(source, files, bytes);
  return {
    catalog: {
      source: { ...source, path: path.resolve(source.path) },
      modules,
      whole: wholeModel(first),
      samples,
      union,
      unionUnavailable: why,
      skipped,
    },
    files,
    bytes,
  };
}
