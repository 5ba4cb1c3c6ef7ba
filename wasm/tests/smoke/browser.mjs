// Emscripten smoke test in a browser (headless Chromium).
//   node browser.mjs REPO_ROOT SMOKE_LOADER_URL DIST_LOADER_URL
// Serves REPO_ROOT with the COOP/COEP headers SharedArrayBuffer needs, opens a
// page that loads the smoke module through its ESM loader, runs smoke_run on 4
// pthreads from the page, then loads the dist module in a module worker and in
// a classic worker; the page POSTs its results back. Exit 0 when all pass.
// Skips (exit 0, says so) when no Chromium is installed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';

const [root, smokeUrl, distUrl] = process.argv.slice(2);
const chrome = ['chromium', 'chromium-browser', 'google-chrome']
  .map((n) => ['/usr/bin/', '/usr/local/bin/'].map((d) => d + n))
  .flat()
  .find((p) => existsSync(p));
if (!chrome) {
  console.log('browser smoke: skipped (no chromium)');
  process.exit(0);
}

const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };
const page = `<!doctype html><meta charset="utf-8"><title>concurry smoke</title><script type="module">
const results = {};
const report = () => fetch('/result', { method: 'POST', body: JSON.stringify(results) });
try {
  results.isolated = self.crossOriginIsolated;
  const create = (await import(${JSON.stringify(smokeUrl)})).default;
  const m = await create({ pthreadPoolSize: 4 });
  results.page = m._smoke_run(50);
  const workerSrc = (kind) => kind === 'module'
    ? "import create from " + JSON.stringify(new URL(${JSON.stringify(distUrl)}, location.href).href) + ";" +
      "create().then((m) => postMessage({ ok: typeof m._cy_wait === 'function', threads: m._cy_has_threads() }), (e) => postMessage({ error: String(e) }));"
    : "import(" + JSON.stringify(new URL(${JSON.stringify(distUrl)}, location.href).href) + ").then((x) => x.default()).then(" +
      "(m) => postMessage({ ok: typeof m._cy_wait === 'function', threads: m._cy_has_threads() }), (e) => postMessage({ error: String(e) }));";
  for (const kind of ['module', 'classic']) {
    const url = URL.createObjectURL(new Blob([workerSrc(kind)], { type: 'text/javascript' }));
    results[kind + 'Worker'] = await new Promise((resolve) => {
      const w = new Worker(url, { type: kind });
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => resolve({ error: e.message || 'worker error' });
    });
  }
} catch (e) {
  results.error = String(e && e.stack || e);
}
await report();
</script>`;

let done;
const result = new Promise((r) => (done = r));
const server = createServer((req, res) => {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/result' && req.method === 'POST') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => { res.end('ok'); done(JSON.parse(body)); });
    return;
  }
  if (url.pathname === '/') {
    res.setHeader('Content-Type', 'text/html');
    return res.end(page);
  }
  const file = normalize(join(root, decodeURIComponent(url.pathname)));
  if (!file.startsWith(normalize(root)) || !existsSync(file)) {
    res.statusCode = 404;
    return res.end('not found');
  }
  res.setHeader('Content-Type', types[extname(file)] || 'application/octet-stream');
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const profile = mkdtempSync(join(tmpdir(), 'cy-chromium-'));
const browser = spawn(chrome, ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
  `--user-data-dir=${profile}`, `http://127.0.0.1:${port}/`], { stdio: 'ignore', detached: true });
const timer = setTimeout(() => done({ error: 'timed out after 60 s' }), 60000);
const r = await result;
clearTimeout(timer);
// SIGTERM lets Chromium reap its own children; its process group is killed
// only if it has not exited within 5 s.
const exited = new Promise((r) => (browser.exitCode !== null ? r() : browser.once('exit', r)));
browser.kill('SIGTERM');
const gone = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
if (!gone) {
  try { process.kill(-browser.pid, 'SIGKILL'); } catch { browser.kill('SIGKILL'); }
}
server.close();
server.closeAllConnections?.();
try { rmSync(profile, { recursive: true, force: true }); } catch {}
console.log('browser smoke:', JSON.stringify(r));
const expected = (50 * 51 * 101) / 6;
const ok = !r.error && r.isolated === true && r.page === expected &&
  r.moduleWorker?.ok && r.moduleWorker.threads === 1 && r.classicWorker?.ok && r.classicWorker.threads === 1;
process.exit(ok ? 0 : 1);
