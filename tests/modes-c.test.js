// Mode 'c': C kernels on the core's pthread pool through createWorker. Runs
// on the test variant of the core (dist-test/: dist plus the user-style
// kernels of wasm/tests/js/kernels.c, linked in as CY_KERNEL_SOURCES links a
// user's file); the last tests check the shipped dist/ in a child process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

process.env.CONCURRY_WASM_CORE = 'test';
const pkg = await import('../bindings/index.js');
const {
  createWorker, wait, gather, CFuture, CancelledError, TimeoutError, CoreError, QueueFullError,
  InvalidStateError,
} = pkg;

const root = fileURLToPath(new URL('..', import.meta.url));
const workers = [];
async function cWorker(options = {}, target = 'builtin') {
  const w = await createWorker(target, { mode: 'c', ...options });
  workers.push(w);
  return w;
}
afterAll(async () => { await Promise.all(workers.map((w) => w.stop({ force: true }))); });

const until = async (cond, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe("mode 'c': built-in kernels", () => {
  let w;
  beforeAll(async () => { w = await cWorker({ maxWorkers: 2 }); });

  test('numbers in, a number out; the future is a CFuture (c-future-)', async () => {
    const f = w.primes(0, 100000);
    expect(f).toBeInstanceOf(CFuture);
    expect(f.uuid).toMatch(/^c-future-/);
    expect(await f).toBe(9592);
    expect(await w.call('fib', 25)).toBe(75025);
    expect(await w.add(0.5, 0.25)).toBe(0.75);
    expect(await w.sleepThen(5, 17)).toBe(17);
    expect(f.done()).toBe(true);
    expect(f.resultNow()).toBe(9592);
  });

  test('a tile: the output bytes come back as a Uint8Array copied out of wasm memory', async () => {
    const px = await w.mandelbrot(64, 32, -2, -1, 1, 1, 100);
    expect(px).toBeInstanceOf(Uint8Array);
    expect(px.length).toBe(64 * 32);
    expect(px[16 * 64 + 42]).toBe(255); // ~0-0.03i: inside the set
    expect(px[0]).toBeLessThan(20);     // -2-1i escapes at once
    expect(px.buffer.byteLength).toBe(px.length); // a copy, not a view of the wasm heap
  });

  test('one buffer argument is the input bytes (ArrayBuffer, typed array, DataView)', async () => {
    const bytes = new Uint8Array([1, 2, 3, 250]);
    expect(await w.sum_bytes(bytes)).toBe(256);
    expect(await w.sum_bytes(bytes.buffer, 2)).toBe(512);
    expect(await w.sum_bytes(new DataView(bytes.buffer, 1, 2))).toBe(5);
    expect(await w.sum_bytes(new Uint8Array(0))).toBe(0);
    expect(Array.from(await w.reverse_bytes(bytes))).toEqual([250, 3, 2, 1]);
    expect(Array.from(await w.reverse_bytes(new DataView(bytes.buffer, 1, 2)))).toEqual([3, 2]);
    expect(await w.reverse_bytes(new Uint8Array(0))).toBe(0);
  });

  test('bad arguments fail that call with a TypeError naming the argument', async () => {
    await expect(w.add(1, 'x')).rejects.toThrow(/C kernel 'add': args\[1\] must be a number .*got the string "x"/);
    await expect(w.sum_bytes(new Uint8Array(1), new Uint8Array(1))).rejects.toThrow(/args\[1\] .*only one buffer/);
    await expect(w.add(1, 2n)).rejects.toThrow(TypeError);
  });

  test('an unknown kernel fails that call with a TypeError naming it and listing the kernels', async () => {
    const f = w.nope(1);
    expect(f.done()).toBe(true);
    const e = await f.exception();
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/no kernel 'nope' \(there are: .*primes.*\)/);
  });

  test("a kernel's non-zero code comes back as a CoreError with the code", async () => {
    const f = w.fail(42);
    const e = await f.exception();
    expect(e).toBeInstanceOf(CoreError);
    await expect(f.result()).rejects.toBe(e); // one error object per future
    expect(() => f.resultNow()).toThrow(e);
    expect(f.exceptionNow()).toBe(e);
    expect(e.code).toBe(42);
    expect(e.message).toBe("C kernel 'fail' failed with code 42");
    const e2 = await w.fib(100).exception(); // beyond the exact range: CY_EINVAL
    expect(e2.code).toBe(-1);
    expect(e2.codeName).toBe('CY_EINVAL');
    expect(e2.message).toMatch(/C kernel 'fib' failed with code -1 \(CY_EINVAL: invalid argument\)/);
  });

  test('wait and gather over C tasks; futures among the arguments are awaited first', async () => {
    const parts = [0, 1, 2, 3].map((i) => w.primes(i * 25000, (i + 1) * 25000));
    const counts = await gather(parts);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(9592);
    const slow = w.sleepThen(2000, 1);
    const fast = w.sleepThen(1, 2);
    const { done, notDone } = await wait([slow, fast], { returnWhen: 'FIRST_COMPLETED' });
    expect(done.has(fast)).toBe(true);
    expect(notDone.has(slow)).toBe(true);
    slow.cancel();
    expect(await w.add(w.add(1, 2), Promise.resolve(3))).toBe(6);
  });

  test('many short calls awaited one at a time all settle (no lost wake between a poll and arming)', async () => {
    // Before the fix in Waiter.arm(), a task ending between a waiter's poll
    // and its arming was slept through: about 1 call in 10 hung for ever.
    for (let i = 0; i < 300; i++) expect(await w.sleepThen(0, i)).toBe(i);
  });
});

