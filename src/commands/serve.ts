/**
 * `mwt serve [--run RUN | --repo DIR] [--port 8080] [--host 127.0.0.1]`: a page where a person
 * ticks classes and gets a working sub-task model, built in the browser: for a run, the trained
 * network pruned to the union of the classes' modules with only their logits kept; for a module
 * repository, the modules composed side by side (docs/serve.md). The page is the prebuilt bundle in dist/web
 * (`npm run build`); the modules are served read-only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { ensureBackend } from '../engine/backend.js';
import { asUsageError, formatZodError, UsageError } from '../errors.js';
import { packageRoot } from '../data/sample.js';
import { readCatalog } from '../serve/catalog.js';
import type { Catalog } from '../serve/catalog_types.js';
import { createServer, listen, type Routes } from '../serve/server.js';

/** Files the page needs from the bundle directory; the rest of it (wasm binaries) is served as found. */
const APP_ENTRY = ['index.html', 'app.js'];

import { serveOptionsSchema } from './options.js';
export { DEFAULT_HOST, DEFAULT_PORT, serveOptionsSchema } from './options.js';

export type ServeOptionsInput = z.input<typeof serveOptionsSchema>;

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  catalog: Catalog;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

export const defaultAppDir = () => path.join(packageRoot(), 'dist', 'web');

function appRoutes(appDir: string): Routes {
  const missing = APP_ENTRY.filter((f) => !fs.existsSync(path.join(appDir, f)));
  if (missing.length)
    throw new UsageError(`serve: the web page is not built (${path.join(appDir, missing[0]!)} is missing): run npm run build`);
  const routes: Routes = new Map();
  for (const name of fs.readdirSync(appDir)) {
    const file = path.join(appDir, name);
    if (fs.statSync(file).isFile()) routes.set(name === 'index.html' ? '/index.html' : `/app/${name}`, { file });
  }
  return routes;
}

export async function serve(input: ServeOptionsInput, log: Logger): Promise<RunningServer> {
  const parsed = serveOptionsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(formatZodError(parsed.error));
  const o = parsed.data;
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)
    throw new UsageError(`--port: expected an integer from 0 to 65535 (0: any free port), got ${o.port}`);
  if ((o.run == null) === (o.repo == null))
    throw new UsageError(
      o.run == null
        ? 'serve: give --run RUN (a modularized run) or --repo DIR (a module repository)'
        : 'serve: give --run or --repo, not both',
    );
  const source: Catalog['source'] = o.run != null ? { kind: 'run', path: o.run } : { kind: 'repo', path: o.repo! };

  const routes = appRoutes(o.appDir ?? defaultAppDir());
  // Building the whole model for its size needs a backend; nothing else runs tfjs here.
  await ensureBackend(o.backend);
  const { catalog, files, bytes } = readCatalog(source);
  for (const line of catalog.skipped) log.info(`serve: skipped ${line}`);
  if (source.kind === 'run' && catalog.union == null)
    log.info(`serve: no mask union for this run (${catalog.unionUnavailable}); the page composes the modules instead`);
  routes.set('/api/catalog.json', { body: Buffer.from(JSON.stringify(catalog)), type: 'application/json; charset=utf-8' });
  if (catalog.union?.calibrationUnavailable)
    log.info(`serve: the mask union is pruned without calibration: ${catalog.union.calibrationUnavailable}`);
  for (const [url, file] of files) routes.set(url, { file });
  for (const [url, body] of bytes) routes.set(url, { body, type: 'application/octet-stream' });

  const server = createServer(routes);
  let port: number;
  try {
    port = await listen(server, o.port, o.host);
  } catch (e) {
    throw asUsageError(e);
  }
  const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${shown}:${port}/`;
  log.info(`serve: ${catalog.modules.length} modules of ${source.kind} ${catalog.source.path}, read-only, at ${url} (Ctrl-C stops)`);
  if (o.json) process.stdout.write(JSON.stringify({ url, host: o.host, port, modules: catalog.modules.length }) + '\n');
  return {
    url,
    host: o.host,
    port,
    catalog,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
