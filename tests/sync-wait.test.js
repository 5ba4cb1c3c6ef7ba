// waitSync / gatherSync: blocking waits on the core (Atomics.wait). The main
// cases run in a Node worker_thread (the place they are for), on C tasks of a
// mode 'c' worker that the worker thread makes; the refusals run here (Node's
// main thread may block too) and, for the browser main-thread rule, in a child.
import { Worker } from 'node:worker_threads';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  waitSync, gatherSync, wait, createWorker, SyncFuture, PromiseFuture, ProbeFuture, wrapFuture,
  TimeoutError, CancelledError,
} from '../bindings/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bindings = new URL('../bindings/index.js', import.meta.url).href;

/**
 * Runs `body` (an async function's source over `pkg` and the worker `name`
 * that `make`, a source expression, creates) in a worker thread; resolves
 * with what it returns. The worker is stopped (force) whatever happens.
 */
function runInThread(name, make, body) {
  const src = `
    import { parentPort } from 'node:worker_threads';
    const pkg = await import(${JSON.stringify(bindings)});
    const ${name} = await ${make};
    try {
      const out = await (async () => { ${body} })();
      parentPort.postMessage({ ok: out });
    } catch (e) {
      parentPort.postMessage({ err: String(e && e.stack || e) });
    } finally {
      await ${name}.stop({ force: true });
    }`;
  return new Promise((resolve, reject) => {
    const t = new Worker(new URL(`data:text/javascript,${encodeURIComponent(src)}`));
    t.once('message', (m) => (m.err ? reject(new Error(m.err)) : resolve(m.ok)));
    t.once('error', reject);
    t.once('exit', (code) => reject(new Error(`worker exited (${code}) before answering`)));
  });
}

/** Runs `body` in a worker thread over `w`, a mode 'c' worker of `maxWorkers` (runInThread). */
function inWorker(body, maxWorkers = 2) {
  return runInThread('w', `pkg.createWorker('builtin', { mode: 'c', maxWorkers: ${maxWorkers} })`, body);
}

