// README's browser examples (```html and ```js browser blocks, see
// tests/readme-blocks.js) run in headless Chromium (Debian's, through
// playwright-core, as tests/browser does; it fails, not skips, without it):
// - every block that names its file (`<!-- index.html -->`, `// rows.js`) is
//   served under that name, with COOP/COEP, beside the package at
//   /node_modules/concurry-wasm/ (this checkout), as the README says a
//   project serves it;
// - the html page is loaded, then each unnamed `js browser` block runs in it
//   as a module (an import of a blob: URL);
// - a `//=> X` line of a block expects X among the console output of the
//   page and its workers; any uncaught error, console.error or
//   failed request fails the test.
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBlocks, expectedOutput } from './readme-blocks.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_MS = 120_000;

const blocks = readBlocks(join(root, 'README.md')).filter((b) => b.kind === 'browser' || b.kind === 'html');
const htmlName = (b) => (/^\s*<!--\s*([\w.-]+\.html)\s*-->/.exec(b.code) || [])[1] || `example-${b.line}.html`;


const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const typeOf = (p) => TYPES[p.slice(p.lastIndexOf('.'))] || 'application/octet-stream';

test('README browser examples run in Chromium', async () => {
  expect(blocks.length).toBeGreaterThan(0);
  if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath} (set CHROMIUM): the browser examples cannot run`);
  const { chromium } = await import('playwright-core');

  const files = new Map();
  for (const b of blocks) {
    if (b.kind === 'html') files.set(`/${htmlName(b)}`, `<!doctype html>\n${b.code}`);
    else if (b.file) files.set(`/${b.file}`, b.code);
  }
  const pages = [...files.keys()].filter((p) => p.endsWith('.html'));
  const loose = blocks.filter((b) => b.kind === 'browser' && !b.file);
  const expected = blocks.flatMap((b) => expectedOutput(b.code));

  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    if (path === '/favicon.ico') { // asked by the browser, not by the examples
      res.writeHead(204, headers);
      res.end();
      return;
    }
    let body = files.get(path === '/' ? pages[0] || '/' : path);
    if (body === undefined && path.startsWith('/node_modules/concurry-wasm/')) {
      const file = join(root, path.slice('/node_modules/concurry-wasm/'.length));
      if (file.startsWith(root) && existsSync(file)) body = readFileSync(file);
    }
    if (body === undefined) {
      res.writeHead(404, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': typeOf(path === '/' ? '.html' : path) });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${/** @type {any} */ (server.address()).port}`;
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  const deadline = Date.now() + TIMEOUT_MS - 20_000;

  /** Loads the page and runs the loose blocks once; its problems and what is missing. */
  async function attempt(end) {
    const problems = [];
    const logs = [];
    const page = await browser.newPage();
    try {
      const onConsole = (where) => (m) => {
        if (m.type() === 'error') problems.push(`${where} console.error: ${m.text()}`);
        else logs.push(m.text());
      };
      page.on('console', onConsole('page'));
      page.on('worker', (w) => w.on('console', onConsole('worker')));
      page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
      page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });

      await page.goto(`${base}${pages[0] || '/'}`, { waitUntil: 'load' });
      if (!(await page.evaluate(() => globalThis.crossOriginIsolated))) problems.push('the page is not cross-origin isolated');
      for (const b of loose) {
        await page.evaluate(async (code) => {
          const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
          try { await import(url); } finally { URL.revokeObjectURL(url); }
        }, b.code).catch((e) => problems.push(`README.md:${b.line}: ${e.message}`));
      }
      // Each expected line printed (the page's own module script and the
      // workers finish on their own time), or a problem, or the deadline.
      const missing = () => expected.filter((x) => !logs.some((l) => l.trim() === x.trim()));
      while (missing().length && !problems.length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1000)); // a late error of the page's own script
      return { problems, missing: missing() };
    } finally {
      await page.close().catch(() => {});
    }
  }

  try {
    let r = await attempt(deadline - 30_000);
    // Chromium aborts requests with ERR_NETWORK_CHANGED when a network
    // interface comes or goes on the machine (other tests make network
    // namespaces): once more then; any other failure stands.
    if (r.problems.some((p) => p.includes('ERR_NETWORK_CHANGED'))) r = await attempt(deadline);
    expect(r.problems).toEqual([]);
    expect(r.missing).toEqual([]);
  } finally {
    await browser.close().catch(() => {});
    await new Promise((r) => server.close(r));
  }
}, TIMEOUT_MS);
