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

/** @param {string} where 'page' or 'worker' */
export async function runChecks(where) {
  const t0 = performance.now();
  const checks = [];
  let pkg = null;
  const check = async (name, fn) => {
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

  return { where, checks, ms: Math.round(performance.now() - t0) };
}
