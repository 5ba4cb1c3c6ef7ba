// wait() and gather() against the real wasm core: the seed's Testing
// Requirements (empty, single, mixed, large batches, every polling algorithm,
// dict/object, Map, iterator, returnExceptions, timeouts, progress), return-type
// consistency, validation, AbortSignal.
import {
  wait, gather, wrapFuture, SyncFuture, ProbeFuture, BaseFuture, ReturnWhen, PollingAlgorithm,
  PollingStrategy, FixedPollingStrategy, TimeoutError, CancelledError,
} from '../bindings/index.js';
import { activeCount } from '../bindings/waitset.js';
import { sleep, fail, deferred } from './helpers.js';

describe('edge cases', () => {
  test('empty collections', async () => {
    await expect(gather([])).resolves.toEqual([]);
    await expect(gather({})).resolves.toEqual({});
    const m = await gather(new Map());
    expect(m).toBeInstanceOf(Map);
    expect(m.size).toBe(0);
    await expect(gather(new Set())).resolves.toEqual([]);
    const { done, notDone } = await wait([]);
    expect(done.size + notDone.size).toBe(0);
    const it = gather([], { iter: true });
    const items = [];
    for await (const x of it) items.push(x);
    expect(items).toEqual([]);
  });

  test('single items', async () => {
    await expect(gather(sleep(2, 'x'))).resolves.toEqual(['x']);
    await expect(gather(5)).resolves.toEqual([5]);
    await expect(gather(new SyncFuture('s'))).resolves.toEqual(['s']);
    const { done } = await wait(sleep(1));
    expect(done.size).toBe(1);
    expect([...done][0]).toBeInstanceOf(BaseFuture);
  });

  test('mixed types: futures, promises and plain values', async () => {
    const f = wrapFuture(sleep(3, 'f'));
    const out = await gather([f, 42, sleep(1, 'p'), null, undefined, new SyncFuture('s'), { a: 1 }, Promise.resolve(0)]);
    expect(out).toEqual(['f', 42, 'p', null, undefined, 's', { a: 1 }, 0]);
  });

  test('variadic arguments and trailing options', async () => {
    await expect(gather(1, sleep(1, 2), 3)).resolves.toEqual([1, 2, 3]);
    await expect(gather(1, sleep(1, 2), { timeout: 1000 })).resolves.toEqual([1, 2]);
    const { done } = await wait(sleep(1), sleep(2), { timeout: 1000 });
    expect(done.size).toBe(2);
  });

  test('large batches: 10k promises, 10k values, 10k settling over macrotasks', async () => {
    const N = 10000;
    const ps = Array.from({ length: N }, (_, i) => Promise.resolve(i));
    const out = await gather(ps);
    expect(out.length).toBe(N);
    expect(out[N - 1]).toBe(N - 1);
    const vals = await gather(Array.from({ length: N }, (_, i) => i * 2));
    expect(vals[N - 1]).toBe((N - 1) * 2);
    const slow = Array.from({ length: N }, (_, i) => new Promise((r) => setTimeout(() => r(i), i % 20)));
    const { done, notDone } = await wait(slow, { timeout: 10000 });
    expect(done.size).toBe(N);
    expect(notDone.size).toBe(0);
  });
});

