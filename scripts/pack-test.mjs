#!/usr/bin/env node
// npm test step: the npm package as a user gets it.
//   node scripts/pack-test.mjs [--keep]
// 1. `npm pack` (needs dist/ built: `cmake --build --preset emscripten`); the
//    tarball must be < 500 KiB and hold what users need and nothing of the
//    repo's tests, C sources or build trees;
// 2. a fresh project in a temp dir installs the tarball with a PATH that has
//    node and sh only (no compiler, emcc, cmake, make or python), with deps
//    from npm's cache or the registry;
// 3. there, from that PATH: an ESM app runs a thread-mode gather on a module
//    of tasks (ESM and CommonJS), C kernels and wait; a CommonJS app finds
//    that require() is refused and `await import()` works (README,
//    "CommonJS"); tsc --strict checks a TypeScript file against the shipped
//    types; `concurry-worker --help` runs from node_modules/.bin, and serves
//    a queue on a real redis-server for a remote-mode gather.
// Exit status 0 when all hold; the temp project is removed unless --keep or
// a check failed (its path is printed then).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');
const MAX_TARBALL = 500 * 1024;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const T0 = Date.now();
let failures = 0;
function check(ok, what, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${String(detail).trim()}` : ''} (${((Date.now() - T0) / 1000).toFixed(1)} s)`);
  if (!ok) failures++;
  return ok;
}

