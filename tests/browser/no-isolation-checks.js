// The checks of a page that is NOT cross-origin isolated (no COOP/COEP, so no
// SharedArrayBuffer), run in tests/browser/no-isolation.html and in a module
// worker it starts (no-isolation-worker.js): the package loads its
// single-threaded core (dist/concurry-core-st.*) instead of failing at
// import, and keeps its API. Returns { where, checks: [{ name, ok, detail |
// error, ms }], ms }; never throws. Plain ES module, no build.

const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
const same = (got, want, what) => {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
  return got;
};
/** How soon a worker is free after its kernel was cancelled (it was cancelGraceMs, 1000 by default). */
const LIMIT_MS = 100;
/** The first time: a new worker loads the core (150-330 ms measured on a busy machine). */
const FIRST_LIMIT_MS = 800;
const wasmFetched = () => performance.getEntriesByType('resource')
  .map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm'));

/** @param {string} where 'page' or 'worker' */
export async function runNoIsolationChecks(where) {
  const t0 = performance.now();
  const checks = [];
  let pkg = null;
  const check = async (name, fn) => {
    const t = performance.now();
    try {
      const detail = await fn();
      checks.push({ name, ok: true, detail: detail === undefined ? null : detail, ms: Math.round(performance.now() - t) });
    } catch (e) {
      checks.push({ name, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), ms: Math.round(performance.now() - t) });
    }
  };
  const needPkg = () => { if (!pkg) throw new Error('not run: the package did not load'); return pkg; };

  await check('not cross-origin isolated', async () => {
    same([self.crossOriginIsolated, typeof SharedArrayBuffer], [false, 'undefined'], 'crossOriginIsolated, typeof SharedArrayBuffer');
  });

  await check('import loads the single-threaded core', async () => {
    pkg = await import('/bindings/index.js');
    const { singleThreaded, C } = await import('/bindings/core.js');
    assert(typeof singleThreaded === 'string' && /SharedArrayBuffer|cross-origin isolated/.test(singleThreaded),
      `core.js singleThreaded is ${JSON.stringify(singleThreaded)}`);
    same(C.cy_has_threads(), 0, 'cy_has_threads()');
    const wasm = wasmFetched();
    assert(wasm.includes('/dist/concurry-core-st.wasm') && !wasm.includes('/dist/concurry-core.wasm'),
      `expected a fetch of /dist/concurry-core-st.wasm only, saw ${JSON.stringify(wasm)}`);
    return { singleThreaded, wasm };
  });

  await check('Promise gather', async () => {
    const { gather, wait } = needPkg();
    const delay = (ms, v) => new Promise((r) => setTimeout(() => r(v), ms));
    same(await gather([delay(15, 'a'), Promise.resolve('b'), 3]), ['a', 'b', 3], 'gather array');
    same(await gather({ x: delay(5, 1), y: 2 }), { x: 1, y: 2 }, 'gather object');
    const { done, notDone } = await wait([delay(5), new Promise(() => {})], { returnWhen: 'FIRST_COMPLETED' });
    same([done.size, notDone.size], [1, 1], 'wait FIRST_COMPLETED');
    const e = await gather([1, new Promise(() => {})], { timeout: 20 }).catch((x) => x);
    assert(e instanceof pkg.TimeoutError && /1 of 2 completed/.test(e.message), `timeout: ${e}`);
  });

  await check('thread-mode gather', async () => {
    const { gather, createWorker } = needPkg();
    const w = await createWorker(new URL('/tests/browser/tasks.mjs', location.href), { mode: 'thread', maxWorkers: 2 });
    try {
      const fs = Array.from({ length: 8 }, (_, i) => w.add(i, 10));
      assert(fs[0].uuid.startsWith('thread-future-'), `uuid ${fs[0].uuid}`);
      same(await gather(fs), [10, 11, 12, 13, 14, 15, 16, 17], 'thread gather');
      const err = await w.failQuota('over', { limit: 3 }).exception();
      same([err.name, err.message, err.limit], ['QuotaError', 'over', 3], 'error across the boundary');
      const it = [];
      for await (const [k, v] of gather({ slow: w.sleepThen(80, 's'), fast: w.sleepThen(1, 'f') }, { iter: true })) it.push([k, v]);
      same(it.map(([k]) => k).sort(), ['fast', 'slow'], 'gather iter keys');
      const slow = w.sleepThen(10_000, 'never');
      await new Promise((r) => setTimeout(r, 30));
      same(slow.cancel(), true, 'cancel of a running call');
      same([slow.cancelled(), await slow.result().then(() => 'resolved', (x) => x.name)], [true, 'CancelledError'], 'cancelled call');
    } finally {
      await w.stop();
    }
  });

  await check('c mode runs the kernels on workers', async () => {
    const { gather, createWorker } = needPkg();
    const c = await createWorker('builtin', { mode: 'c', maxWorkers: 2 });
    try {
      const fs = [c.primes(0, 10000), c.add(2, 3)];
      assert(fs[0].uuid.startsWith('c-future-'), `uuid ${fs[0].uuid}`);
      same(await gather(fs), [1229, 5], 'c gather');
      // Not on this thread: its timers run while a kernel sleeps.
      let ticks = 0;
      const iv = setInterval(() => { ticks++; }, 5);
      same(await c.sleepThen(150, 9), 9, 'sleepThen kernel');
      clearInterval(iv);
      assert(ticks >= 5, `only ${ticks} timer ticks while a 150 ms kernel ran: it ran on this thread`);
      const px = await c.mandelbrot(16, 16, -2, -1.5, 1, 1.5, 100);
      same([px.constructor.name, px.length], ['Uint8Array', 256], 'mandelbrot output');
      return { ticks };
    } finally {
      await c.stop();
    }
  });

  // No shared memory reaches a kernel's worker, so a cancelled or timed-out
  // kernel cannot be told to stop: its worker is ended at once and replaced
  // (c-worker.js), not after cancelGraceMs (default 1000 ms), and the call
  // queued behind it runs on the replacement: the first time a new worker
  // (the time it takes to load the core), then the spare that stop started.
  await check('a cancelled C kernel frees its worker at once', async () => {
    const { createWorker } = needPkg();
    const c = await createWorker('builtin', { mode: 'c', maxWorkers: 1 });
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const cancelRunning = async () => {
      const f = c.spin(60_000);
      const behind = c.add(1, 2);
      const t0 = performance.now();
      while (!f.running()) {
        if (performance.now() - t0 > 5000) throw new Error('the kernel did not start in 5 s');
        await sleep(2);
      }
      await sleep(20);
      const t = performance.now();
      same(f.cancel(), true, 'cancel() of the running kernel');
      same(await behind, 3, 'the call queued behind it');
      return Math.round(performance.now() - t);
    };
    try {
      const firstMs = await cancelRunning();
      await sleep(1000); // the spare loads
      const g = c.callWith({ timeout: 50 }, 'spin', 60_000);
      same((await g.exception()).name, 'TimeoutError', 'the timed-out kernel');
      const t = performance.now();
      same(await c.add(2, 3), 5, 'the next call');
      const timeoutMs = Math.round(performance.now() - t);
      await sleep(1000);
      const cancelMs = await cancelRunning();
      same([c.stats().crashed, c.stats().workers], [0, 1], 'stats().crashed, workers');
      const times = `the next call ran ${firstMs} ms after the first cancel(), ${timeoutMs} ms after a timeout, ` +
        `${cancelMs} ms after another cancel()`;
      assert(firstMs < FIRST_LIMIT_MS && timeoutMs < LIMIT_MS && cancelMs < LIMIT_MS,
        `${times} (limits ${FIRST_LIMIT_MS}, ${LIMIT_MS}, ${LIMIT_MS} ms)`);
      return times;
    } finally {
      await c.stop();
    }
  });

  await check('gatherSync refused, saying why', async () => {
    const { gatherSync } = needPkg();
    let e = null;
    try { gatherSync([1, 2]); } catch (x) { e = x; }
    assert(e instanceof TypeError, `gatherSync did not throw a TypeError: ${e}`);
    assert(/single-threaded core.*(SharedArrayBuffer|cross-origin isolated)/.test(e.message), `message: ${e.message}`);
    return e.message;
  });

  return { where, checks, ms: Math.round(performance.now() - t0) };
}
