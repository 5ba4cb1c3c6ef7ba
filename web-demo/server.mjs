// A tiny static server for the web demo and the browser test.
//
//   npm run web-demo                     (PORT=8080 by default)
//   node web-demo/server.mjs [--port 8080] [--host 127.0.0.1] [--no-isolation]
//
// Serves the repository root (so the page can `import ... from '/bindings/index.js'`
// and the package finds dist/concurry-core.* next to it) with the headers a
// browser needs before it gives a page SharedArrayBuffer, which the pthread
// build of the core uses:
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
// and the right MIME types for .js/.mjs (text/javascript: module scripts and
// module workers refuse anything else) and .wasm (application/wasm, needed by
// WebAssembly.instantiateStreaming). `/` redirects to the demo page.
//
// Without isolation: a request whose query has `coi=0` (e.g.
// /web-demo/?coi=0) gets no COOP/COEP headers, and `--no-isolation` (or
// `startServer({ isolation: false })`) drops them everywhere, to see how a
// page that is not cross-origin isolated behaves (no SharedArrayBuffer).
//
// Also a module: `startServer({ port: 0 })` resolves to { url, port, close() }.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const defaultRoot = resolve(here, '..');

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/**
 * The handler: isolation headers on every response (unless `isolation` is
 * false or the query says `coi=0`), files under `root` only.
 */
function handler(root, isolation) {
  return (req, res) => {
    const fail = (code, msg) => {
      res.statusCode = code;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(msg + '\n');
    };
    let url;
    let path;
    try {
      url = new URL(req.url, 'http://x');
      path = decodeURIComponent(url.pathname);
    } catch {
      return fail(400, 'bad request');
    }
    if (isolation && url.searchParams.get('coi') !== '0') {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'method not allowed');
    if (path === '/') {
      res.statusCode = 302;
      res.setHeader('Location', `/web-demo/${url.search}`);
      return res.end();
    }
    // No dotfiles (.git, .ci), no node_modules, nothing outside the root.
    const parts = path.split('/').filter(Boolean);
    if (parts.some((p) => p.startsWith('.') || p === 'node_modules' || p.includes('\\') || p.includes('\0'))) {
      return fail(404, 'not found');
    }
    let file = join(root, ...parts);
    if (file !== root && !file.startsWith(root + sep)) return fail(404, 'not found');
    let st;
    try {
      st = statSync(file);
      if (st.isDirectory()) {
        if (!path.endsWith('/')) {
          res.statusCode = 301;
          res.setHeader('Location', path + '/' + url.search);
          return res.end();
        }
        file = join(file, 'index.html');
        st = statSync(file);
      }
    } catch {
      return fail(404, 'not found');
    }
    if (!st.isFile()) return fail(404, 'not found');
    res.setHeader('Content-Type', types[extname(file)] || 'application/octet-stream');
    res.setHeader('Content-Length', st.size);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  };
}

/**
 * Starts the server.
 * @param {{ port?: number, host?: string, root?: string, isolation?: boolean }} [opts] port 0 picks a
 *   free one; isolation false sends no COOP/COEP headers at all
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startServer({ port = 8080, host = '127.0.0.1', root = defaultRoot, isolation = true } = {}) {
  const server = createServer(handler(resolve(root), isolation));
  await new Promise((ok, ko) => {
    server.once('error', ko);
    server.listen(port, host, () => { server.off('error', ko); ok(); });
  });
  const actual = server.address().port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${actual}/`,
    port: actual,
    close: () => new Promise((ok) => {
      server.close(() => ok());
      server.closeAllConnections?.();
    }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
  };
  const port = Number(opt('--port', process.env.PORT ?? 8080));
  const host = opt('--host', '127.0.0.1');
  const isolation = !args.includes('--no-isolation');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`server.mjs: --port must be an integer 0..65535, got ${opt('--port')}`);
    process.exit(2);
  }
  try {
    const s = await startServer({ port, host, isolation });
    console.log(`concurry-wasm web demo: ${s.url}web-demo/`);
    console.log(isolation
      ? `  COOP/COEP on (cross-origin isolated); ${s.url}web-demo/?coi=0 serves the page without them. Ctrl-C stops.`
      : '  COOP/COEP off (--no-isolation): the page is not cross-origin isolated. Ctrl-C stops.');
    const stop = () => s.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (e) {
    console.error(`server.mjs: cannot listen on ${host}:${port}: ${e.message}`);
    process.exit(1);
  }
}