describe('return-type consistency', () => {
  test('object in, object out (same keys, same order)', async () => {
    const tasks = { t1: sleep(5, 1), t2: 2, t3: sleep(1, 3) };
    const r = await gather(tasks);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.keys(r)).toEqual(['t1', 't2', 't3']);
    expect(r).toEqual({ t1: 1, t2: 2, t3: 3 });
    const r2 = await gather({ a: sleep(1, 'A') }, { timeout: 1000 });
    expect(r2).toEqual({ a: 'A' });
  });

  test('Map in, Map out', async () => {
    const k = { id: 1 };
    const r = await gather(new Map([[k, sleep(2, 'obj')], ['s', 3]]));
    expect(r).toBeInstanceOf(Map);
    expect([...r.keys()]).toEqual([k, 's']);
    expect(r.get(k)).toBe('obj');
  });

  test('Set in, array out in input order', async () => {
    const a = sleep(5, 'a');
    const b = sleep(1, 'b');
    await expect(gather(new Set([a, b]))).resolves.toEqual(['a', 'b']);
  });

  test('wait on an object gives Sets of wrapped futures', async () => {
    const { done, notDone } = await wait({ x: sleep(1), y: 2 });
    expect(done).toBeInstanceOf(Set);
    expect(notDone).toBeInstanceOf(Set);
    for (const f of done) expect(f).toBeInstanceOf(BaseFuture);
  });

  test('iter yields [key, value] tuples', async () => {
    const items = [];
    for await (const item of gather({ a: sleep(10, 1), b: sleep(1, 2) }, { iter: true })) items.push(item);
    expect(items.every((x) => Array.isArray(x) && x.length === 2)).toBe(true);
    expect(items).toEqual([['b', 2], ['a', 1]]);
  });

  test('recurse keeps nested shapes', async () => {
    const r = await gather({ a: [sleep(2, 1), { b: sleep(1, 2) }], m: new Map([['k', sleep(1, 3)]]), v: 4 }, { recurse: true });
    expect(r.a[0]).toBe(1);
    expect(r.a[1]).toEqual({ b: 2 });
    expect(r.m.get('k')).toBe(3);
    expect(r.v).toBe(4);
    // without recurse, nested arrays are values
    const nested = [sleep(1, 1)];
    const plain = await gather([nested]);
    expect(plain[0]).toBe(nested);
    const { done } = await wait([[sleep(1)], sleep(2)], { recurse: true });
    expect(done.size).toBe(2);
  });
});

describe('iterator mode', () => {
  test('completion order with indices for arrays', async () => {
    const got = [];
    for await (const [i, v] of gather([sleep(30, 'slow'), sleep(1, 'fast'), 'now'], { iter: true })) got.push([i, v]);
    expect(got[0]).toEqual([2, 'now']);
    expect(got[got.length - 1]).toEqual([0, 'slow']);
    expect(got.length).toBe(3);
  });

  test('Map keys', async () => {
    const k = Symbol('k');
    const got = [];
    for await (const item of gather(new Map([[k, sleep(1, 1)]]), { iter: true })) got.push(item);
    expect(got).toEqual([[k, 1]]);
  });

  test('break releases the waitset', async () => {
    const before = activeCount();
    const d = deferred();
    const it = gather([sleep(1, 1), d.promise], { iter: true });
    expect(it[Symbol.asyncIterator]()).toBe(it);
    for await (const [i] of it) { expect(i).toBe(0); break; }
    expect(activeCount()).toBe(before);
    await expect(it.next()).resolves.toEqual({ value: undefined, done: true });
    d.resolve();
  });

  test('a failure rejects next() unless returnExceptions', async () => {
    const err = new Error('it failed');
    const it = gather([sleep(1, 1), fail(5, err)], { iter: true });
    await expect(it.next()).resolves.toEqual({ value: [0, 1], done: false });
    await expect(it.next()).rejects.toBe(err);
    await expect(it.next()).resolves.toEqual({ value: undefined, done: true });
    const items = [];
    for await (const x of gather([fail(1, err), 2], { iter: true, returnExceptions: true })) items.push(x);
    expect(items).toContainEqual([0, err]);
    expect(items).toContainEqual([1, 2]);
  });

  test('timeout: items first, then TimeoutError', async () => {
    const d = deferred();
    const it = gather([1, d.promise], { iter: true, timeout: 20 });
    await expect(it.next()).resolves.toEqual({ value: [0, 1], done: false });
    const e = await it.next().catch((x) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.message).toMatch(/1 of 2 completed/);
    d.resolve();
  });

  test('recurse groups yield whole entries', async () => {
    const got = [];
    for await (const item of gather({ a: [sleep(5, 1), sleep(1, 2)], b: sleep(1, 3), c: [] }, { iter: true, recurse: true })) got.push(item);
    expect(got).toContainEqual(['a', [1, 2]]);
    expect(got).toContainEqual(['b', 3]);
    expect(got[0]).toEqual(['c', []]);
  });
});

