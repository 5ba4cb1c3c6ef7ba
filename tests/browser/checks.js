// The browser checks of the JS package, run both in the test page
// (tests/browser/index.html) and in a module worker (tests/browser/worker.js).
// Every check is a name and an async function that returns a detail value
// (JSON) or throws; runChecks() never throws and returns
//   { where, checks: [{ name, ok, detail | error, ms }], ms }
// for tests/browser/run.mjs to assert on in Node. Plain ES module, no build.

const delay = (ms, v) => new Promise((r) => setTimeout(() => r(v), ms));
const never = () => new Promise(() => {});
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
const same = (got, want, what) => {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
  return got;
};

/**
 * @param {string} where 'page' or 'worker'
 * @param {(name: string) => void} [onCheck] told each check's name as it starts
 *   (so that a run that hangs can say where)
 */
export async function runChecks(where, onCheck = () => {}) {
  const t0 = performance.now();
  const checks = [];
  let pkg = null;
  const check = async (name, fn) => {
    onCheck(name);
    const t = performance.now();
    try {
      const detail = await fn();
      checks.push({ name, ok: true, detail: detail === undefined ? null : detail, ms: Math.round(performance.now() - t) });
    } catch (e) {
      // The message, and where it was thrown (the first stack frame).
      const frame = e && typeof e.stack === 'string' ? (e.stack.split('\n').find((l) => /^\s+at /.test(l) && !/^\s+at (assert|same) /.test(l)) || '').trim() : '';
      const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      checks.push({ name, ok: false, error: frame && !e.dependent ? `${error} (${frame})` : error, ms: Math.round(performance.now() - t) });
    }
  };
  const needPkg = () => {
    if (!pkg) throw Object.assign(new Error('not run: the package did not load (see "import without init")'), { dependent: true });
    return pkg;
  };

  await check('crossOriginIsolated', async () => {
    assert(self.crossOriginIsolated === true, `self.crossOriginIsolated is ${self.crossOriginIsolated} (COOP/COEP headers missing?)`);
    assert(typeof SharedArrayBuffer === 'function', 'SharedArrayBuffer is not defined');
    return true;
  });

  await check('import without init', async () => {
    // The package loads the wasm at import (top-level await), no init call.
    pkg = await import('/bindings/index.js');
    for (const k of ['wait', 'gather', 'wrapFuture', 'TimeoutError']) {
      assert(pkg[k] !== undefined, `bindings/index.js does not export ${k}`);
    }
    // ... and the wasm was fetched relative to import.meta.url of dist/concurry-core.mjs.
    const wasm = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm'));
    assert(wasm.includes('/dist/concurry-core.wasm'), `expected a fetch of /dist/concurry-core.wasm, saw ${JSON.stringify(wasm)}`);
    // A first call works right away (no `await ready()` needed).
    const r = await pkg.gather([1]);
    same(r, [1], 'gather([1])');
    return { wasm };
  });

  await check('wrapFuture of a Promise', async () => {
    const { wrapFuture } = needPkg();
    const f = wrapFuture(delay(5, 'x'));
    assert(typeof f.uuid === 'string' && f.uuid.startsWith('promise-future-'), `uuid ${f.uuid} should start with promise-future-`);
    assert(wrapFuture(f) === f, 'wrapFuture is not idempotent');
    const v = await f;
    same(v, 'x', 'await wrapFuture(p)');
    assert(f.done() && f.resultNow() === 'x', 'done()/resultNow() after await');
    return f.uuid;
  });

  await check('gather array', async () => {
    const { gather } = needPkg();
    const r = await gather([delay(15, 'a'), 'b', Promise.resolve('c'), delay(5, 'd'), null, 42]);
    assert(Array.isArray(r), `result is not an array: ${Object.prototype.toString.call(r)}`);
    return same(r, ['a', 'b', 'c', 'd', null, 42], 'gather(array)');
  });

  await check('gather object', async () => {
    const { gather } = needPkg();
    const r = await gather({ z: delay(15, 1), a: 2, m: delay(5, 3) });
    assert(Object.getPrototypeOf(r) === Object.prototype, 'result is not a plain object');
    same(Object.keys(r), ['z', 'a', 'm'], 'key order');
    return same(r, { z: 1, a: 2, m: 3 }, 'gather(object)');
  });

  await check('gather Map', async () => {
    const { gather } = needPkg();
    const k = { id: 'objKey' };
    const r = await gather(new Map([['one', delay(10, 1)], [2, 'two'], [k, delay(3, 'obj')]]));
    assert(r instanceof Map, 'result is not a Map');
    same([...r.keys()].map((x) => (x === k ? 'objKey' : x)), ['one', 2, 'objKey'], 'Map keys');
    same([r.get('one'), r.get(2), r.get(k)], [1, 'two', 'obj'], 'Map values');
    return [...r.entries()].map(([a, b]) => [a === k ? 'objKey' : a, b]);
  });

  await check('gather variadic and options', async () => {
    const { gather } = needPkg();
    same(await gather(delay(5, 1), 2, { timeout: 5000 }), [1, 2], 'gather(p, v, {timeout})');
    same(await gather({ a: delay(3, 'x') }, { timeout: 5000 }), { a: 'x' }, 'gather({a: p}, {timeout})');
    return true;
  });

  await check('gather iter completion order', async () => {
    const { gather } = needPkg();
    const got = [];
    for await (const kv of gather([delay(120, 'slow'), delay(10, 'fast'), delay(60, 'mid'), 'now'], { iter: true })) got.push(kv);
    same(got, [[3, 'now'], [1, 'fast'], [2, 'mid'], [0, 'slow']], 'array iter');
    const gotObj = [];
    for await (const kv of gather({ a: delay(80, 1), b: delay(10, 2), c: delay(40, 3) }, { iter: true })) gotObj.push(kv);
    same(gotObj, [['b', 2], ['c', 3], ['a', 1]], 'object iter');
    return { array: got, object: gotObj };
  });

  await check('wait FIRST_COMPLETED', async () => {
    const { wait, wrapFuture } = needPkg();
    const fast = wrapFuture(delay(10, 'fast'));
    const slow = wrapFuture(never());
    const t = performance.now();
    const { done, notDone } = await wait([slow, fast], { returnWhen: 'FIRST_COMPLETED', timeout: 5000 });
    const ms = Math.round(performance.now() - t);
    assert(done instanceof Set && notDone instanceof Set, 'done/notDone are not Sets');
    same([done.size, notDone.size], [1, 1], '[done.size, notDone.size]');
    assert(done.has(fast) && notDone.has(slow), 'the fast future should be done and the slow one not');
    same(fast.resultNow(), 'fast', 'fast.resultNow()');
    assert(!slow.done(), 'slow.done() should be false');
    const all = await wait([delay(5, 1), 2], { returnWhen: 'ALL_COMPLETED' });
    same([all.done.size, all.notDone.size], [2, 0], 'ALL_COMPLETED sizes');
    const fe = await wait([Promise.reject(new Error('boom')), never()], { returnWhen: 'first_exception', timeout: 5000 });
    same([fe.done.size, fe.notDone.size], [1, 1], 'FIRST_EXCEPTION sizes');
    return { ms };
  });

  await check('timeout rejects with TimeoutError', async () => {
    const { gather, wait, TimeoutError } = needPkg();
    const out = {};
    for (const [name, run] of [
      ['gather', () => gather([delay(5, 'a'), never(), never()], { timeout: 60 })],
      ['wait', () => wait([never(), delay(5, 'a'), never(), never()], { timeout: 60 })],
    ]) {
      const t = performance.now();
      let err = null;
      try { await run(); } catch (e) { err = e; }
      const ms = Math.round(performance.now() - t);
      assert(err !== null, `${name} with timeout did not reject`);
      assert(err instanceof TimeoutError, `${name}: not a TimeoutError: ${err && err.name}: ${err && err.message}`);
      assert(err.name === 'TimeoutError', `${name}: name is ${err.name}`);
      const n = name === 'gather' ? 3 : 4;
      assert(new RegExp(`\\b1 of ${n} completed\\b`).test(err.message), `${name}: message "${err.message}" should say "1 of ${n} completed"`);
      assert(ms >= 50 && ms < 3000, `${name}: rejected after ${ms} ms, timeout was 60 ms`);
      out[name] = { message: err.message, ms };
    }
    return out;
  });

  await check('progress callback ends with final', async () => {
    const { gather } = needPkg();
    const reports = [];
    let settled = false;
    const n = 6;
    const ps = Array.from({ length: n }, (_, i) => delay(5 + 7 * i, i));
    const r = await gather(ps, { progress: (p) => reports.push({ ...p, settledBefore: settled }) });
    settled = true;
    same(r, [0, 1, 2, 3, 4, 5], 'gather result');
    assert(reports.length >= 1, 'no progress report');
    const last = reports[reports.length - 1];
    assert(last.final === true, `last report has final=${last.final}: ${JSON.stringify(last)}`);
    assert(reports.filter((x) => x.final).length === 1, 'more than one final report');
    same([last.completed, last.failed, last.total], [n, 0, n], 'last [completed, failed, total]');
    assert(typeof last.elapsedMs === 'number' && last.elapsedMs >= 0, 'elapsedMs');
    assert(!last.settledBefore, 'the final report came after gather settled');
    for (let i = 1; i < reports.length; i++) {
      assert(reports[i].completed >= reports[i - 1].completed, 'completed went backwards');
    }
    return { reports: reports.length, last: { completed: last.completed, total: last.total, final: last.final } };
  });

  // Worker pools (issue 7): thread mode runs tasks.mjs in module Web Workers
  // (nested ones when these checks run in a worker); c mode runs the core's
  // built-in kernels on its pthread pool.
  const tasksURL = new URL('./tasks.mjs', import.meta.url).href;
  let tw = null;
  const needThreads = () => {
    if (!tw) throw Object.assign(new Error('not run: the thread pool did not start (see "thread createWorker and Proxy calls")'), { dependent: true });
    return tw;
  };

  await check('thread createWorker and Proxy calls', async () => {
    const { createWorker } = needPkg();
    tw = await createWorker(tasksURL, { mode: 'thread', maxWorkers: 2 });
    assert(typeof tw.then === 'undefined', 'the worker handle is thenable (the Proxy forwarded then)');
    const f = tw.add(2, 3);
    assert(typeof f.uuid === 'string' && f.uuid.startsWith('thread-future-'), `uuid ${f.uuid} should start with thread-future-`);
    same(await f, 5, 'await w.add(2, 3)');
    same(await tw.call('add', 'a', 'b'), 'ab', "await w.call('add', 'a', 'b')");
    return f.uuid;
  });

  await check('thread gather over calls', async () => {
    const { gather } = needPkg();
    const w = needThreads();
    const r = await gather(Array.from({ length: 40 }, (_, i) => w.add(i, 1000)));
    same(r, Array.from({ length: 40 }, (_, i) => i + 1000), 'gather of 40 calls');
    const o = await gather({ slow: w.sleepThen(30, 'slow'), fast: w.add(1, 1) });
    same(o, { slow: 'slow', fast: 2 }, 'gather of an object of calls');
    const ids = new Set(await gather(Array.from({ length: 8 }, () => w.sleepThen(20, 0).then(() => w.whoAmI()))));
    return { stats: w.stats(), workersSeen: ids.size };
  });

  await check('thread error crosses the boundary', async () => {
    const w = needThreads();
    let err = null;
    try { await w.failQuota('over quota', { code: 'E_QUOTA', limit: 10, nested: { a: [1, 2] } }); } catch (e) { err = e; }
    assert(err !== null, 'the call did not reject');
    assert(err instanceof Error, `not an Error: ${Object.prototype.toString.call(err)}`);
    same([err.name, err.message], ['QuotaError', 'over quota'], '[name, message]');
    same([err.code, err.limit, err.nested], ['E_QUOTA', 10, { a: [1, 2] }], 'own properties');
    assert(err.cause && err.cause.name === 'TypeError' && err.cause.message === 'inner cause', `cause: ${err.cause && `${err.cause.name}: ${err.cause.message}`}`);
    assert(typeof err.stack === 'string' && err.stack.includes('failQuota'), 'the stack does not name failQuota (the worker-side frame)');
    return { name: err.name, message: err.message, code: err.code };
  });

  await check('thread progress before the result', async () => {
    const w = needThreads();
    const events = [];
    const f = w.callWith({ onProgress: (v) => events.push(v) }, 'count', 6);
    f.then((v) => events.push(`result ${v}`));
    await f;
    await delay(0);
    return same(events, [1, 2, 3, 4, 5, 6, 'result done 6'], 'progress then result');
  });

  await check('thread cancel of a running call (cancelGraceMs)', async () => {
    const { createWorker, CancelledError } = needPkg();
    // One worker, so the call after the cancel shows which worker answered.
    const w = await createWorker(tasksURL, { mode: 'thread', maxWorkers: 1, cancelGraceMs: 100 });
    try {
      const before = await w.whoAmI();
      const c = w.spin(10_000);
      await delay(100); // handed to the worker and spinning
      same(w.stats().running, 1, 'stats().running while spinning');
      const t = performance.now();
      assert(c.cancel() === true, 'cancel() of a running call returned false');
      assert(c.cancelled() && c.done(), 'the future is not cancelled at once');
      let e = null;
      try { await c; } catch (err) { e = err; }
      assert(e instanceof CancelledError, `await of the cancelled call: ${e ? e.name : 'no rejection'}, want CancelledError`);
      // The spinning worker cannot stop on its own: it is terminated after
      // 100 ms and a new one answers (without termination this takes ~10 s).
      let after;
      try {
        after = await w.callWith({ timeout: 3000 }, 'whoAmI');
      } catch (err) {
        throw new Error(`the call after the cancel failed (${err.name}: ${err.message}): the stuck worker was not terminated after cancelGraceMs`);
      }
      const ms = Math.round(performance.now() - t);
      assert(after !== before, 'the same worker answered after the cancel: it was not replaced');
      assert(ms < 5000, `the later call took ${ms} ms: the stuck worker was not terminated`);
      same(await w.add(20, 22), 42, 'a later call');
      return { ms, stats: w.stats() };
    } finally {
      await w.stop({ force: true });
    }
  });

  await check('thread callWith timeout', async () => {
    const { TimeoutError } = needPkg();
    const w = needThreads();
    const t = performance.now();
    const f = w.callWith({ timeout: 50 }, 'sleepThen', 5000, 'late');
    const e = await f.exception();
    const ms = Math.round(performance.now() - t);
    assert(e instanceof TimeoutError && e.name === 'TimeoutError', `exception() is ${e && `${e.name}: ${e.message}`}, want a TimeoutError`);
    assert(ms >= 40 && ms < 3000, `timed out after ${ms} ms, timeout was 50 ms`);
    same(await w.add(1, 2), 3, 'a call after the timeout');
    return { message: e.message, ms };
  });

  await check('thread uncaught error crashes only its call', async () => {
    const { WorkerCrashedError, gather } = needPkg();
    const w = needThreads();
    const crashedBefore = w.stats().crashed;
    const other = w.sleepThen(50, 'other');
    let e = null;
    try { await w.callWith({ timeout: 3000 }, 'throwLater', 'uncaught in the worker'); } catch (err) { e = err; }
    assert(e instanceof WorkerCrashedError, `the call failed with ${e ? `${e.name}: ${e.message}` : 'nothing'}, want WorkerCrashedError`);
    same(e.method, 'throwLater', 'error.method');
    assert(/uncaught in the worker/.test(e.message), `message "${e.message}" does not carry the worker's error`);
    same(await gather([other, w.add(3, 4)]), ['other', 7], 'the other call, and one on the replacement');
    same(w.stats().crashed, crashedBefore + 1, 'stats().crashed');
    return { message: e.message };
  });

  await check('thread stop', async () => {
    const { InvalidStateError } = needPkg();
    const w = needThreads();
    const last = w.sleepThen(20, 'finished');
    await w.stop();
    same(await last, 'finished', 'a call running at stop() completes');
    let err = null;
    try { w.add(1, 1); } catch (e) { err = e; }
    assert(err instanceof InvalidStateError, `call after stop(): ${err ? `${err.name}: ${err.message}` : 'no synchronous throw'}`);
    assert(/stopped/.test(err.message), `message "${err.message}" should say the worker is stopped`);
    return { stats: w.stats() };
  });

  await check('thread worker that closes itself fails its call', async () => {
    const { createWorker, WorkerCrashedError } = needPkg();
    const w = await createWorker(tasksURL, { mode: 'thread', maxWorkers: 1, cancelGraceMs: 50 });
    try {
      // DESIGN.md "Crashes": a worker that exits fails its running call with
      // WorkerCrashedError and is replaced; nothing stays pending. The
      // timeout only bounds this check (the exit is known at once when seen).
      let e = null;
      try { await w.callWith({ timeout: 500 }, 'closeSelf'); } catch (err) { e = err; }
      assert(e instanceof WorkerCrashedError, `the call failed with ${e ? `${e.name}: ${e.message}` : 'nothing'}, want WorkerCrashedError`);
      same(e.method, 'closeSelf', 'error.method');
      same(await w.add(1, 1), 2, 'a call on the replacement worker');
      return { message: e.message };
    } finally {
      await w.stop({ force: true });
    }
  });

  await check('Node-only modes and options refused', async () => {
    // Modes 'process' and 'remote' (child processes, Redis) and the option
    // 'resourceLimits' (Node's worker_threads heap limits) have nothing to run
    // on here: createWorker says so before importing anything (it used to try
    // the Node-only module and report a failed fetch, with CORS noise).
    const { createWorker } = needPkg();
    const msgs = {};
    for (const mode of ['process', 'remote']) {
      let e = null;
      try { await createWorker(tasksURL, { mode }); } catch (err) { e = err; }
      assert(e instanceof Error, `mode '${mode}': ${e ? `${e.name}: ${e.message}` : 'createWorker resolved'}`);
      same(e.message, `createWorker(): mode '${mode}' runs only in Node (this is a browser)`, `mode '${mode}' error`);
      msgs[mode] = e.message;
    }
    let te = null;
    try { await createWorker(tasksURL, { mode: 'thread', resourceLimits: { maxOldGenerationSizeMb: 64 } }); } catch (err) { te = err; }
    assert(te instanceof TypeError && /'resourceLimits'/.test(te.message) && /only in Node/.test(te.message),
      `resourceLimits: ${te ? `${te.name}: ${te.message}` : 'createWorker resolved'}`);
    msgs.resourceLimits = te.message;
    const fetched = performance.getEntriesByType('resource').map((x) => new URL(x.name).pathname)
      .filter((p) => /\/modes\/(process|remote)[\w-]*\.js$/.test(p));
    same(fetched, [], 'Node-only mode modules fetched');
    return msgs;
  });

  let cw = null;
  await check('c mode builtin kernels with gather', async () => {
    const { createWorker, gather } = needPkg();
    cw = await createWorker('builtin', { mode: 'c', maxWorkers: 2 });
    const f = cw.primes(0, 100_000);
    assert(typeof f.uuid === 'string', 'a c-mode call has no uuid');
    const r = await gather([f, cw.primes(100_000, 200_000), cw.add(1.5, 2), cw.fib(20), cw.sleepThen(10, 7)]);
    same(r, [9592, 8392, 3.5, 6765, 7], 'gather of kernel calls');
    const px = await cw.mandelbrot(16, 8, -2, -1.5, 1, 1.5, 50);
    assert(px instanceof Uint8Array && px.length === 128, `mandelbrot tile: ${Object.prototype.toString.call(px)} of ${px && px.length}`);
    return { uuid: f.uuid };
  });

  if (where === 'worker') {
    await check('c gatherSync in a worker', async () => {
      const { gatherSync, waitSync, TimeoutError } = needPkg();
      if (!cw) throw Object.assign(new Error('not run: no c-mode worker'), { dependent: true });
      const t = performance.now();
      const r = gatherSync([cw.primes(0, 100_000), cw.sleepThen(30, 4), 5], { timeout: 10_000 });
      const ms = Math.round(performance.now() - t);
      same(r, [9592, 4, 5], 'gatherSync over C futures');
      assert(ms >= 25, `gatherSync returned after ${ms} ms, before sleepThen(30) could finish`);
      const { done, notDone } = waitSync([cw.sleep(10), cw.sleep(5000)], { returnWhen: 'FIRST_COMPLETED', timeout: 10_000 });
      same([done.size, notDone.size], [1, 1], 'waitSync FIRST_COMPLETED sizes');
      for (const f of notDone) f.cancel();
      const s = cw.sleep(5000);
      let te = null;
      try { gatherSync([s], { timeout: 50 }); } catch (e) { te = e; }
      assert(te instanceof TimeoutError && /0 of 1 completed/.test(te.message), `gatherSync with timeout: ${te ? `${te.name}: ${te.message}` : 'returned'}`);
      s.cancel();
      // What only this thread's event loop can complete is refused, never a deadlock.
      let re = null;
      try { gatherSync([delay(5, 1)]); } catch (e) { re = e; }
      assert(re instanceof TypeError && /input 0/.test(re.message), `gatherSync over a Promise: ${re ? `${re.name}: ${re.message}` : 'returned'}`);
      return { ms };
    });
  } else {
    await check('c gatherSync refused on the main thread', async () => {
      const { gatherSync, waitSync } = needPkg();
      if (!cw) throw Object.assign(new Error('not run: no c-mode worker'), { dependent: true });
      const f = cw.sleepThen(10, 1);
      for (const [name, run] of [['gatherSync', () => gatherSync([f])], ['waitSync', () => waitSync([f])]]) {
        let err = null;
        try { run(); } catch (e) { err = e; }
        assert(err instanceof TypeError, `${name} on the main thread: ${err ? `${err.name}: ${err.message}` : 'did not throw'}`);
        assert(/main thread/.test(err.message) && /Worker/.test(err.message), `${name}: unclear message "${err.message}"`);
      }
      same(await f, 1, 'the call still completes');
      return true;
    });
  }
  if (cw) await cw.stop();

  return { where, checks, ms: Math.round(performance.now() - t0) };
}
