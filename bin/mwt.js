#!/usr/bin/env node
// The `mwt` executable: runs the compiled CLI (built by `npm install` via `prepare`), or the
// TypeScript sources through tsx in a checkout where dist/ was not built.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'scripts', 'cli.js');
let cli;
if (existsSync(compiled)) {
  cli = await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(join(root, 'scripts', 'cli.ts')).href);
}
await cli.run(process.argv);
