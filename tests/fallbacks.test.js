// The package's fallback paths, each in a child process: an engine without
// Atomics.waitAsync (the fixture removes it: C futures are then polled, paced
// by a strategy) and
// CONCURRY_WASM_NO_JSAPI=1 (per-future calls of the public C API instead of
// the cy_js_* batch entry points).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/fallback-run.mjs', import.meta.url));

function run(env) {
  const stdout = execFileSync(process.execPath, [script], {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20000,
  });
  return JSON.parse(stdout.trim().split('\n').pop());
}

const expected = {
  cResults: [1, 2, 3, 4],
  firstCompleted: [1, 1],
  object: { a: 'a', b: 2 },
  rejected: true,
  returnExceptions: ['err', 5],
};

describe.each([
  ['without Atomics.waitAsync', { FIXTURE_NO_WAITASYNC: '1' }],
  ['without the batch API', { CONCURRY_WASM_NO_JSAPI: '1' }],
  ['both', { FIXTURE_NO_WAITASYNC: '1', CONCURRY_WASM_NO_JSAPI: '1' }],
])('fallback: %s', (_name, env) => {
  test('C futures, promises, shapes, timeouts and failures behave the same', () => {
    const r = run(env);
    expect(r).toMatchObject(expected);
    expect(r.timeout).toMatch(/1 of 2 completed/);
    expect(r.cElapsed).toBeGreaterThanOrEqual(15);
  });
});