/** Runs a command; returns { status, out } (stdout + stderr), never throws. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 << 20, ...opts });
  const out = `${r.stdout || ''}${r.stderr || ''}${r.error ? String(r.error) : ''}`;
  return { status: r.error ? -1 : r.status, out };
}

// npm's CLI script, run with this node (the user's PATH below has no npm).
const npmCli = realpathSync(run('sh', ['-c', 'command -v npm']).out.trim());

if (!existsSync(join(root, 'dist/concurry-core.wasm'))) {
  console.error('pack-test: dist/ is not built (cmake --preset emscripten && cmake --build --preset emscripten)');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'concurry-pack-'));
const app = join(work, 'app');
mkdirSync(app);

// ---- 1. npm pack ------------------------------------------------------------
// npm's own environment (npm test sets npm_config_* and npm_lifecycle_*) must
// not leak into the user's commands.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
const packed = run(process.execPath, [npmCli, 'pack', '--json', '--pack-destination', work], { cwd: root, env: cleanEnv });
let info = null;
try {
  info = JSON.parse(packed.out.slice(packed.out.indexOf('[')))[0];
} catch {
  check(false, 'npm pack', packed.out);
  process.exit(1);
}
const tarball = join(work, info.filename);
const size = statSync(tarball).size;
check(size < MAX_TARBALL, 'tarball < 500 KiB', `${info.filename} ${(size / 1024).toFixed(1)} KiB (${info.entryCount} files, ${(info.unpackedSize / 1024).toFixed(1)} KiB unpacked)`);
const files = new Set(info.files.map((f) => f.path));
const needed = [
  'package.json', 'README.md', 'LICENSE', 'docs/API.md',
  'bindings/index.js', 'bindings/index.d.ts', 'bindings/worker.js', 'bindings/worker.d.ts',
  'bindings/modes/thread-entry.js', 'bindings/modes/process-entry.js',
  'dist/concurry-core.js', 'dist/concurry-core.mjs', 'dist/concurry-core.wasm', 'dist/concurry-core.worker.js',
  'dist/package.json',
  'dist/concurry-core-st.js', 'dist/concurry-core-st.mjs', 'dist/concurry-core-st.wasm', 'bindings/modes/c-worker-entry.js',
  ...Object.values(typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : pkg.bin || {}).map((p) => p.replace(/^\.\//, '')),
];
const missing = needed.filter((f) => !files.has(f));
check(missing.length === 0, 'tarball holds what users need', missing.length ? `missing ${missing.join(', ')}` : `${needed.length} entry points`);
const stray = [...files].filter((f) => /^(tests|wasm|bench|build|dist-test|scripts|web-demo|cmake|examples|node_modules|\.ci)\//.test(f));
check(stray.length === 0, 'tarball holds no tests, C sources or build trees', stray.slice(0, 10).join(', '));

// ---- 2. install into a fresh project, no toolchain on PATH -----------------
// PATH: node and sh only. npm runs dependency install scripts with sh; a
// package that needed a compiler (node-gyp, emcc, cmake) would fail here.
const toolbin = join(work, 'bin');
mkdirSync(toolbin);
symlinkSync(process.execPath, join(toolbin, 'node'));
symlinkSync('/bin/sh', join(toolbin, 'sh'));
const userEnv = { ...cleanEnv, PATH: toolbin, CONCURRY_WASM_CORE: '' };
delete userEnv.NODE_PATH;
delete userEnv.NODE_OPTIONS;
for (const tool of ['cc', 'gcc', 'clang', 'emcc', 'cmake', 'make', 'python3']) {
  const r = run('sh', ['-c', `command -v ${tool}`], { env: userEnv });
  if (!check(r.status !== 0, `no ${tool} on the user's PATH`)) process.exit(1);
}
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-test-app', version: '1.0.0', private: true, type: 'module' }, null, 2));
const inst = run(process.execPath, [npmCli, 'install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
  { cwd: app, env: userEnv, timeout: 300_000 });
if (!check(inst.status === 0, 'npm install <tarball> without a toolchain', inst.status === 0 ? '' : inst.out)) finish();
const installed = join(app, 'node_modules', pkg.name);
const instPkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
const installScripts = ['preinstall', 'install', 'postinstall', 'prepare'].filter((s) => instPkg.scripts && instPkg.scripts[s]);
check(installScripts.length === 0, 'the package builds nothing at install', installScripts.join(', '));

// ---- 3. use it --------------------------------------------------------------
writeFileSync(join(app, 'tasks.mjs'), `import { currentTask } from '${pkg.name}/worker';
export function square(x) { return x * x; }
export async function slow(ms, v) { await new Promise((r) => setTimeout(r, ms)); return v; }
export function attempt() { return currentTask().attempt; }
`);
writeFileSync(join(app, 'tasks.cjs'), `module.exports = { triple: (x) => 3 * x };
`);
writeFileSync(join(app, 'main.mjs'), `import assert from 'node:assert/strict';
import { createWorker, gather, wait } from '${pkg.name}';

// The package comes from this project's node_modules, not from a checkout.
assert.match(import.meta.resolve('${pkg.name}'), /\\/app\\/node_modules\\/${pkg.name}\\//);

const w = await createWorker(new URL('./tasks.mjs', import.meta.url), { mode: 'thread', maxWorkers: 2 });
const squares = await gather(Array.from({ length: 20 }, (_, i) => w.square(i)));
assert.deepEqual(squares, Array.from({ length: 20 }, (_, i) => i * i));
assert.deepEqual(await gather({ a: w.square(3), b: w.attempt(), c: 'plain' }), { a: 9, b: 1, c: 'plain' });
const { done, notDone } = await wait([w.slow(1, 'fast'), w.slow(2000, 'slow')], { returnWhen: 'FIRST_COMPLETED' });
assert.equal(done.size, 1);
assert.equal(notDone.size, 1);
await w.stop({ force: true });

const cjs = await createWorker(new URL('./tasks.cjs', import.meta.url), { mode: 'thread' });
assert.deepEqual(await gather([cjs.triple(1), cjs.triple(2)]), [3, 6]);
await cjs.stop();

const c = await createWorker('builtin', { mode: 'c', maxWorkers: 2 });
assert.deepEqual(await gather([c.primes(0, 1000), c.add(2, 3)]), [168, 5]);
await c.stop();
console.log('esm: ok');
`);
writeFileSync(join(app, 'main.cjs'), `'use strict';
const assert = require('node:assert/strict');

// require() of the package is refused: it loads its WebAssembly with top-level await.
assert.throws(() => require('${pkg.name}'), (e) => ['ERR_REQUIRE_ASYNC_MODULE', 'ERR_REQUIRE_ESM'].includes(e.code));
assert.throws(() => require('${pkg.name}/worker'), (e) => ['ERR_REQUIRE_ASYNC_MODULE', 'ERR_REQUIRE_ESM'].includes(e.code));

(async () => {
  const { gather, createWorker } = await import('${pkg.name}');
  assert.deepEqual(await gather([1, Promise.resolve(2)]), [1, 2]);
  for (const mode of ['thread', 'process']) {
    const w = await createWorker(require.resolve('./tasks.cjs'), { mode });
    assert.deepEqual(await gather({ x: w.triple(5) }), { x: 15 });
    await w.stop();
  }
  console.log('cjs: ok');
})().catch((e) => { console.error(e); process.exitCode = 1; });
`);
writeFileSync(join(app, 'check.ts'), `import { createWorker, gather, wait, wrapFuture, TimeoutError, type BaseFuture } from '${pkg.name}';
import { currentTask } from '${pkg.name}/worker';

export async function main(): Promise<void> {
  const [a, b] = await gather([Promise.resolve(1), 'x'] as const);
  const n: number = a;
  const s: 'x' = b;
  const f: BaseFuture<number> = wrapFuture(Promise.resolve(2));
  const { done } = await wait([f], { returnWhen: 'FIRST_COMPLETED', timeout: 10 });
  const w = await createWorker<{ square(x: number): number }>('./tasks.mjs', { mode: 'thread' });
  const sq: BaseFuture<number> = w.square(3);
  // @ts-expect-error square takes a number
  w.square('3');
  const c = await createWorker('builtin', { mode: 'c' });
  const p = c.primes(0, 100);
  try { await gather([sq, p], { timeout: 5 }); } catch (e) { if (!(e instanceof TimeoutError)) throw e; }
  await w.stop();
  void [n, s, done, currentTask().attempt];
}
`);
writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true,
    skipLibCheck: false, lib: ['es2022', 'dom'], types: [],
  },
  files: ['check.ts'],
}, null, 2));

const esm = run(process.execPath, ['main.mjs'], { cwd: app, env: userEnv, timeout: 60_000 });
check(esm.status === 0 && /esm: ok/.test(esm.out), 'ESM: thread-mode gather (ESM and CommonJS task modules), wait, C kernels; exits by itself', esm.status === 0 ? '' : esm.out);
const cjs = run(process.execPath, ['main.cjs'], { cwd: app, env: userEnv, timeout: 60_000 });
check(cjs.status === 0 && /cjs: ok/.test(cjs.out), `CommonJS: require() refused, await import() works, CommonJS task modules in thread and process mode (node ${process.version})`, cjs.status === 0 ? '' : cjs.out);

// README's CommonJS example, verbatim, as the .cjs file it says it is.
const readmeCjs = /## CommonJS\n[\s\S]*?```js\n([\s\S]*?)```/.exec(readFileSync(join(root, 'README.md'), 'utf8'));
if (check(readmeCjs !== null, "README's CommonJS example is there")) {
  writeFileSync(join(app, 'readme-commonjs.cjs'), readmeCjs[1]);
  const r = run(process.execPath, ['readme-commonjs.cjs'], { cwd: app, env: userEnv, timeout: 60_000 });
  check(r.status === 0 && r.out.trim() === '[ 1, 2 ]', "README's CommonJS example runs as app.cjs", r.out);
}

const tsc = join(root, 'node_modules/typescript/bin/tsc');
if (check(existsSync(tsc), 'typescript (devDependency) is installed')) {
  const t = run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, env: userEnv, timeout: 120_000 });
  check(t.status === 0, 'tsc --strict against the shipped types', t.out.trim());
}

// The bin runs from the installed package (and its --help needs no Redis).
const worker = join(app, 'node_modules/.bin/concurry-worker');
if (check(existsSync(worker), 'node_modules/.bin/concurry-worker is installed')) {
  const h = run(worker, ['--help'], { cwd: app, env: userEnv, timeout: 30_000 });
  check(h.status === 0 && /--redis URL/.test(h.out) && /--queue NAME/.test(h.out), 'concurry-worker --help', h.status === 0 ? '' : h.out);
}

// A tiny remote job: a real redis-server (tests/redis-server.js, the test
// harness, not the user's), the installed concurry-worker serving the queue,
// and a remote-mode client in the project.
if (existsSync(worker)) await remoteSmoke();

async function remoteSmoke() {
  const { startRedis } = await import('../tests/redis-server.js');
  let redis = null;
  let server = null;
  try {
    redis = await startRedis();
    server = spawn(worker, ['--redis', redis.url, '--queue', 'packtest', '--module', 'tasks.mjs', '--concurrency', '1'],
      { cwd: app, env: userEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    server.stderr.on('data', (d) => { log += d; });
    const ready = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 30_000);
      server.stdout.on('data', (d) => {
        log += d;
        if (/concurry-worker: ready packtest/.test(log)) { clearTimeout(timer); resolve(true); }
      });
      server.once('exit', () => { clearTimeout(timer); resolve(false); });
    });
    if (!check(ready, 'concurry-worker serves a queue', ready ? '' : log)) return;
    writeFileSync(join(app, 'remote.mjs'), `import assert from 'node:assert/strict';
import { createWorker, gather } from '${pkg.name}';
const w = await createWorker(new URL('./tasks.mjs', import.meta.url), { mode: 'remote', redis: process.argv[2], queue: 'packtest' });
assert.deepEqual(await gather([w.square(4), w.square(5)]), [16, 25]);
await w.stop();
console.log('remote: ok');
`);
    const r = spawnSync(process.execPath, ['remote.mjs', redis.url], { cwd: app, env: userEnv, encoding: 'utf8', timeout: 60_000 });
    const out = `${r.stdout || ''}${r.stderr || ''}`;
    check(r.status === 0 && /remote: ok/.test(out), 'remote-mode gather through the installed concurry-worker', r.status === 0 ? '' : out + log);
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    const [code] = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(['timeout']), 30_000))]);
    check(code === 0, 'concurry-worker stops on SIGTERM with status 0', String(code));
  } catch (e) {
    check(false, 'remote smoke run', String(e && e.stack || e));
  } finally {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    if (redis) await redis.stop();
  }
}

finish();

function finish() {
  if (failures || keep) console.log(`temp project kept: ${app}`);
  else rmSync(work, { recursive: true, force: true });
  console.log(failures ? `pack-test: ${failures} check(s) failed` : `pack-test: ok (${(size / 1024).toFixed(1)} KiB tarball)`);
  process.exit(failures ? 1 : 0);
}
