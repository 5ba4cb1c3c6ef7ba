// Browser test of the JS package (npm run test:browser).
//
// Starts web-demo/server.mjs on 127.0.0.1 (a free port; COOP/COEP headers),
// launches Debian's Chromium through playwright-core (never downloads a
// browser; CHROMIUM overrides /usr/bin/chromium), and:
//   1. opens tests/browser/index.html, which runs tests/browser/checks.js in the
//      page and in a module worker (crossOriginIsolated, import of
//      /bindings/index.js with no init, gather shapes, gather iter order, wait
//      FIRST_COMPLETED, TimeoutError "k of n completed", progress final: true;
//      worker pools: thread mode over tests/browser/tasks.mjs, c-mode kernels,
//      gatherSync in the worker and its refusal on the main thread);
//   2. runs the web demo (web-demo/index.html) through tests/browser/web-demo.mjs:
//      cross-origin isolated, data-state "done", every tile of every mode equal
//      to the C kernel's in Node, a screenshot in build/web-demo.png, and a
//      cancel that stops a run (Web Workers, and the worker blocking in waitSync).
// Asserts on the JSON results here, prints one line per check, exits non-zero
// on any failure (a missing Chromium is a failure, not a skip). The browser and
// the server are always closed; a watchdog ends everything after 150 s.
import { existsSync } from 'node:fs';
import { startServer } from '../../web-demo/server.mjs';
import { checkWebDemo } from './web-demo.mjs';

/* Generous: the machine that runs npm test may be busy, and a hang is what it catches. */
const DEADLINE_MS = 150_000;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const failures = [];
const fail = (msg) => { failures.push(msg); console.log(`  FAIL  ${msg}`); };
const pass = (msg) => console.log(`  ok    ${msg}`);

let server = null;
let browser = null;
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  if (browser) {
    let timer;
    const closed = await Promise.race([
      browser.close().then(() => true, () => false),
      new Promise((r) => { timer = setTimeout(() => r(false), 5000); }),
    ]);
    clearTimeout(timer);
    if (!closed) {
      // browser.close() hung: kill Chromium's process ourselves.
      try { browser.process?.()?.kill('SIGKILL'); } catch {}
    }
  }
  if (server) await server.close();
}

const watchdog = setTimeout(async () => {
  console.error(`browser test: FAIL: still running after ${DEADLINE_MS / 1000} s; closing the browser and the server`);
  await cleanup();
  process.exit(1);
}, DEADLINE_MS);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => { await cleanup(); process.exit(130); });

/**
 * Chromium aborts requests in flight with net::ERR_NETWORK_CHANGED when a
 * network interface comes or goes on the machine (other jobs' network
 * namespaces do, even with every request on 127.0.0.1). A page that failed
 * with that in its log is loaded once more; any other failure stands.
 * @param {string[]} logs from watch()
 */
const networkChanged = (logs) => logs.some((l) => l.includes('ERR_NETWORK_CHANGED'));

