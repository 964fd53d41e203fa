/**
 * Builds the page of `mwt serve` into dist/web: web/main.ts bundled by esbuild with tfjs (no CDN
 * at run time), the HTML and CSS, and the wasm backend's binaries. Run by `npm run build` (and
 * so by `prepare` and `npm pack`): the installed package carries the finished page and needs no
 * bundler. The folder is built beside its target and renamed into place, so a reader never sees
 * half a page.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { packageRoot } from '../src/data/sample.js';

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Writes the page into `outDir` (default the package's dist/web) and returns the bundle's size in bytes. */
export async function buildWebApp(outDir = path.join(packageRoot(), 'dist', 'web')): Promise<number> {
  const root = packageRoot();
  const staging = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    await build({
      entryPoints: [path.join(root, 'web', 'main.ts')],
      outfile: path.join(staging, 'app.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      legalComments: 'linked',
      logLevel: 'warning',
    });
    for (const f of ['index.html', 'style.css']) fs.copyFileSync(path.join(root, 'web', f), path.join(staging, f));
    const wasmDir = path.dirname(createRequire(path.join(root, 'package.json')).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    for (const f of WASM_FILES) fs.copyFileSync(path.join(wasmDir, 'dist', f), path.join(staging, f));
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(staging, outDir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return fs.statSync(path.join(outDir, 'app.js')).size;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2];
  const bytes = await buildWebApp(out);
  process.stdout.write(`web page built: ${out ?? 'dist/web'} (app.js ${(bytes / 1e6).toFixed(2)} MB)\n`);
}
