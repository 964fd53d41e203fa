/** The versions a module card records: mwt's own (from its package.json) and tfjs's. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

let mwtVersion: string | undefined;

/** Walks up from this file to mwt's package.json: the same code runs from src/ (tsx) and dist/src/. */
export function readMwtVersion(): string {
  if (mwtVersion) return mwtVersion;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'mwt' && pkg.version) return (mwtVersion = pkg.version);
    }
    dir = path.dirname(dir);
  }
  return (mwtVersion = 'unknown');
}

export function versions(): { mwt: string; tfjsCore: string; tfjsLayers: string } {
  return { mwt: readMwtVersion(), tfjsCore: tf.version_core, tfjsLayers: tfl.version_layers };
}