describe('returnExceptions and failures', () => {
  test('returnExceptions: errors become values in place', async () => {
    const e1 = new Error('1');
    const r = await gather([fail(2, e1), sleep(1, 'ok'), Promise.reject(e1)], { returnExceptions: true });
    expect(r[0]).toBe(e1);
    expect(r[1]).toBe('ok');
    expect(r[2]).toBe(e1);
    const o = await gather({ a: fail(1, e1), b: 1 }, { returnExceptions: true });
    expect(o).toEqual({ a: e1, b: 1 });
  });

  test('without returnExceptions: rejects with the first failure, as soon as it happens', async () => {
    const early = new Error('early');
    const d = deferred();
    const t0 = performance.now();
    await expect(gather([d.promise, fail(5, early), fail(40, new Error('late'))])).rejects.toBe(early);
    expect(performance.now() - t0).toBeLessThan(35);
    d.resolve();
  });

  test('cancelled futures give CancelledError', async () => {
    const f = wrapFuture(deferred().promise);
    f.cancel();
    await expect(gather([f])).rejects.toBeInstanceOf(CancelledError);
    const r = await gather([f, 1], { returnExceptions: true });
    expect(r[0]).toBeInstanceOf(CancelledError);
  });
});

describe('wait: return conditions', () => {
  test('ALL_COMPLETED (default)', async () => {
    const fs = [sleep(5), sleep(1), 3].map(wrapFuture);
    const { done, notDone } = await wait(fs);
    expect(done.size).toBe(3);
    expect(notDone.size).toBe(0);
  });

  test('FIRST_COMPLETED', async () => {
    const slow = deferred();
    const fast = wrapFuture(sleep(2, 'fast'));
    const { done, notDone } = await wait([slow.promise, fast], { returnWhen: ReturnWhen.FIRST_COMPLETED });
    expect(done.has(fast)).toBe(true);
    expect(notDone.size).toBe(1);
    slow.resolve();
  });

  test('FIRST_EXCEPTION returns on a failure, or when all are done', async () => {
    const slow = deferred();
    const bad = wrapFuture(fail(2, new Error('x')));
    const r = await wait([slow.promise, bad], { returnWhen: 'first_exception' });
    expect(r.done.has(bad)).toBe(true);
    expect(r.notDone.size).toBe(1);
    slow.resolve();
    const r2 = await wait([sleep(1), sleep(2)], { returnWhen: 'FIRST_EXCEPTION', timeout: 1000 });
    expect(r2.done.size).toBe(2);
  });
});

