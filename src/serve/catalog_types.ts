/**
 * What the server tells the page of `mwt serve` (GET /api/catalog.json): the modules on offer,
 * the whole model they came from, and sample images. Types only: shared by the server and the
 * browser bundle.
 */
import type { ModuleCard } from '../modules/card.js';

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

export interface Catalog {
  /** Where the modules come from: a run directory or a module repository. */
  source: { kind: 'run' | 'repo'; path: string };
  modules: CatalogModule[];
  /** The whole source network (standard form: no mask generators), for the size comparison. */
  whole: { model: string; width: number; classes: number; flops: number; parameters: number } | null;
  /** Test images of the modules' dataset, when the server can read it (null: none, drop your own). */
  samples: { shape: [number, number, number]; from: string; items: CatalogSample[] } | null;
  /** Modules left out because their files no longer match their card (one line each). */
  skipped: string[];
}
