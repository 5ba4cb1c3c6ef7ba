// Bundler test (npm test step "bundler (vite)"): the package, staged as
// `npm pack` would ship it, imported by a tiny app (tests/bundler/app/, with
// README's `// vite.config.js` block as its config) that Vite builds for
// production; the bundle is then served twice by
// web-demo/server.mjs, with COOP/COEP and without, and opened in headless
// Chromium (playwright-core, Debian's /usr/bin/chromium; CHROMIUM overrides).
// In both pages the app's thread-mode gather, C kernels and Promise gather
// must give their values, which needs everything a bundler can lose: the
// thread-mode worker bundled with its imports, the .wasm (and with
// isolation the pthread worker script) found under the names Vite gave them,
// and the single-threaded core chosen where the page is not isolated. Then
// the same app under Vite's dev server (dependencies pre-bundled into
// node_modules/.vite, with COOP/COEP).
// Prints one line per check and the time of each phase; exits non-zero on
// any failure. Work files go to build/bundler/run-<pid>/ (removed when all
// passed), so that two runs in one checkout never share a bundle.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../web-demo/server.mjs';
import { readBlocks } from '../readme-blocks.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const work = join(repo, 'build', 'bundler', `run-${process.pid}`);
const app = join(work, 'app');
const out = join(work, 'out');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const DEADLINE_MS = 90_000;

const t0 = Date.now();
let tPhase = t0;
const phase = (what) => { const now = Date.now(); console.log(`        ${what}: ${now - tPhase} ms`); tPhase = now; };
const failures = [];
const fail = (m) => { failures.push(m); console.log(`  FAIL  ${m}`); };
const pass = (m) => console.log(`  ok    ${m}`);
const same = (got, want, what) => {
  if (JSON.stringify(got) === JSON.stringify(want)) return true;
  fail(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  return false;
};

let browser = null;
const servers = [];
async function cleanup() {
  if (browser) {
    let timer;
    const closed = await Promise.race([browser.close().then(() => true, () => false),
      new Promise((r) => { timer = setTimeout(() => r(false), 5000); })]);
    clearTimeout(timer);
    // browser.close() hung: end Chromium ourselves.
    if (!closed) { try { browser.process?.()?.kill('SIGKILL'); } catch {} }
  }
  browser = null;
  for (const s of servers.splice(0)) await s.close();
}
const watchdog = setTimeout(async () => {
  console.error(`bundler test: FAIL: still running after ${DEADLINE_MS / 1000} s`);
  await cleanup();
  process.exit(1);
}, DEADLINE_MS);

/** The app, and the package in its node_modules exactly as `npm pack` would ship it. */
function stage() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(fileURLToPath(new URL('./app/', import.meta.url)), app, { recursive: true });
  // The app's Vite config is README's (section "Bundlers (Vite)"), so that
  // what the README tells users is what is built here.
  const cfg = readBlocks(join(repo, 'README.md')).filter((b) => b.file === 'vite.config.js');
  if (cfg.length !== 1) throw new Error(`README.md should have one \`// vite.config.js\` block; found ${cfg.length}`);
  writeFileSync(join(app, 'vite.config.js'), cfg[0].code);
  const listing = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  }));
  const pkgDir = join(app, 'node_modules', 'concurry-wasm');
  const files = listing[0].files.map((f) => f.path);
  for (const f of files) {
    mkdirSync(dirname(join(pkgDir, f)), { recursive: true });
    copyFileSync(join(repo, f), join(pkgDir, f));
  }
  // Its dependencies (bullmq, ...) resolve from the repository's node_modules, above build/.
  for (const f of ['dist/concurry-core.wasm', 'dist/concurry-core.worker.js', 'dist/concurry-core-st.wasm']) {
    if (!files.includes(f)) fail(`npm pack does not ship ${f} (build it with \`npm run build:wasm\`)`);
  }
  return files.length;
}

async function bundle() {
  const { build } = await import('vite');
  await build({
    root: app,
    configFile: join(app, 'vite.config.js'),
    // Vite's notes on node: imports it leaves out for the browser (the
    // package imports them only in Node) and on the lazily loaded remote
    // mode's size are expected; errors still show.
    logLevel: 'error',
    build: { outDir: out, emptyOutDir: true },
  });
}