describe('timeouts', () => {
  test('wait and gather reject with TimeoutError "k of n completed"; futures stay usable', async () => {
    const d = deferred();
    const f = wrapFuture(d.promise);
    const g = wrapFuture(sleep(1, 'g'));
    const e = await wait([f, g], { timeout: 30 }).catch((x) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.message).toMatch(/1 of 2 completed/);
    expect(e.completed).toBe(1);
    expect(e.total).toBe(2);
    const e2 = await gather([f, g], { timeout: 10 }).catch((x) => x);
    expect(e2).toBeInstanceOf(TimeoutError);
    expect(e2.message).toMatch(/gather\(\).*1 of 2 completed/);
    d.resolve('late');
    await expect(gather([f, g])).resolves.toEqual(['late', 'g']);
    expect(f.resultNow()).toBe('late');
  });

  test('gather of raw promises (grouped): the timeout counts every promise settled by the deadline', async () => {
    const never = deferred();
    const later = deferred();
    const ps = [Promise.resolve(1), sleep(2, 2), never.promise, 4, sleep(1, 5), later.promise];
    const e = await gather(ps, { timeout: 40 }).catch((x) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.message).toMatch(/4 of 6 completed/);
    expect(e.completed).toBe(4);
    // the same promises, once settled, gather fine
    never.resolve(3);
    later.resolve(6);
    await expect(gather(ps)).resolves.toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('gather of raw promises (grouped): a rejection wins over pending and fulfilled ones', async () => {
    const never = deferred();
    const err = new Error('second');
    const ps = [sleep(1, 'a'), never.promise, fail(5, err), Promise.resolve('d')];
    await expect(gather(ps)).rejects.toBe(err);
    // settled rejection before the waitset exists
    const early = new Error('early');
    const rejected = Promise.reject(early);
    await expect(gather([1, rejected, never.promise])).rejects.toBe(early);
    never.resolve();
  });

  test('gather of raw promises (grouped) mixed with values and futures keeps input order', async () => {
    const f = wrapFuture(sleep(2, 'f'));
    const ps = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? Promise.resolve(i) : i % 3 === 1 ? i : sleep(i % 4, i)));
    ps.splice(150, 0, f);
    const out = await gather(ps);
    const want = Array.from({ length: 300 }, (_, i) => i);
    want.splice(150, 0, 'f');
    expect(out).toEqual(want);
  });

  test('timeout 0 on done futures resolves; on pending ones rejects', async () => {
    await expect(gather([1, 2], { timeout: 0 })).resolves.toEqual([1, 2]);
    const d = deferred();
    await expect(gather([d.promise], { timeout: 0 })).rejects.toBeInstanceOf(TimeoutError);
    d.resolve();
  });

  test('no timer while every pending future can notify', async () => {
    const d = deferred();
    const spy = jestTimerSpy();
    const p = wait([d.promise]);
    await sleep(20);
    const pollTimers = spy.count();
    spy.restore();
    d.resolve();
    await p;
    expect(pollTimers).toBe(0);
  });
});

function jestTimerSpy() {
  const orig = globalThis.setTimeout;
  let n = 0;
  globalThis.setTimeout = function (fn, ms, ...rest) {
    // count only timers set by the bindings (helpers use sleep(), which we let through)
    if (rest.length === 1 && rest[0] && typeof rest[0] === 'object' && 'ws' in rest[0]) n++;
    return orig.call(this, fn, ms, ...rest);
  };
  return { count: () => n, restore() { globalThis.setTimeout = orig; } };
}

describe('polling algorithms (probe-only futures)', () => {
  const names = [...Object.values(PollingAlgorithm), 'FIXED', 'Adaptive'];
  for (const name of names) {
    test(`polling: '${name}'`, async () => {
      let ready = false;
      setTimeout(() => { ready = true; }, 15);
      const f = new ProbeFuture(() => ready && { value: name });
      const r = await gather([f, sleep(1, 'p')], { polling: name, timeout: 5000 });
      expect(r).toEqual([name, 'p']);
    });
  }

  test('polling: a strategy instance (built-in and custom)', async () => {
    let ready = false;
    setTimeout(() => { ready = true; }, 10);
    const f = new ProbeFuture(() => ready && { value: 1 });
    const { done } = await wait([f], { polling: new FixedPollingStrategy({ interval: 2 }), timeout: 5000 });
    expect(done.size).toBe(1);
    class Every3ms extends PollingStrategy {
      constructor() { super(); this.calls = 0; }
      nextInterval() { this.calls++; return 3; }
      recordCompletion() {}
      recordNoCompletion() {}
      reset() {}
    }
    const s = new Every3ms();
    let ok = false;
    setTimeout(() => { ok = true; }, 15);
    const g = new ProbeFuture(() => ok && { value: 2 });
    await expect(gather([g], { polling: s, timeout: 5000 })).resolves.toEqual([2]);
    expect(s.calls).toBeGreaterThan(1);
  });

  test('probe-only futures time out too', async () => {
    const f = new ProbeFuture(() => false);
    await expect(wait([f], { timeout: 20, polling: 'fixed' })).rejects.toBeInstanceOf(TimeoutError);
    expect(f.done()).toBe(false);
  });
});