/** Collects console errors and uncaught errors of a page (and its workers). */
function watch(page, tag) {
  const logs = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') logs.push(`${tag} console.${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => logs.push(`${tag} uncaught: ${e.message}`));
  page.on('requestfailed', (r) => logs.push(`${tag} request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => { if (r.status() >= 400) logs.push(`${tag} HTTP ${r.status()}: ${r.url()}`); });
  page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') logs.push(`${tag} worker console.error: ${m.text()}`); }));
  return logs;
}

/* page.evaluate has no timeout of its own: a page whose promise never settles
 * would hold it until the watchdog, with the page gone before we could look. */
function within(ms, promise) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no result in ${ms} ms`)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const EXPECTED = [
  'crossOriginIsolated', 'import without init', 'wrapFuture of a Promise', 'gather array', 'gather object',
  'gather Map', 'gather variadic and options', 'gather iter completion order', 'wait FIRST_COMPLETED',
  'timeout rejects with TimeoutError', 'progress callback ends with final',
  // Worker pools (issue 7): thread mode in module Web Workers, c mode kernels.
  'thread createWorker and Proxy calls', 'thread gather over calls', 'thread error crosses the boundary',
  'thread progress before the result', 'thread cancel of a running call (cancelGraceMs)', 'thread callWith timeout',
  'thread uncaught error crashes only its call', 'thread worker that closes itself fails its call', 'thread stop', 'c mode builtin kernels with gather',
  // Issue 10 trial: what only Node can run is refused before any import.
  'Node-only modes and options refused',
];
/* Atomics.wait blocks only off the main thread: gatherSync runs in the worker,
 * and the page checks that it refuses at once. */
const ONLY = { page: ['c gatherSync refused on the main thread'], worker: ['c gatherSync in a worker'] };
/* Known bugs, each asserted to still fail the way it is reported (a check
 * that starts passing fails the run, so that its mark is removed). */
const KNOWN_FAILING = {};

function assertChecks(where, r) {
  if (!r || typeof r !== 'object') return fail(`${where}: no result (${JSON.stringify(r)})`);
  if (r.error) fail(`${where}: ${r.error}`);
  const byName = new Map((r.checks || []).map((c) => [c.name, c]));
  const names = [...EXPECTED, ...ONLY[where], ...Object.keys(KNOWN_FAILING)];
  for (const name of names) {
    const c = byName.get(name);
    const known = KNOWN_FAILING[name];
    if (!c) fail(`${where}: check "${name}" did not run`);
    else if (known && c.ok) fail(`${where}: ${name}: passes now; remove it from KNOWN_FAILING in tests/browser/run.mjs`);
    else if (known && !known.test(c.error)) fail(`${where}: ${name}: fails otherwise than known: ${c.error}`);
    else if (known) console.log(`  xfail ${where}: ${name} (known bug: ${c.error})`);
    else if (!c.ok) fail(`${where}: ${name}: ${c.error}`);
    else pass(`${where}: ${name} (${c.ms} ms)`);
  }
  for (const c of r.checks || []) if (!names.includes(c.name)) fail(`${where}: check "${c.name}" is not listed in run.mjs`);
}

async function main() {
  if (!existsSync(executablePath)) {
    fail(`no Chromium at ${executablePath} (scripts/setup.sh installs Debian's chromium; CHROMIUM=path overrides)`);
    return;
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    fail(`cannot import playwright-core (npm ci installs it): ${e.message}`);
    return;
  }
  if (!existsSync(new URL('../../dist/concurry-core.wasm', import.meta.url))) {
    fail('dist/concurry-core.wasm is missing: build it with `npm run build:wasm`');
    return;
  }
  server = await startServer({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout: 20_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext();
  console.log(`browser test: Chromium ${browser.version()}, server ${server.url} (started in ${since()})`);

  // 1. The package checks, in the page and in a module worker.
  const page = await context.newPage();
  const logs = watch(page, 'test page');
  const resp = await page.goto(`${server.url}tests/browser/index.html`, { timeout: 10_000 });
  if (!resp || !resp.ok()) fail(`test page: HTTP ${resp && resp.status()}`);
  const h = resp ? resp.headers() : {};
  if (h['cross-origin-opener-policy'] !== 'same-origin' || h['cross-origin-embedder-policy'] !== 'require-corp') {
    fail(`server headers: COOP=${h['cross-origin-opener-policy']} COEP=${h['cross-origin-embedder-policy']}`);
  }
  let result;
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      result = await within(20_000, page.evaluate(() => window.testResult));
    } catch (e) {
      if (attempt === 1 && networkChanged(logs)) result = null;
      else {
        const at = await page.evaluate(() => window.testAt).catch(() => null);
        fail(`test page did not produce a result: ${e.message.split('\n')[0]}` +
          (at ? ` (running: page "${at.page}", worker "${at.worker}")` : ''));
      }
    }
    const failed = !result || [result.page, result.worker].some((r) => !r || r.error || (r.checks || []).some((c) => !c.ok));
    if (attempt === 2 || !failed || !networkChanged(logs)) break;
    console.log('        retry: Chromium aborted requests with ERR_NETWORK_CHANGED (an interface came or went on this machine); loading the test page again');
    logs.length = 0;
    await page.goto(`${server.url}tests/browser/index.html`, { timeout: 10_000 });
  }
  if (result) {
    assertChecks('page', result.page);
    assertChecks('worker', result.worker);
    console.log(`        checks done at ${since()} (page ${result.page?.ms} ms, worker ${result.worker?.ms} ms)`);
  }
  if (failures.length && logs.length) console.log(logs.map((l) => `        ${l}`).join('\n'));
  await page.close();

  // 2. The web demo (tests/browser/web-demo.mjs): a full run checked pixel
  // for pixel, a screenshot, and two cancelled runs.
  await checkWebDemo({ context, url: server.url, pass, fail, watch, networkChanged });
  // 3. Without COOP/COEP (tests/browser/no-isolation.mjs): the single-threaded core, same API.
  await (await import('./no-isolation.mjs')).checkNoIsolation({ context, pass, fail, watch });
}

try {
  await main();
} catch (e) {
  fail(`browser test crashed: ${(e && e.stack) || e}`);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
const secs = ((Date.now() - t0) / 1000).toFixed(1);
if (failures.length) {
  console.log(`browser test: ${failures.length} failure(s) in ${secs} s`);
  process.exit(1);
}
console.log(`browser test: all passed in ${secs} s`);
