// CFuture: futures of C tasks on the core's pthread pool. The tasks come from
// the test variant of the core (dist-test/, CONCURRY_WASM_CORE=test: dist
// plus wasm/tests/js/tasks.h), set before the package loads; the shipped
// dist/ has no such helper, which the last tests check in a child process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sleep } from './helpers.js';

process.env.CONCURRY_WASM_CORE = 'test';
const pkg = await import('../bindings/index.js');
const { CFuture, wait, TimeoutError } = pkg;
const { adoptCFuture } = await import('../bindings/futures/c.js');
const { C } = await import('../bindings/core.js');

const root = fileURLToPath(new URL('..', import.meta.url));
/** Runs an ES module snippet in a child process, in the package root, without the test core. */
function runChild(code, nodeArgs = []) {
  const env = { ...process.env };
  delete env.CONCURRY_WASM_CORE;
  const r = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', code],
    { cwd: root, env, encoding: 'utf8', timeout: 20000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("CFuture: C tasks on the core's pthread pool", () => {
  let ex;
  const task = (ms, code, tag) => adoptCFuture(C.cy_test_submit_sleep(ex, ms, code, tag));
  beforeAll(() => { ex = C.cy_executor_new(2); });
  afterAll(() => { C.cy_executor_free(ex); });

  test('result and wait, event-driven through Atomics.waitAsync', async () => {
    const f = task(30, 0, 77);
    expect(f).toBeInstanceOf(CFuture);
    expect(f.uuid).toMatch(/^c-future-/);
    expect(f.done()).toBe(false);
    const t0 = performance.now();
    await expect(f.result()).resolves.toBe(77);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(20);
    expect(f.done()).toBe(true);
    const g = task(5, 0, 1);
    const h = task(10, 0, 2);
    const { done } = await wait([g, h, sleep(1)]);
    expect(done.size).toBe(3);
  });

  test('a failed C task rejects with its code', async () => {
    const f = task(1, 42, 0);
    await expect(f.result()).rejects.toMatchObject({ name: 'CoreError', code: 42 });
  });

  test('timeouts leave C futures usable; callbacks once', async () => {
    const f = task(60, 0, 5);
    let n = 0;
    f.addDoneCallback((x) => { expect(x).toBe(f); n++; });
    await expect(f.result({ timeout: 5 })).rejects.toBeInstanceOf(TimeoutError);
    await expect(f.result()).resolves.toBe(5);
    await sleep(5);
    expect(n).toBe(1);
  });

  test('owned: false takes a reference of its own', async () => {
    const ptr = C.cy_test_submit_sleep(ex, 0, 0, 3);
    const a = adoptCFuture(ptr);
    const b = adoptCFuture(ptr, { owned: false });
    await expect(b.result()).resolves.toBe(3);
    expect(a.resultNow()).toBe(3);
  });

  test('no setResult/setException on a wrapper of foreign work', () => {
    const f = task(0, 0, 1);
    expect('setResult' in f).toBe(false);
    expect('setException' in f).toBe(false);
  });
});

describe('CFuture: no raw pointers from user code', () => {
  test('the constructor refuses every argument with a TypeError (2**32, garbage, 0, a string, nothing)', () => {
    for (const args of [[2 ** 32], [12345679], [0], ['x'], [], [Symbol('t'), 8, true]]) {
      expect(() => new CFuture(...args)).toThrow(TypeError);
    }
    expect(() => new CFuture(12345679)).toThrow(/not constructible from user code/);
    class Sub extends CFuture {}
    expect(() => new Sub(12345679)).toThrow(TypeError);
  });

  test('the package does not export the internal factory', () => {
    expect(pkg.adoptCFuture).toBeUndefined();
    expect(Object.keys(pkg).filter((k) => /adopt|ptr/i.test(k))).toEqual([]);
  });

  test('adoptCFuture checks what it can: an integer address in [1, 2**32)', () => {
    for (const bad of [0, -8, 2 ** 32, 2 ** 40, 1.5, NaN, '64', null, undefined]) {
      expect(() => adoptCFuture(bad)).toThrow(TypeError);
    }
    expect(() => adoptCFuture(C.cy_test_submit_sleep(0, 0, 0, 0))).toThrow(TypeError); // NULL: no executor
  });

  test('a refused pointer never reaches the FinalizationRegistry (the process lives through GC)', () => {
    const r = runChild(`
      const { CFuture } = await import('./bindings/index.js');
      for (const p of [12345679, 2 ** 32, 8]) { try { new CFuture(p); } catch (e) { if (!(e instanceof TypeError)) throw e; } }
      for (let i = 0; i < 20; i++) { gc(); await new Promise((r) => setTimeout(r, 5)); }
      console.log('survived');`, ['--expose-gc']);
    expect(r.err).toBe('');
    expect(r.out).toContain('survived');
    expect(r.code).toBe(0);
  });
});

test('the shipped core (dist/) exports no test helper; the test variant does', () => {
  expect(typeof C.cy_test_submit_sleep).toBe('function');
  const r = runChild(`
    const { C } = await import('./bindings/core.js');
    console.log(JSON.stringify(Object.keys(C).filter((k) => /test|sleep/.test(k))));`);
  expect(r.err).toBe('');
  expect(JSON.parse(r.out)).toEqual([]);
});