describe('progress callback', () => {
  test('reports {completed, failed, total, elapsedMs}; final report before settling', async () => {
    const reports = [];
    const out = await gather([sleep(1, 1), sleep(5, 2), fail(3, new Error('x')), 4], {
      progress: (r) => reports.push(r), returnExceptions: true,
    });
    expect(out.length).toBe(4);
    expect(reports.length).toBeGreaterThan(0);
    const last = reports[reports.length - 1];
    expect(last).toEqual({ completed: 4, failed: 1, total: 4, elapsedMs: expect.any(Number), final: true });
    expect(reports.filter((r) => r.final).length).toBe(1);
    for (let i = 1; i < reports.length; i++) expect(reports[i].completed).toBeGreaterThanOrEqual(reports[i - 1].completed);
  });

  test('miniters (object form) lowers the cadence', async () => {
    const reports = [];
    await wait(Array.from({ length: 100 }, (_, i) => sleep(i % 5)), { progress: { miniters: 50, callback: (r) => reports.push(r) } });
    expect(reports.length).toBeLessThanOrEqual(4);
    expect(reports[reports.length - 1].completed).toBe(100);
  });

  test('true and bar options are accepted', async () => {
    await expect(gather([sleep(1, 1)], { progress: true })).resolves.toEqual([1]);
    await expect(gather([sleep(1, 1)], { progress: { desc: 'jobs', unit: 'job' } })).resolves.toEqual([1]);
  });

  test('a throwing progress callback rejects the wait', async () => {
    const err = new Error('progress failed');
    await expect(gather([sleep(2, 1)], { progress: () => { throw err; } })).rejects.toBe(err);
  });
});

describe('AbortSignal', () => {
  test('already aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(wait([sleep(1)], { signal: ac.signal })).rejects.toThrow('stop');
    await expect(gather([sleep(1)], { signal: ac.signal })).rejects.toThrow('stop');
    const it = gather([sleep(1)], { iter: true, signal: ac.signal });
    await expect(it.next()).rejects.toThrow('stop');
  });

  test('aborting mid-wait rejects with the reason; futures stay usable', async () => {
    const ac = new AbortController();
    const d = deferred();
    const f = wrapFuture(d.promise);
    const p = wait([f], { signal: ac.signal });
    const g = gather([f], { signal: ac.signal });
    const it = gather([f], { iter: true, signal: ac.signal });
    const n = it.next();
    setTimeout(() => ac.abort(), 5);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    await expect(g).rejects.toMatchObject({ name: 'AbortError' });
    await expect(n).rejects.toMatchObject({ name: 'AbortError' });
    d.resolve(9);
    await expect(f.result()).resolves.toBe(9);
  });
});

describe('validation errors (thrown synchronously)', () => {
  test('Cannot provide both', () => {
    expect(() => gather([1, 2], 3)).toThrow(TypeError);
    expect(() => wait([1], sleep(1))).toThrow(/Cannot provide both/);
  });

  test('unknown option names the key', () => {
    expect(() => gather([1], { timout: 1 })).toThrow(/'timout'/);
    expect(() => gather({ a: 1 }, { b: 2 })).toThrow(/'b'/);
    expect(() => wait([1], { returnExceptions: true })).toThrow(/'returnExceptions'/);
  });

  test('timeout rules', () => {
    expect(() => gather([1], { timeout: -5 })).toThrow(RangeError);
    expect(() => wait([1], { timeout: 'soon' })).toThrow(TypeError);
    expect(() => wait([1], { timeout: NaN })).toThrow(/timeout/);
  });

  test('no arguments', () => {
    expect(() => gather()).toThrow(TypeError);
    expect(() => wait()).toThrow(TypeError);
  });
});

