// Emscripten smoke test (Node side).
//   node smoke.mjs SMOKE_LOADER.mjs [DIST_LOADER.mjs DIST_EXPORTS.json]
// Loads the smoke module through its ESM loader (wasmBinary from disk), runs
// smoke_run on 4 pthreads, checks the checksum; then loads the dist module and
// checks that it exports every cy_ function of concurry.h and the runtime
// methods the bindings use. The process must then exit by itself: the test's
// timeout catches a hang on pthread workers.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

const [smokeLoader, distLoader, distExports] = process.argv.slice(2);
const load = async (p) => (await import(pathToFileURL(p).href)).default;

const t0 = performance.now();
const smoke = await (await load(smokeLoader))({ pthreadPoolSize: 4 });
for (const n of [0, 1, 10, 200]) {
  const expected = (n * (n + 1) * (2 * n + 1)) / 6; // sum of i*i for i = 1..n
  const got = smoke._smoke_run(n);
  assert.equal(got, expected, `smoke_run(${n}) = ${got}, expected ${expected}`);
}
assert.equal(smoke._cy_has_threads(), 1, 'the emscripten build has threads');
console.log(`smoke: 4 pthreads ran tasks, checksums ok (${(performance.now() - t0).toFixed(0)} ms)`);

if (distLoader) {
  const core = await (await load(distLoader))();
  const want = JSON.parse(await readFile(distExports, 'utf8'));
  const missing = want.filter((name) => typeof core[name] !== 'function');
  assert.deepEqual(missing, [], 'dist module misses exports');
  for (const m of ['ccall', 'cwrap', 'addFunction', 'removeFunction', 'UTF8ToString', 'stringToUTF8']) {
    assert.equal(typeof core[m], 'function', `Module.${m}`);
  }
  for (const h of ['HEAPU8', 'HEAP32', 'HEAPF64']) assert.ok(core[h] && core[h].buffer, `Module.${h}`);
  assert.ok(core.HEAPU8.buffer instanceof SharedArrayBuffer, 'memory is shared');
  assert.equal(core.ccall('cy_strerror', 'string', ['number'], [-3]).length > 0, true);
  const ptr = core._malloc(16);
  core.stringToUTF8('hello', ptr, 16);
  assert.equal(core.UTF8ToString(ptr), 'hello');
  core._free(ptr);
  // ALLOW_TABLE_GROWTH: a JS function as a C function pointer.
  const fp = core.addFunction(() => {}, 'vii');
  assert.ok(fp > 0);
  core.removeFunction(fp);
  console.log(`dist: ${want.length} exports, runtime methods ok`);
}
console.log('smoke: ok (the process must now exit by itself)');