describe('waitSync / gatherSync in a worker thread, over C tasks', () => {
  test('waitSync: FIRST_COMPLETED returns at the first completion; ALL_COMPLETED when all are done', async () => {
    const out = await inWorker(`
      const { waitSync } = pkg;
      const fast = w.sleepThen(20, 1), slow = w.sleepThen(400, 2);
      const t0 = performance.now();
      const r = waitSync([slow, fast], { returnWhen: 'FIRST_COMPLETED' });
      const t1 = performance.now() - t0;
      const first = [r.done.has(fast), r.notDone.has(slow)];
      const all = waitSync(fast, slow);
      return { t1, first, all: [all.done.size, all.notDone.size, slow.done()] };
    `);
    expect(out.first).toEqual([true, true]);
    expect(out.t1).toBeGreaterThanOrEqual(15);
    expect(out.t1).toBeLessThan(300);
    expect(out.all).toEqual([2, 0, true]);
  });

  test("gatherSync keeps the input's shape (array, object, Map, nested with recurse); values and done futures mix", async () => {
    const out = await inWorker(`
      const { gatherSync, SyncFuture } = pkg;
      const arr = gatherSync([w.primes(0, 1000), w.add(2, 3), 7, new SyncFuture('s')]);
      const obj = gatherSync({ a: w.fib(10), b: w.sleepThen(5, 9) });
      const map = gatherSync(new Map([['x', w.add(1, 1)]]));
      const nested = gatherSync({ a: [w.add(1, 2), { b: w.fib(7) }] }, { recurse: true });
      const bytes = gatherSync([w.reverse_bytes(new Uint8Array([1, 2]))])[0];
      return { arr, obj, map: [...map], nested, bytes: Array.from(bytes) };
    `);
    expect(out.arr).toEqual([168, 5, 7, 's']);
    expect(out.obj).toEqual({ a: 55, b: 9 });
    expect(out.map).toEqual([['x', 2]]);
    expect(out.nested).toEqual({ a: [3, { b: 13 }] });
    expect(out.bytes).toEqual([2, 1]);
  });

  test('gatherSync: the first failure is thrown at once (fail fast), or is a value with returnExceptions', async () => {
    const out = await inWorker(`
      const { gatherSync } = pkg;
      const t0 = performance.now();
      let thrown;
      const slow = w.sleep(5000);
      try { gatherSync([w.sleepThen(10, 1), w.fail(7), slow], { cancelPending: true }); } catch (e) { thrown = [e.name, e.code, e.message]; }
      const t1 = performance.now() - t0;
      const vals = gatherSync([w.add(1, 1), w.fail(9)], { returnExceptions: true });
      return { thrown, t1, slowCancelled: slow.cancelled(), vals: [vals[0], vals[1].name, vals[1].code] };
    `);
    expect(out.thrown).toEqual(['CoreError', 7, "C kernel 'fail' failed with code 7"]);
    expect(out.t1).toBeLessThan(2000);
    expect(out.slowCancelled).toBe(true);
    expect(out.vals).toEqual([2, 'CoreError', 9]);
  });

  test('timeout: TimeoutError saying how many completed; the futures stay usable', async () => {
    const out = await inWorker(`
      const { waitSync, gatherSync, TimeoutError } = pkg;
      const a = w.sleepThen(1, 1), b = w.sleep(5000);
      waitSync(a);
      const t0 = performance.now();
      let e1; try { waitSync([a, b], { timeout: 50 }); } catch (e) { e1 = [e instanceof TimeoutError, e.message]; }
      const t1 = performance.now() - t0;
      let e2; try { gatherSync([b], { timeout: 0 }); } catch (e) { e2 = e.message; }
      b.cancel();
      return { e1, t1, e2, bDone: waitSync([b]).done.size };
    `);
    expect(out.e1).toEqual([true, 'waitSync() timed out after 50 ms: 1 of 2 completed']);
    expect(out.t1).toBeGreaterThanOrEqual(45);
    expect(out.t1).toBeLessThan(1000);
    expect(out.e2).toBe('gatherSync() timed out after 0 ms: 0 of 1 completed');
    expect(out.bDone).toBe(1);
  });

  test('progress: a function, called as completions happen and once at the end', async () => {
    const out = await inWorker(`
      const { gatherSync } = pkg;
      const reports = [];
      const v = gatherSync([w.sleepThen(10, 1), w.sleepThen(60, 2), w.sleepThen(120, 3)],
        { progress: (r) => reports.push([r.completed, r.total]) });
      return { v, reports };
    `);
    expect(out.v).toEqual([1, 2, 3]);
    expect(out.reports[out.reports.length - 1]).toEqual([3, 3]);
    expect(out.reports.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < out.reports.length; i++) expect(out.reports[i][0]).toBeGreaterThan(out.reports[i - 1][0]);
  });

  test('a ProbeFuture completes while blocked: the core calls its probe from this thread', async () => {
    const out = await inWorker(`
      const { waitSync, gatherSync, ProbeFuture } = pkg;
      let calls = 0;
      const until = performance.now() + 40;
      const p = new ProbeFuture(() => (++calls, performance.now() >= until ? { value: 'probed' } : null));
      const [v] = gatherSync([p], { polling: 'fixed' });
      return { v, calls };
    `);
    expect(out.v).toBe('probed');
    expect(out.calls).toBeGreaterThan(1);
  });
});

const TASKS = new URL('./fixtures/workers/pool-tasks.mjs', import.meta.url).href;

/** Runs `body` in a worker thread over `tp`, a thread pool (2 workers) over the pool fixture (runInThread). */
function inPoolWorker(body) {
  return runInThread('tp', `pkg.createWorker(${JSON.stringify(TASKS)}, { mode: 'thread', maxWorkers: 2 })`, body);
}