describe("mode 'c': cancel, timeouts, backpressure, stop", () => {
  test('cancel(): a queued call is removed, a running one is decided at once and its kernel stops', async () => {
    const w = await cWorker({ maxWorkers: 1 });
    const running = w.sleep(60000);
    const queued = w.fib(20);
    await until(() => running.running());
    expect(w.stats()).toMatchObject({ workers: 1, running: 1, queued: 1, idle: 0 });
    expect(queued.running()).toBe(false);
    expect(queued.cancel()).toBe(true);
    expect(queued.cancelled()).toBe(true);
    await expect(queued.result()).rejects.toBeInstanceOf(CancelledError);
    expect(running.cancel()).toBe(true);
    expect(running.cancelled()).toBe(true);
    expect(running.cancel()).toBe(true); // still cancelled
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    const t0 = Date.now();
    await w.whenIdle(); // the sleep kernel sees the flag within a slice
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(w.stats()).toMatchObject({ running: 0, queued: 0, idle: 1, completed: 0, failed: 2 }); // the two cancelled (WorkerStats.failed)
    expect(await w.fib(10)).toBe(55); // the thread is free again
    const done = w.fib(5);
    await done;
    expect(done.cancel()).toBe(false);
  });

  test('callWith({ timeout }) fails the call with TimeoutError and stops the kernel, queued or running', async () => {
    const w = await cWorker({ maxWorkers: 1 });
    const t0 = Date.now();
    const running = w.callWith({ timeout: 50 }, 'spin', 60000);
    const queued = w.callWith({ timeout: 20 }, 'fib', 20);
    const e = await queued.exception();
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.message).toMatch(/C kernel 'fib' did not finish within its timeout of 20 ms/);
    expect(await running.exception()).toBeInstanceOf(TimeoutError);
    expect(Date.now() - t0).toBeLessThan(2000);
    await w.whenIdle();
    expect(w.stats()).toMatchObject({ failed: 2, completed: 0 });
    expect(await w.callWith({ timeout: 5000 }, 'fib', 15)).toBe(610); // in time: no effect
    expect((await w.callWith({ timeout: 0 }, 'sleep', 1000).exception())).toBeInstanceOf(TimeoutError);
  });

  test('callWith({ signal }) cancels; an already-aborted signal cancels at once', async () => {
    const w = await cWorker({ maxWorkers: 1 });
    const ac = new AbortController();
    const f = w.callWith({ signal: ac.signal }, 'sleep', 60000);
    await until(() => f.running());
    ac.abort();
    expect(f.cancelled()).toBe(true);
    await expect(f).rejects.toBeInstanceOf(CancelledError);
    const g = w.callWith({ signal: AbortSignal.abort() }, 'fib', 5);
    expect(g.cancelled()).toBe(true);
    await w.whenIdle();
  });

  test('onProgress does not apply to C kernels: a TypeError at the call', async () => {
    const w = await cWorker({ maxWorkers: 1 });
    expect(() => w.callWith({ onProgress: () => {} }, 'fib', 5)).toThrow(/'onProgress' does not apply to mode 'c'/);
  });

  test('maxQueued: the call beyond it throws QueueFullError at once; whenAvailable() waits for room', async () => {
    const w = await cWorker({ maxWorkers: 1, maxQueued: 1 });
    const a = w.sleep(60000);
    const b = w.fib(10);
    expect(() => w.fib(11)).toThrow(QueueFullError);
    let available = false;
    const p = w.whenAvailable().then(() => { available = true; });
    await new Promise((r) => setTimeout(r, 30));
    expect(available).toBe(false);
    a.cancel();
    await p;
    expect(available).toBe(true);
    expect(await b).toBe(55);
    expect(await w.fib(11)).toBe(89);
  });

  test('whenIdle() after short calls always resolves (the signal word is read before the check)', async () => {
    const w = await cWorker({ maxWorkers: 2 });
    for (let i = 0; i < 300; i++) {
      w.sleepThen(0, i);
      if (i % 3 === 0) w.add(i, 1);
      await w.whenIdle();
      expect(w.stats()).toMatchObject({ running: 0, queued: 0 });
    }
  });

  test('stats() counts completed and failed calls', async () => {
    const w = await cWorker({ maxWorkers: 2 });
    expect(w.stats()).toEqual({ workers: 2, idle: 2, running: 0, queued: 0, completed: 0, failed: 0, crashed: 0 });
    await gather([w.fib(5), w.fib(6), w.fail(3)], { returnExceptions: true });
    await w.whenIdle();
    expect(w.stats()).toEqual({ workers: 2, idle: 2, running: 0, queued: 0, completed: 2, failed: 1, crashed: 0 });
  });

  test('stop() drains; later calls throw InvalidStateError', async () => {
    const w = await cWorker({ maxWorkers: 2 });
    const fs = [w.sleepThen(30, 1), w.sleepThen(30, 2), w.sleepThen(30, 3)];
    await w.stop();
    expect(fs.every((f) => f.done())).toBe(true);
    expect(await gather(fs)).toEqual([1, 2, 3]);
    expect(() => w.fib(3)).toThrow(InvalidStateError);
    expect(w.stats()).toMatchObject({ workers: 0, completed: 3 });
    await w.stop(); // again: nothing to do
  });

  test('stop({ force: true }) cancels what is queued and running and resolves once the threads are gone', async () => {
    const w = await cWorker({ maxWorkers: 2 });
    const fs = [w.spin(60000), w.sleep(60000), w.fib(30), w.add(w.sleepThen(50, 1), 1)];
    await until(() => fs[0].running() && fs[1].running());
    const t0 = Date.now();
    await w.stop({ force: true });
    expect(Date.now() - t0).toBeLessThan(2000);
    for (const f of fs) expect(f.cancelled()).toBe(true);
  });
});