describe('thenables', () => {
  test('gather adopts a thenable once: its then() is called once (lazy thenables run their work once)', async () => {
    let calls = 0;
    const lazy = () => ({ then(res) { calls++; res('ran'); } });
    await expect(gather([lazy(), 1])).resolves.toEqual(['ran', 1]);
    expect(calls).toBe(1);
    calls = 0;
    await expect(gather([lazy(), sleep(1, 2)], { returnExceptions: true })).resolves.toEqual(['ran', 2]);
    expect(calls).toBe(1);
    calls = 0;
    await expect(gather({ a: lazy() })).resolves.toEqual({ a: 'ran' });
    expect(calls).toBe(1);
  });

  test('a plain-object thenable alone is a single future, not dict input', async () => {
    const t = { then(res) { res(5); } };
    await expect(gather(t)).resolves.toEqual([5]);
    const { done } = await wait(t);
    expect(done.size).toBe(1);
    expect([...done][0].resultNow()).toBe(5);
    await expect(gather(1, { then(res) { res(2); } })).resolves.toEqual([1, 2]);
    await expect(gather({ a: [t] }, { recurse: true })).resolves.toEqual({ a: [5] });
  });
});

describe('dict keys', () => {
  test('a key named __proto__ and symbol keys come back', async () => {
    const sym = Symbol('s');
    const input = JSON.parse('{"__proto__": 1, "a": 2}');
    input[sym] = sleep(1, 3);
    const out = await gather(input);
    expect(Reflect.ownKeys(out)).toEqual(['__proto__', 'a', sym]);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__').value).toBe(1);
    expect(out[sym]).toBe(3);
    const keys = [];
    for await (const [k] of gather(input, { iter: true })) keys.push(k);
    expect(new Set(keys)).toEqual(new Set(['__proto__', 'a', sym]));
  });
});