describe('waitSync / gatherSync across workers: a worker thread blocks on the calls of a thread pool it made', () => {
  test('gatherSync and waitSync over thread-mode calls: values, shapes, FIRST_COMPLETED; many calls (hand-offs and refills while blocked)', async () => {
    const out = await inPoolWorker(`
      const { gatherSync, waitSync } = pkg;
      const small = gatherSync({ a: tp.add(1, 2), b: tp.sleep(30, 'x'), c: tp.echo({ v: [1] }) });
      const slow = tp.sleep(2000, 'slow'), fast = tp.sleep(20, 'fast');
      const t0 = performance.now();
      const r = waitSync([slow, fast], { returnWhen: 'FIRST_COMPLETED' });
      const t1 = performance.now() - t0;
      const first = [r.done.has(fast), r.notDone.has(slow), fast.resultNow()];
      slow.cancel();
      const fs = Array.from({ length: 3000 }, (_, i) => tp.add(i, 1));
      const many = gatherSync(fs);
      return { small, first, t1, many: many.every((v, i) => v === i + 1), n: many.length };
    `);
    expect(out.small).toEqual({ a: 3, b: 'x', c: { v: [1] } });
    expect(out.first).toEqual([true, true, 'fast']);
    expect(out.t1).toBeLessThan(1500);
    expect(out.many).toBe(true);
    expect(out.n).toBe(3000);
  });

  test('errors cross as for await; a per-call timeout passes while blocked (its timer could not fire); onProgress runs', async () => {
    const out = await inPoolWorker(`
      const { gatherSync, TimeoutError } = pkg;
      let e1; try { gatherSync([tp.fail('blocked', { code: 'E_B' })]); } catch (e) { e1 = [e.name, e.message, e.code]; }
      const t0 = performance.now();
      let e2; try { gatherSync([tp.callWith({ timeout: 50 }, 'forever')]); } catch (e) { e2 = [e instanceof TimeoutError, e.message]; }
      const t2 = performance.now() - t0;
      const seen = [];
      const withProgress = gatherSync([tp.callWith({ onProgress: (v) => seen.push(v) }, 'progressSteps', 10)]);
      return { e1, e2, t2, after: gatherSync([tp.add(2, 2)]), withProgress, seen };
    `);
    // onProgress runs on the blocked thread, in order, before the result (calls with it complete by message).
    expect(out.withProgress).toEqual(['done']);
    expect(out.seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(out.e1).toEqual(['RangeError', 'blocked', 'E_B']);
    expect(out.e2).toEqual([true, "The call 'forever' did not complete within 50 ms (thread worker)"]);
    expect(out.t2).toBeGreaterThanOrEqual(45);
    expect(out.t2).toBeLessThan(1500);
    expect(out.after).toEqual([4]);
  });

  test('a worker that dies while the caller is blocked (process.exit, an uncaught error) fails its running call; the rest go on: no deadlock', async () => {
    const out = await inPoolWorker(`
      const { gatherSync } = pkg;
      const res = [];
      for (const [m, ...a] of [['exit', 7], ['throwLater', 'late boom']]) {
        const t0 = performance.now();
        const v = gatherSync([tp.call(m, ...a), tp.sleep(30, 'ok')], { returnExceptions: true });
        res.push([v[0].name, v[0].exitCode, v[0].method, v[1], performance.now() - t0 < 5000]);
      }
      return { res, after: gatherSync([tp.add(1, 1), tp.add(2, 2)]), crashed: tp.stats().crashed };
    `);
    expect(out.res).toEqual([
      ['WorkerCrashedError', 7, 'exit', 'ok', true],
      ['WorkerCrashedError', 1, 'throwLater', 'ok', true],
    ]);
    expect(out.after).toEqual([2, 4]);
    expect(out.crashed).toBe(2);
  });
});

describe('waitSync / gatherSync: what cannot complete while blocked is refused, never a deadlock', () => {
  test('a PromiseFuture (or a Promise) of this thread: TypeError naming its kind and uuid, at once', () => {
    const pf = new PromiseFuture(new Promise(() => {}));
    const t0 = Date.now();
    expect(() => waitSync([new SyncFuture(1), pf])).toThrow(
      new RegExp(`waitSync\\(\\): input 1 is a PromiseFuture \\(${pf.uuid}\\) that can only complete on this thread's event loop`));
    expect(() => gatherSync({ a: Promise.resolve(1) })).toThrow(/gatherSync\(\): input "a" is a PromiseFuture \(promise-future-\d+\)/);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  test('futures already done are accepted, whatever their kind', async () => {
    const pf = wrapFuture(Promise.resolve(4));
    await pf;
    expect(gatherSync([pf, new SyncFuture(5), SyncFuture.failed(new RangeError('r'))], { returnExceptions: true }))
      .toEqual([4, 5, new RangeError('r')]);
    const cancelled = new PromiseFuture(new Promise(() => {}));
    cancelled.cancel();
    expect(() => gatherSync([cancelled])).toThrow(CancelledError);
    expect(waitSync([]).done.size).toBe(0);
  });

  test('a process-mode call is refused, naming its kind and why (its outcome comes over IPC, read by the event loop)', async () => {
    const w = await createWorker(new URL('./fixtures/workers/basic.mjs', import.meta.url), { mode: 'process', maxWorkers: 1 });
    try {
      const f = w.sleepThen(50, 1);
      const t0 = Date.now();
      expect(() => waitSync([f])).toThrow(/input 0 is a ProcessFuture \(process-future-\d+\) that can only complete on this thread's event loop \(a process-mode call's outcome comes over the child's IPC channel/);
      expect(() => gatherSync({ k: f })).toThrow(/input "k" is a ProcessFuture \(process-future-\d+\)/);
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(await f).toBe(1);
      expect(gatherSync([f])).toEqual([1]); // done now: accepted
    } finally {
      await w.stop();
    }
  });

  test('a thread-mode call whose arguments hold futures is refused until they resolved (awaited on the event loop)', async () => {
    const w = await createWorker(new URL('./fixtures/workers/basic.mjs', import.meta.url), { mode: 'thread', maxWorkers: 1 });
    try {
      const f = w.add(wrapFuture(new Promise((r) => setTimeout(r, 20, 1))), 2);
      expect(() => waitSync([f])).toThrow(/input 0 is a ThreadFuture \(thread-future-\d+\) .*\(the futures among its arguments are awaited on this thread's event loop/);
      expect(await f).toBe(3);
    } finally {
      await w.stop();
    }
  });

  test('options that a blocked thread cannot honour, bad options and unknown keys: TypeError naming them', () => {
    const f = new SyncFuture(1);
    expect(() => waitSync([f], { signal: new AbortController().signal })).toThrow(/option 'signal' does not apply to a blocking wait/);
    expect(() => gatherSync([f], { iter: true })).toThrow(/option 'iter' does not apply to a blocking wait/);
    expect(() => waitSync([f], { progress: true })).toThrow(/option 'progress' must be a function/);
    expect(() => waitSync([f], { timout: 5 })).toThrow(/timout/);
    expect(() => waitSync([f], { timeout: -1 })).toThrow(RangeError);
    expect(() => waitSync([f], { returnWhen: 'SOMETIMES' })).toThrow(/returnWhen/);
    expect(() => gatherSync([f], { returnWhen: 'FIRST_COMPLETED' })).toThrow(/returnWhen/);
    expect(() => gatherSync([f], 5)).toThrow(TypeError);
    // Same shapes as wait(): variadic, trailing options, single values.
    expect(gatherSync(1, 2, { timeout: 5 })).toEqual([1, 2]);
    expect(gatherSync(new SyncFuture(3))).toEqual([3]);
    expect(() => gatherSync([f], f, {})).toThrow(/Cannot provide both a structure/);
  });

  test("a browser's main thread (no process, no WorkerGlobalScope): TypeError at once", () => {
    const code = `
      const { waitSync, gatherSync, SyncFuture } = await import('./bindings/index.js');
      const f = new SyncFuture(1);
      const proc = globalThis.process;
      const out = [];
      Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
      try {
        for (const fn of [() => waitSync([f]), () => gatherSync([f])]) {
          try { fn(); out.push('no error'); } catch (e) { out.push(e.constructor.name + ': ' + e.message); }
        }
      } finally { globalThis.process = proc; }
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 20000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out[0]).toMatch(/^TypeError: waitSync\(\): cannot block on a browser's main thread \(Atomics.wait is not allowed there\)/);
    expect(out[1]).toMatch(/^TypeError: gatherSync\(\): cannot block on a browser's main thread/);
  });

  test("Node's main thread may block on C tasks (as a script would)", async () => {
    const w = await createWorker('builtin', { mode: 'c', maxWorkers: 1 });
    try {
      expect(gatherSync([w.fib(12), w.sleepThen(10, 4)])).toEqual([144, 4]);
      const { done } = await wait([w.add(1, 1)]);
      expect(done.size).toBe(1);
      expect(() => waitSync([w.sleep(1000)], { timeout: 10 })).toThrow(TimeoutError);
    } finally {
      await w.stop({ force: true });
    }
  });
});

test('ProbeFuture and SyncFuture are importable here (sanity of the fixture)', () => {
  expect(typeof ProbeFuture).toBe('function');
});
