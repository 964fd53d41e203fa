/**
 * Finds the Chart.js UMD bundle in node_modules, so the report can inline it and be viewed
 * offline. chart.js's package "exports" map hides `dist/chart.umd.js`, so we resolve the
 * package's main entry (which lives in the same `dist/` folder) and look beside it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const UMD_FILE = 'chart.umd.js';

export function chartJsBundlePath(): string {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve('chart.js');
  } catch {
    throw new Error(`chart.js: package not found from ${path.dirname(new URL(import.meta.url).pathname)}; run npm install`);
  }
  const file = path.join(path.dirname(main), UMD_FILE);
  if (!fs.existsSync(file)) throw new Error(`chart.js: expected the UMD bundle at ${file} (chart.js 4.x ships it)`);
  return file;
}

let cached: string | null = null;

/** The bundle's source text (read once per process). */
export function chartJsSource(): string {
  cached ??= fs.readFileSync(chartJsBundlePath(), 'utf8');
  return cached;
}