/**
 * Vite's defaults (no config file) still fail, as README "Bundlers (Vite)"
 * says: the worker entries use top-level await and Vite bundles workers as
 * 'iife' unless told `worker: { format: 'es' }`. If this ever builds, the
 * README's vite.config.js block should drop that line.
 */
async function defaultsFail() {
  const { build } = await import('vite');
  let err = null;
  try {
    await build({ root: app, configFile: false, logLevel: 'silent', build: { outDir: join(work, 'out-defaults'), emptyOutDir: true } });
  } catch (e) { err = e; }
  if (err && /INVALID_TLA_FORMAT|does not support top-level await/.test(err.message)) {
    pass("vite build with the defaults fails on the workers' top-level await, as documented (worker: { format: 'es' } needed)");
  } else {
    fail(`vite build with the defaults: ${err ? `failed otherwise than documented: ${err.message.split('\n').slice(0, 3).join(' ')}` : 'built: update README "Bundlers (Vite)"'}`);
  }
}

/**
 * The task module, a build entry of its own with a fixed name
 * (README's vite.config.js): out/src/tasks.js, its bare import bundled away. (The
 * page's resource timings do not list it: the pool's workers fetch it.)
 */
function checkTaskModule() {
  const f = join(out, 'src', 'tasks.js');
  if (!existsSync(f)) return fail(`the build has no src/tasks.js (the task module entry): ${readdirSync(out).join(', ')}`);
  const bare = readFileSync(f, 'utf8').match(/(?:from|import)\s*\(?\s*["'](?![./])[^"']+["']/g);
  if (bare) fail(`the built src/tasks.js still has bare imports: ${bare.join(', ')}`);
  else pass('the task module was bundled as src/tasks.js (no bare imports left)');
}

/**
 * The Node-only modes stay out of a browser build: package.json `imports`
 * maps them to bindings/modes/node-only.js under the 'browser' condition,
 * so no built file carries child_process, BullMQ or ioredis (which made a
 * 1.2 MB chunk before).
 */
function checkNodeOnlyLeftOut() {
  const files = [];
  const walk = (d) => { for (const e of readdirSync(d, { withFileTypes: true })) { if (e.isDirectory()) walk(join(d, e.name)); else if (e.name.endsWith('.js')) files.push(join(d, e.name)); } };
  walk(out);
  const hits = files.filter((f) => /bullmq|ioredis|child_process/i.test(readFileSync(f, 'utf8')));
  if (hits.length) fail(`the browser build carries Node-only modules (bullmq, ioredis, child_process) in ${hits.map((f) => f.slice(out.length + 1)).join(', ')}`);
  else pass(`no Node-only mode code in the browser build (${files.length} .js files)`);
}

/** The built app, served by web-demo/server.mjs with or without COOP/COEP. */
async function checkBuild(context, isolation) {
  const server = await startServer({ port: 0, host: '127.0.0.1', root: out, isolation });
  servers.push(server);
  await check(context, `${server.url}index.html`, isolation ? 'with COOP/COEP' : 'without COOP/COEP', isolation, true);
}

/** The app under Vite's dev server (dependencies pre-bundled into node_modules/.vite), with COOP/COEP. */
async function checkDev(context) {
  const { createServer } = await import('vite');
  const dev = await createServer({
    root: app, configFile: join(app, 'vite.config.js'), logLevel: 'error',
    server: { port: 0, host: '127.0.0.1', headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
  });
  await dev.listen();
  servers.push(dev);
  await check(context, `${dev.resolvedUrls.local[0]}index.html`, 'vite dev server', true, false);
}

async function check(context, url, tag, isolation, built) {
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => { if (m.type() === 'error') logs.push(`console.error: ${m.text()}`); });
  page.on('pageerror', (e) => logs.push(`uncaught: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) logs.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') logs.push(`worker console.error: ${m.text()}`); }));
  await page.goto(url, { timeout: 10_000 });
  let r = null;
  let timer;
  try {
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 20_000 });
    r = await Promise.race([page.evaluate(() => window.result),
      new Promise((_, ko) => { timer = setTimeout(() => ko(new Error('no result in 20 s')), 20_000); })]);
  } catch (e) {
    // What it did fetch, to tell a hang from a missing file.
    const seen = await page.evaluate(() => performance.getEntriesByType('resource').map((x) => new URL(x.name).pathname)).catch(() => []);
    fail(`${tag}: the app gave no result: ${e.message.split('\n')[0]} (fetched ${JSON.stringify(seen)})`);
  } finally {
    clearTimeout(timer);
  }
  if (r && r.error) fail(`${tag}: the app failed: ${r.error}`);
  else if (r) {
    let ok = same(r.crossOriginIsolated, isolation, `${tag}: crossOriginIsolated`);
    ok = same(r.threadUuid, 'thread-future-', `${tag}: thread-mode future kind`) && ok;
    ok = same(r.thread, [0, 1, 4, 9, 16, 25], `${tag}: thread-mode gather`) && ok;
    ok = same(r.threadDict, { a: 49, b: 'b' }, `${tag}: thread-mode dict gather`) && ok;
    ok = same(r.taskContext, { result: 3, progress: [1, 2, 3] }, `${tag}: currentTask() in the bundled task module`) && ok;
    ok = same(r.c, [1229, 3], `${tag}: C kernels`) && ok;
    ok = same(r.promise, ['p', 'q', 3], `${tag}: Promise gather`) && ok;
    if (ok) pass(`${tag}: the app's thread-mode gather, dict gather, currentTask() progress, C kernels and Promise gather`);
    if (built) checkAssets(r.resources, tag, isolation);
  }
  if (logs.length) fail(`${tag}: the page logged errors:\n${logs.map((l) => `        ${l}`).join('\n')}`);
  await page.close();
}

/** Which files the built app fetched: Vite's names (assets/<name>-<hash>.<ext>). */
function checkAssets(resources, tag, isolation) {
  const wasm = resources.filter((p) => p.endsWith('.wasm'));
  const core = isolation ? /^\/assets\/concurry-core-(?!st-)[\w-]+\.wasm$/ : /^\/assets\/concurry-core-st-[\w-]+\.wasm$/;
  if (wasm.length === 1 && core.test(wasm[0])) pass(`${tag}: the ${isolation ? '-pthread' : 'single-threaded'} core's wasm found after bundling (${wasm[0]})`);
  else fail(`${tag}: wasm fetched ${JSON.stringify(wasm)}, want one matching ${core}`);
  const chunks = [['thread-entry', 'the thread-mode worker']];
  // Without pthreads the C kernels run on workers of their own (bindings/modes/c-worker-entry.js).
  if (!isolation) chunks.push(['c-worker-entry', 'the C kernel worker']);
  for (const [name, what] of chunks) {
    const re = new RegExp(`^/assets/${name}-[\\w-]+\\.js$`);
    const hit = resources.find((p) => re.test(p));
    if (hit) pass(`${tag}: ${what} was bundled (${hit})`);
    else fail(`${tag}: no bundled ${name} chunk fetched: ${JSON.stringify(resources)}`);
  }
}

async function main() {
  if (!existsSync(join(repo, 'dist', 'concurry-core-st.wasm'))) {
    fail('dist/ is not built (dist/concurry-core-st.wasm missing): `npm run build:wasm`');
    return;
  }
  if (!existsSync(executablePath)) {
    fail(`no Chromium at ${executablePath} (scripts/setup.sh installs Debian's chromium; CHROMIUM=path overrides)`);
    return;
  }
  const n = stage();
  phase(`staged the app and the package's ${n} files (npm pack --dry-run)`);
  await defaultsFail();
  phase('vite build with the defaults');
  await bundle();
  checkTaskModule();
  checkNodeOnlyLeftOut();
  phase('vite build');
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath, headless: true, timeout: 20_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext();
  phase(`Chromium ${browser.version()} started`);
  await checkBuild(context, true);
  phase('built app with COOP/COEP');
  await checkBuild(context, false);
  phase('built app without COOP/COEP');
  await checkDev(context);
  phase('vite dev server');
}

try {
  await main();
} catch (e) {
  fail(`bundler test crashed: ${(e && e.stack) || e}`);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
const secs = ((Date.now() - t0) / 1000).toFixed(1);
if (!failures.length) rmSync(work, { recursive: true, force: true });
if (failures.length) {
  console.log(`bundler test: ${failures.length} failure(s) in ${secs} s`);
  process.exit(1);
}
console.log(`bundler test: all passed in ${secs} s`);