describe("mode 'c': targets", () => {
  test("{ kernels: [...] } allows only those, each checked when the worker is created", async () => {
    const w = await cWorker({ maxWorkers: 1 }, { kernels: ['fib'] });
    expect(await w.fib(10)).toBe(55);
    await expect(w.primes(0, 10)).rejects.toThrow(/The C kernels \(kernels fib\) have no kernel 'primes' \(there are: fib\)/);
    await expect(createWorker({ kernels: ['fib', 'nope'] }, { mode: 'c' }))
      .rejects.toThrow(/no C kernel 'nope' \(target.kernels\[1\]\) is registered in the core/);
    await expect(createWorker({ kernels: [3] }, { mode: 'c' })).rejects.toThrow(/target.kernels\[0\] must be a kernel name/);
    await expect(createWorker({ kernels: [], extra: 1 }, { mode: 'c' })).rejects.toThrow(/unknown key 'extra'/);
  });

  test('pool options that would recycle pthreads are refused, not ignored', async () => {
    await expect(createWorker('builtin', { mode: 'c', idleTimeout: 100 })).rejects.toThrow(/'idleTimeout' does not apply to mode 'c'/);
    await expect(createWorker('builtin', { mode: 'c', maxTasksPerWorker: 5 })).rejects.toThrow(/'maxTasksPerWorker' does not apply to mode 'c'/);
    const w = await cWorker({ maxWorkers: 1, balance: 'least-busy', cancelGraceMs: 10, retries: 2 });
    expect(await w.add(1, 2)).toBe(3);
  });

  test("a module URL or path (DESIGN.md's target) whose 'kernels' export lists the kernels it calls", async () => {
    const url = new URL('./fixtures/workers/c-kernels.mjs', import.meta.url);
    const w = await cWorker({ maxWorkers: 1 }, url);
    expect(await w.fib(10)).toBe(55);
    expect(await w.add(2, 3)).toBe(5);
    await expect(w.primes(0, 10)).rejects.toThrow(/have no kernel 'primes' \(there are: fib, add\)/);
    // A path (relative to the current directory) and a default export's 'kernels'.
    const p = await cWorker({ maxWorkers: 1 }, path.relative(process.cwd(), fileURLToPath(new URL('./fixtures/workers/c-kernels-default.mjs', import.meta.url))));
    expect(await p.primes(0, 100)).toBe(25);
    await expect(createWorker(new URL('./fixtures/workers/c-kernels-unknown.mjs', import.meta.url), { mode: 'c' }))
      .rejects.toThrow(/no C kernel 'no_such_kernel' \('kernels' of the module 'file:.*c-kernels-unknown.mjs'\[1\]\) is registered in the core/);
    // A module without 'kernels', and one that cannot be loaded.
    await expect(createWorker(new URL('./fixtures/workers/basic.mjs', import.meta.url), { mode: 'c' }))
      .rejects.toThrow(/mode 'c': 'target' the module 'file:.*basic.mjs' must export 'kernels'.*got undefined/);
    await expect(createWorker('./no/such/module.mjs', { mode: 'c' })).rejects.toThrow(/no\/such\/module\.mjs/);
  });

  test("anything else is refused at createWorker with a TypeError saying what a c target is", async () => {
    for (const t of [42, null, ['fib'], {}, () => 1]) {
      const e = await createWorker(t, { mode: 'c' }).catch((x) => x);
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/mode 'c' needs 'builtin' .*a module URL or path whose 'kernels' export lists the C kernels it calls, or \{ kernels: \['name', \.\.\.\] \} as 'target'/);
    }
  });

  test('kernels linked in by the user (CY_KERNEL_EXPORT) are called like the built-ins', async () => {
    const w = await cWorker({ maxWorkers: 2 });
    expect(await w.test_dot(new Float64Array([1, 2, 3, 4, 5, 6]))).toBe(1 * 4 + 2 * 5 + 3 * 6);
    const out = await w.test_scale(2, 1.5, 3);
    expect(Array.from(new Float64Array(out.buffer))).toEqual([3, 6]);
    const e = await w.test_dot(new Uint8Array(3)).exception();
    expect(e).toBeInstanceOf(CoreError);
    expect(e.code).toBe(22);
  });

  test('gatherSync on a kernel that prints: the proxied stdio is served while the caller blocks', async () => {
    // A pthread's stdio is proxied to the thread that loaded the module; before
    // sync-wait.js ran that queue between sleeps, this timed out (3 s).
    const w = await cWorker({ maxWorkers: 2 });
    const t0 = Date.now();
    expect(pkg.gatherSync([w.test_print(5), w.test_print(6)], { timeout: 3000 })).toEqual([5, 6]);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  test('the shipped dist/ has the built-ins but not the test kernels', () => {
    const env = { ...process.env };
    delete env.CONCURRY_WASM_CORE;
    const code = `
      import { createWorker } from './bindings/index.js';
      const w = await createWorker('builtin', { mode: 'c', maxWorkers: 1 });
      const e = await w.test_dot(new Uint8Array(16)).exception();
      console.log(JSON.stringify([await w.fib(20), e.message]));
      await w.stop();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, env, encoding: 'utf8', timeout: 20000 });
    expect(r.stderr).toBe('');
    const [fib, msg] = JSON.parse(r.stdout);
    expect(fib).toBe(6765);
    expect(msg).toMatch(/no kernel 'test_dot'/);
    expect(r.status).toBe(0); // and the process exits by itself
  });
});
