#!/usr/bin/env node
// The `mwt` executable: runs the compiled CLI (dist/, built by `npm install` via `prepare` and
// shipped in the package), or, in a checkout where dist/ was not built, the TypeScript sources
// through tsx (a development dependency).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'scripts', 'cli.js');
let cli;
if (existsSync(compiled)) {
  cli = await import(pathToFileURL(compiled).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(`mwt: ${compiled} is missing and tsx is not installed: run 'npm run build' in ${root}\n`);
    process.exit(1);
  }
  register();
  cli = await import(pathToFileURL(join(root, 'scripts', 'cli.ts')).href);
}
await cli.run(process.argv);
