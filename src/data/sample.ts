/**
 * The Fashion-MNIST sample that ships with the package (data/fashion-mnist-sample: 3,000 train
 * and 1,000 test images, MIT licence), so a first program runs without downloading a dataset.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: this file sits at src/data in a checkout and at dist/src/data when installed. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`mwt: package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** Directory of the bundled Fashion-MNIST sample: `train({ dataset: 'fashion-mnist', dataDir: SAMPLE_DATA_DIR, ... })`. */
export const SAMPLE_DATA_DIR = join(packageRoot(), 'data', 'fashion-mnist-sample');
