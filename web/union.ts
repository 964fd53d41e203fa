/**
 * The mask-union route (`mwt serve --run`): the run's whole trained model, fetched once, pruned
 * in the page to the union of the ticked classes' kernels with the library's own
 * `mixedModuleKeep` (src/reuse/mixed_module.ts) and `buildRestrictedSubtaskModel`
 * (src/reuse/restricted_model.ts, over `buildPrunedModel`), the model `mwt reuse` starts from.
 * Before its head is cut, it is calibrated on the server's training images of the ticked classes
 * (mean masks folded, batch norms matched: src/serve/calibration.ts). Its head keeps the trained
 * logits of the ticked classes only, so it needs no training: the prediction is the argmax over
 * those logits (the restricted accuracy `mwt reuse` reports, there over more images).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import '../src/layers/index.js';
import { keptKernels, mixedModuleKeep, validateClasses } from '../src/reuse/mixed_module.js';
import { buildRestrictedSubtaskModel } from '../src/reuse/restricted_model.js';
import { calibrationImages } from '../src/serve/calibration_images.js';
import type { CatalogCalibration, CatalogModule, CatalogUnion } from '../src/serve/catalog_types.js';
import type { Assembled } from './modules.js';

let whole: Promise<LayersModel> | null = null;

/** The run's trained modular model, loaded once (its weights are sliced, never changed). */
function loadWhole(union: CatalogUnion): Promise<LayersModel> {
  if (!whole) {
    whole = tfl.loadLayersModel(union.modelUrl);
    whole.catch(() => (whole = null));
  }
  return whole;
}

let calibrationBytes: Promise<Uint8Array> | null = null;

/** The server's calibration images, fetched once. */
function loadCalibration(cal: CatalogCalibration): Promise<Uint8Array> {
  if (!calibrationBytes) {
    calibrationBytes = fetch(cal.url).then(async (r) => {
      if (!r.ok) throw new Error(`${cal.url}: HTTP ${r.status}`);
      return new Uint8Array(await r.arrayBuffer());
    });
    calibrationBytes.catch(() => (calibrationBytes = null));
  }
  return calibrationBytes;
}

/** The whole model pruned to the union of the ticked classes' modules, logits of those classes only (ascending class order). */
export async function unionTicked(union: CatalogUnion, ticked: CatalogModule[]): Promise<Assembled> {
  const byClass = new Map<number, CatalogModule>();
  for (const m of ticked) if (!byClass.has(m.card.classes[0]!.index)) byClass.set(m.card.classes[0]!.index, m);
  const classes = validateClasses(
    [...byClass.keys()].sort((a, b) => a - b),
    union.spec.numClasses,
    'ticked classes',
  );
  const keep = mixedModuleKeep(union.masks, classes);
  const trained = await loadWhole(union);
  const cal = union.calibration;
  const calibration = cal
    ? { images: calibrationImages(await loadCalibration(cal), cal, classes, ticked[0]!.card.normalization) }
    : undefined;
  const model = buildRestrictedSubtaskModel(union.spec, trained, keep, classes, calibration);
  const modules = classes.map((c) => byClass.get(c)!);
  return {
    route: 'union',
    model,
    classes: modules.map((m) => m.card.classes[0]!),
    modules,
    kernels: keptKernels(keep),
    calibrationImages: calibration?.images.count ?? 0,
  };
}
