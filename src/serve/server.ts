/**
 * The HTTP side of `mwt serve`: read-only, GET and HEAD only, and it answers exactly the files
 * in a map built at start (the page, its bundle, the catalog, the listed module files). A
 * request path is looked up in that map, never joined onto a directory, so `../` and encoded
 * variants cannot reach anything else: they are answered 404 like any unknown path.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { InputError } from '../errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
};

/** What the server may answer: a URL path to a file on disk or to bytes made at start. */
export type Routes = Map<string, { file: string } | { body: Buffer; type: string }>;

function answer(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function createServer(routes: Routes): http.Server {
  return http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return answer(res, 405, 'read-only: GET and HEAD only\n');
    }
    // The path as sent, without the query: no decoding, no normalisation, exact lookup.
    const pathname = (req.url ?? '/').split('?')[0]!;
    const route = routes.get(pathname === '/' ? '/index.html' : pathname);
    if (!route) return answer(res, 404, 'not found\n');
    const headers = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
    if ('body' in route) {
      res.writeHead(200, { ...headers, 'Content-Type': route.type, 'Content-Length': route.body.byteLength });
      return void res.end(req.method === 'HEAD' ? undefined : route.body);
    }
    fs.stat(route.file, (err, stat) => {
      if (err || !stat.isFile()) return answer(res, 404, 'not found\n');
      res.writeHead(200, {
        ...headers,
        'Content-Type': TYPES[path.extname(route.file)] ?? 'application/octet-stream',
        'Content-Length': stat.size,
      });
      if (req.method === 'HEAD') return void res.end();
      fs.createReadStream(route.file)
        .on('error', () => res.destroy())
        .pipe(res);
    });
  });
}

/** Listens on host:port (0: any free port); a port in use or not allowed is one line naming --port. */
export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'EADDRINUSE'
          ? 'is already in use'
          : e.code === 'EACCES'
            ? 'needs privileges this user does not have'
            : `cannot be used (${e.code ?? e.message})`;
      reject(
        e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
          ? new InputError('host', `${host} is not an address of this machine`)
          : new InputError('port', `${port} on ${host} ${why}`),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}
