/**
 * What the server tells the page of `mwt serve` (GET /api/catalog.json): the modules on offer,
 * the whole model they came from, and sample images. Types only: shared by the server and the
 * browser bundle.
 */
import type { ModuleCard } from '../modules/card.js';
import type { ModelSpec } from '../../models/registry.js';
import type { ModuleMask } from '../reuse/mixed_module.js';

export interface CatalogModule {
  /** URL of the module's directory on the server, ending in '/': model.json, weights.bin, score_head.json below it. */
  url: string;
  card: ModuleCard;
}

export interface CatalogSample {
  /** Class index in the source model's numbering. */
  label: number;
  name: string;
  /** Raw pixels, 0..255, row-major [h, w, c], base64. */
  pixels: string;
}

/** Training images the page calibrates a mask union on (src/serve/calibration.ts). */
export interface CatalogCalibration {
  /** URL of the bytes: 0..255, row-major [n, h, w, c], class by class in ascending class order. */
  url: string;
  shape: [number, number, number];
  /** Images of each class, by class index: the bytes hold counts[0] images of class 0 first. */
  counts: number[];
  /** The data directory they were read from. */
  from: string;
}

/**
 * What the mask-union route needs (`--run` only): the run's whole trained model and every
 * module's kept kernels (RUN/modules/modules.json), so the page prunes the model to the union.
 */
export interface CatalogUnion {
  /** URL of the trained modular model's model.json (weights.bin beside it). */
  modelUrl: string;
  spec: ModelSpec;
  threshold: number;
  masks: ModuleMask[];
  /** Training images to fold the mean masks and match the batch norms on; null: pruned uncalibrated, for the reason given. */
  calibration: CatalogCalibration | null;
  calibrationUnavailable: string | null;
}

export interface Catalog {
  /** Where the modules come from: a run directory or a module repository. */
  source: { kind: 'run' | 'repo'; path: string };
  modules: CatalogModule[];
  /** The whole source network (standard form: no mask generators), for the size comparison. */
  whole: { model: string; width: number; classes: number; flops: number; parameters: number } | null;
  /** Test images of the modules' dataset, when the server can read it (null: none, drop your own). */
  samples: { shape: [number, number, number]; from: string; items: CatalogSample[] } | null;
  /** The mask-union route, when the whole trained model is at hand (a run); else null and why. */
  union: CatalogUnion | null;
  unionUnavailable: string | null;
  /** Modules left out because their files no longer match their card (one line each). */
  skipped: string[];
}
