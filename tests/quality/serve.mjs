// A tiny static file server for the quality gates: serves a built site on 127.0.0.1.
//
//   import { startServer } from './serve.mjs';
//   const server = await startServer('/path/to/site');   // port 0: the OS picks a free port
//   console.log(server.url);                             // http://127.0.0.1:PORT
//   await server.close();
//
// Or by hand: `node tests/quality/serve.mjs DIR [PORT]` (Ctrl-C to stop).
//
// Behaves like a plain static host: a folder serves its index.html (a folder asked for
// without its trailing slash is redirected to it, so relative links resolve), a missing
// file answers 404 with the site's 404.html when there is one, and only GET and HEAD.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
};

export function contentType(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p) {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Starts serving `root` on 127.0.0.1:`port` (0 = any free port). Resolves to { url, port, close }. */
export function startServer(root, { port = 0, host = '127.0.0.1' } = {}) {
  const base = path.resolve(root);
  if (!isDir(base)) {
    return Promise.reject(new Error(`serve: ${base} is not a folder`));
  }

  const send = (req, res, status, file, extraHeaders = {}) => {
    let body;
    try {
      body = fs.readFileSync(file);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`500 cannot read ${file}: ${e.message}\n`);
      return;
    }
    res.writeHead(status, {
      'content-type': contentType(file),
      'content-length': body.length,
      'cache-control': 'no-store',
      ...extraHeaders,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const notFound = (req, res) => {
    const page = path.join(base, '404.html');
    if (isFile(page)) return send(req, res, 404, page);
    const body = '404 not found\n';
    res.writeHead(404, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('405 method not allowed\n');
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('400 bad request\n');
      return;
    }
    if (pathname.includes('\0')) return notFound(req, res);
    const target = path.resolve(base, '.' + path.posix.normalize(pathname));
    if (target !== base && !target.startsWith(base + path.sep)) return notFound(req, res);

    if (isDir(target)) {
      if (!pathname.endsWith('/')) {
        const query = new URL(req.url, 'http://localhost').search;
        res.writeHead(301, { location: encodeURI(pathname + '/') + query });
        res.end();
        return;
      }
      const index = path.join(target, 'index.html');
      return isFile(index) ? send(req, res, 200, index) : notFound(req, res);
    }
    if (isFile(target)) return send(req, res, 200, target);
    return notFound(req, res);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolve({
        url: `http://${host}:${actual}`,
        port: actual,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

// CLI: node serve.mjs DIR [PORT]
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, port] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node serve.mjs DIR [PORT]');
    process.exit(2);
  }
  startServer(dir, { port: Number(port ?? 0) }).then(
    (s) => {
      console.log(`serving ${path.resolve(dir)} at ${s.url}/`);
      const stop = () => s.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (e) => {
      console.error(`serve: ${e.message}`);
      process.exit(1);
    },
  );
}