describe('iterator: order, cost, release', () => {
  test('a failure completing in the same batch as earlier successes comes after them', async () => {
    const err = new Error('second');
    const got = [];
    try {
      for await (const item of gather([Promise.resolve(1), Promise.reject(err), Promise.resolve(3)], { iter: true })) got.push(item);
    } catch (e) {
      got.push(e);
    }
    expect(got).toEqual([[0, 1], err]);
  });

  test('taking many pairs costs O(1) each (100k values well under a second)', async () => {
    const N = 100000;
    const t0 = performance.now();
    let k = 0;
    for await (const _ of gather(Array.from({ length: N }, (_, i) => i), { iter: true })) k++;
    expect(k).toBe(N);
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  /**
   * Runs dropIterators() (which makes iterators and drops them), then settle(),
   * then collects garbage until a waitset is freed; returns how many were.
   */
  async function waitsetsFreedAfterDropping(dropIterators, settle = () => {}) {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const { C } = await import('../bindings/core.js');
    const orig = C.cy_waitset_free;
    let freed = 0;
    C.cy_waitset_free = (ws) => { freed++; return orig(ws); };
    try {
      await dropIterators();
      settle();
      await sleep(5);
      for (let i = 0; i < 20 && freed === 0; i++) { gc(); await sleep(10); }
      return freed;
    } finally {
      C.cy_waitset_free = orig;
    }
  }

  test('an iterator dropped unfinished frees its waitset once collected', async () => {
    const ds = [];
    const freed = await waitsetsFreedAfterDropping(async () => {
      for (let i = 0; i < 20; i++) {
        const d = deferred();
        ds.push(d);
        const it = gather([1, d.promise], { iter: true, progress: () => {} });
        await it.next(); // take one, then drop the iterator
      }
    }, () => { for (const d of ds) d.resolve(); });
    expect(freed).toBeGreaterThan(0);
  });

  test('code awaiting an iterator is not collected with it (nothing else holds either)', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    let finished = 0;
    for (let i = 0; i < 5; i++) {
      // Not awaited, not kept: only the iterator's pending next() can resume it.
      (async () => {
        const got = [];
        for await (const [k] of gather({ a: sleep(40, 'a'), b: sleep(70, 'b') }, { iter: true })) got.push(k);
        if (got.join() === 'a,b') finished++;
      })();
    }
    for (let i = 0; i < 12; i++) { gc(); await sleep(10); }
    expect(finished).toBe(5);
  });

  test('an iterator dropped over promises that never settle, with a live signal, is freed too', async () => {
    const ac = new AbortController(); // outlives the iterators
    const never = deferred(); // never settles, and stays reachable here
    const freed = await waitsetsFreedAfterDropping(async () => {
      for (let i = 0; i < 20; i++) {
        const it = gather([1, never.promise], { iter: true, signal: ac.signal });
        await it.next(); // take one, then drop the iterator
      }
    });
    expect(freed).toBeGreaterThan(0);
  });
});

describe('long timeouts', () => {
  test('a timeout beyond the timer limit (2^31-1 ms) does not poll every millisecond', async () => {
    const orig = globalThis.setTimeout;
    const delays = [];
    globalThis.setTimeout = function (fn, ms, ...rest) {
      if (rest.length === 1 && rest[0] && typeof rest[0] === 'object' && 'ws' in rest[0]) delays.push(ms);
      return orig.call(this, fn, ms, ...rest);
    };
    const d = deferred();
    let p;
    try {
      p = wait([d.promise], { timeout: 1e10 });
      await sleep(30);
    } finally {
      globalThis.setTimeout = orig;
    }
    d.resolve();
    await expect(p).resolves.toMatchObject({ notDone: new Set() });
    expect(delays.length).toBeLessThanOrEqual(2);
    for (const ms of delays) expect(ms).toBeLessThanOrEqual(0x7fffffff);
  });
});

describe('abort and progress', () => {
  test('an abort still delivers the final progress report before the wait settles', async () => {
    for (const run of [
      (o) => wait([sleep(1), deferred().promise], o),
      (o) => gather([sleep(1), deferred().promise], o),
    ]) {
      const ac = new AbortController();
      const reports = [];
      const p = run({ signal: ac.signal, progress: (r) => reports.push(r) });
      await sleep(10);
      ac.abort();
      await expect(p).rejects.toMatchObject({ name: 'AbortError' });
      const finals = reports.filter((r) => r.final);
      expect(finals.length).toBe(1);
      expect(finals[0]).toMatchObject({ completed: 1, total: 2 });
    }
  });

  test('an abort in the same tick as gather() too', async () => {
    const ac = new AbortController();
    const reports = [];
    const p = gather([1, Promise.resolve(2), deferred().promise], { signal: ac.signal, progress: (r) => reports.push(r) });
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    const finals = reports.filter((r) => r.final);
    expect(finals.length).toBe(1);
    expect(finals[0]).toMatchObject({ total: 3, final: true });
    expect(finals[0].completed).toBeGreaterThanOrEqual(1); // the plain value at least
  });
});

describe('a BaseFuture subclass missing the core-facing methods', () => {
  class Bare extends BaseFuture {}
  // _state and _cptr delegate; _outcome is missing
  class NoOutcome extends BaseFuture {
    constructor(p) { super(); this.inner = wrapFuture(p); }
    _state() { return this.inner._state(); }
    _cptr() { return this.inner._cptr(); }
  }

  test('wait throws a TypeError that says what to implement or use', () => {
    expect(() => wait([new Bare()])).toThrow(TypeError);
    expect(() => wait([new Bare()])).toThrow(/_cptr\(\).*ProbeFuture/);
  });

  test('gather rejects (never an uncaught error in a microtask, which ends the process)', async () => {
    await expect(gather([new Bare()])).rejects.toThrow(TypeError);
    await expect(gather([new Bare(), sleep(2)])).rejects.toThrow(/BaseFuture subclass/);
    await expect(gather([new NoOutcome(sleep(2, 1))])).rejects.toThrow(/_outcome/);
    const it = gather([new NoOutcome(sleep(2, 1))], { iter: true });
    await expect(it.next()).rejects.toThrow(/_outcome/);
  });
});

test('no waits are left behind', async () => {
  await sleep(20);
  expect(activeCount()).toBe(0);
});
