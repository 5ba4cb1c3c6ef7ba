// Futures against the real wasm core: SyncFuture, PromiseFuture (CFuture: c-futures.test.js),
// ProbeFuture, wrapFuture's order, exactly-once callbacks, consistent errors.
import {
  BaseFuture, SyncFuture, PromiseFuture, ProbeFuture, wrapFuture, kFutureOf,
  CancelledError, TimeoutError, InvalidStateError, wait, ready,
} from '../bindings/index.js';
import { C } from '../bindings/core.js';
import { sleep, fail, deferred } from './helpers.js';

test('ready() resolves (the core loads at import)', async () => {
  await expect(ready()).resolves.toBeUndefined();
});

describe('wrapFuture order', () => {
  test('a BaseFuture is returned as is (idempotent)', () => {
    const f = new SyncFuture(1);
    expect(wrapFuture(f)).toBe(f);
    const p = wrapFuture(Promise.resolve(1));
    expect(wrapFuture(p)).toBe(p);
  });

  test('a worker handle gives its future', () => {
    const f = new SyncFuture('inner');
    const handle = { [kFutureOf]: f, then: () => { throw new Error('not used'); } };
    expect(wrapFuture(handle)).toBe(f);
    const lazy = { [kFutureOf]() { return f; } };
    expect(wrapFuture(lazy)).toBe(f);
  });

  test('a thenable becomes a PromiseFuture, anything else a SyncFuture', async () => {
    expect(wrapFuture(Promise.resolve(1))).toBeInstanceOf(PromiseFuture);
    const thenable = { then(res) { res(7); } };
    const t = wrapFuture(thenable);
    expect(t).toBeInstanceOf(PromiseFuture);
    await expect(t.result()).resolves.toBe(7);
    for (const v of [1, 'a', null, undefined, { a: 1 }, [1]]) {
      const s = wrapFuture(v);
      expect(s).toBeInstanceOf(SyncFuture);
      expect(s.resultNow()).toBe(v);
    }
  });

  test('uuid prefixes name the kind', () => {
    expect(new SyncFuture(1).uuid).toMatch(/^sync-future-/);
    expect(wrapFuture(Promise.resolve()).uuid).toMatch(/^promise-future-/);
    expect(new ProbeFuture(() => true).uuid).toMatch(/^probe-future-/);
    const a = new SyncFuture(1);
    const b = new SyncFuture(1);
    expect(a.uuid).not.toBe(b.uuid);
    expect(a.uuid).toBe(a.uuid);
  });
});

describe('SyncFuture', () => {
  test('done at creation, never cancellable', async () => {
    const f = new SyncFuture(5);
    expect(f.done()).toBe(true);
    expect(f.running()).toBe(false);
    expect(f.cancelled()).toBe(false);
    expect(f.cancel()).toBe(false);
    expect(f.resultNow()).toBe(5);
    expect(f.exceptionNow()).toBeNull();
    await expect(f.result()).resolves.toBe(5);
    await expect(f.result({ timeout: 0 })).resolves.toBe(5);
    await expect(f.exception()).resolves.toBeNull();
    expect(await f).toBe(5);
  });

  test('failed', async () => {
    const err = new Error('x');
    const f = SyncFuture.failed(err);
    expect(f.done()).toBe(true);
    expect(() => f.resultNow()).toThrow(err);
    expect(f.exceptionNow()).toBe(err);
    await expect(f.result()).rejects.toBe(err);
    await expect(f.exception()).resolves.toBe(err);
  });
});

describe('PromiseFuture (pure delegation to a C future)', () => {
  test('pending, then done with the value', async () => {
    const d = deferred();
    const f = new PromiseFuture(d.promise);
    expect(f.done()).toBe(false);
    expect(() => f.resultNow()).toThrow(InvalidStateError);
    expect(() => f.exceptionNow()).toThrow(InvalidStateError);
    d.resolve({ v: 1 });
    await expect(f.result()).resolves.toEqual({ v: 1 });
    expect(f.done()).toBe(true);
    expect(f.resultNow()).toEqual({ v: 1 });
    expect(f.exceptionNow()).toBeNull();
    // the state is the core's
    expect(C.cy_future_state(f._cptr())).toBe(3);
  });

  test('rejection: the original error, unwrapped', async () => {
    const err = new TypeError('bad');
    const f = wrapFuture(fail(1, err));
    await expect(f.result()).rejects.toBe(err);
    await expect(f.exception()).resolves.toBe(err);
    expect(f.exceptionNow()).toBe(err);
    expect(() => f.resultNow()).toThrow(err);
  });

  test('result() and exception() throw at once for bad options, naming them', () => {
    const f = wrapFuture(Promise.resolve(1));
    expect(() => f.result({ timeout: -1 })).toThrow(RangeError);
    expect(() => f.result({ timeout: NaN })).toThrow(/timeout/);
    expect(() => f.exception({ timeout: 'soon' })).toThrow(TypeError);
    expect(() => f.result({ timout: 5 })).toThrow(/timout/);
    expect(() => f.result(5)).toThrow(TypeError);
  });

  test('result({timeout}) rejects with TimeoutError and the future stays usable', async () => {
    const d = deferred();
    const f = wrapFuture(d.promise);
    const t0 = performance.now();
    await expect(f.result({ timeout: 20 })).rejects.toBeInstanceOf(TimeoutError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
    await expect(f.exception({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError);
    d.resolve(3);
    await expect(f.result({ timeout: 1000 })).resolves.toBe(3);
  });

  test('cancel: CancelledError, later settlement ignored, callbacks once', async () => {
    const d = deferred();
    const f = wrapFuture(d.promise);
    const seen = [];
    f.addDoneCallback((x) => seen.push(x));
    expect(f.cancel()).toBe(true);
    expect(f.cancelled()).toBe(true);
    expect(f.done()).toBe(true);
    expect(f.cancel()).toBe(true); // still cancelled
    expect(() => f.resultNow()).toThrow(CancelledError);
    expect(() => f.exceptionNow()).toThrow(CancelledError);
    await expect(f.result()).rejects.toBeInstanceOf(CancelledError);
    d.resolve(1);
    await sleep(5);
    expect(f.cancelled()).toBe(true);
    expect(seen).toEqual([f]);
  });

  test('cancel after done is false', async () => {
    const f = wrapFuture(Promise.resolve(1));
    await f.result();
    expect(f.cancel()).toBe(false);
    expect(f.cancelled()).toBe(false);
  });

  test('thenable: await gives the result', async () => {
    expect(await wrapFuture(sleep(2, 'ok'))).toBe('ok');
    await expect((async () => await wrapFuture(fail(1, new Error('e'))))()).rejects.toThrow('e');
  });

  test('a rejected promise never triggers unhandledRejection once wrapped', async () => {
    const seen = [];
    const h = (r) => seen.push(r);
    process.on('unhandledRejection', h);
    wrapFuture(Promise.reject(new Error('handled')));
    await sleep(10);
    process.off('unhandledRejection', h);
    expect(seen).toEqual([]);
  });
});

describe('addDoneCallback: exactly once, with the wrapper', () => {
  test('pending future: once, after completion', async () => {
    const d = deferred();
    const f = wrapFuture(d.promise);
    const calls = [];
    f.addDoneCallback((x) => calls.push(['a', x]));
    f.addDoneCallback((x) => calls.push(['b', x]));
    expect(calls).toEqual([]);
    d.resolve(1);
    d.resolve(2);
    await sleep(5);
    expect(calls).toEqual([['a', f], ['b', f]]);
    await sleep(5);
    expect(calls.length).toBe(2);
  });

  test('already done: called at once', async () => {
    const f = wrapFuture(Promise.resolve(1));
    await f;
    let n = 0;
    f.addDoneCallback((x) => { expect(x).toBe(f); n++; });
    expect(n).toBe(1);
    const s = new SyncFuture(2);
    s.addDoneCallback((x) => { expect(x).toBe(s); n++; });
    expect(n).toBe(2);
  });

  test('a throwing callback does not stop the others', async () => {
    const spy = jestSpyConsoleError();
    const f = wrapFuture(sleep(1));
    let ran = false;
    f.addDoneCallback(() => { throw new Error('cb'); });
    f.addDoneCallback(() => { ran = true; });
    await f;
    await sleep(2);
    expect(ran).toBe(true);
    spy.restore();
  });

  test('not a function: TypeError', () => {
    expect(() => new SyncFuture(1).addDoneCallback(5)).toThrow(TypeError);
    expect(() => wrapFuture(Promise.resolve()).addDoneCallback(null)).toThrow(TypeError);
  });

  test('10k futures, each callback once', async () => {
    const ds = Array.from({ length: 10000 }, () => deferred());
    const fs = ds.map((d) => wrapFuture(d.promise));
    const counts = new Map();
    for (const f of fs) f.addDoneCallback((x) => counts.set(x, (counts.get(x) || 0) + 1));
    ds.forEach((d, i) => (i % 2 ? d.resolve(i) : d.reject(new Error(String(i)))));
    await sleep(10);
    expect(counts.size).toBe(10000);
    for (const f of fs) expect(counts.get(f)).toBe(1);
  });
});

function jestSpyConsoleError() {
  const orig = console.error;
  console.error = () => {};
  return { restore() { console.error = orig; } };
}

describe('result() after wait() works without waiting (the original\'s invariant)', () => {
  test('resultNow and result({timeout: 0}) after wait', async () => {
    const fs = [sleep(3, 'a'), Promise.resolve('b'), 'c', fail(2, new Error('d'))].map(wrapFuture);
    const { done, notDone } = await wait(fs);
    expect(notDone.size).toBe(0);
    expect(done.size).toBe(4);
    expect(fs[0].resultNow()).toBe('a');
    expect(fs[1].resultNow()).toBe('b');
    expect(fs[2].resultNow()).toBe('c');
    expect(() => fs[3].resultNow()).toThrow('d');
    await expect(fs[0].result({ timeout: 0 })).resolves.toBe('a');
    await expect(fs[3].exception({ timeout: 0 })).resolves.toThrow('d');
  });
});

describe('ProbeFuture: probe-only work, paced by polling', () => {
  test('completes through probe rounds', async () => {
    let ready = false;
    let probes = 0;
    const f = new ProbeFuture(() => { probes++; return ready && { value: 'probed' }; });
    setTimeout(() => { ready = true; }, 20);
    await expect(f.result({ timeout: 2000 })).resolves.toBe('probed');
    expect(probes).toBeGreaterThan(1);
    expect(f.done()).toBe(true);
  });

  test('probe errors fail the future', async () => {
    const err = new Error('probe says no');
    const f = new ProbeFuture(() => ({ error: err }));
    await expect(f.result()).rejects.toBe(err);
    const g = new ProbeFuture(() => { throw err; });
    expect(g.done()).toBe(true);
    expect(g.exceptionNow()).toBe(err);
  });

  test('not a function: TypeError', () => {
    expect(() => new ProbeFuture(5)).toThrow(TypeError);
  });

  test('a probe that returns a Promise fails the future at its first call with a TypeError saying what a probe must return', async () => {
    let calls = 0;
    const f = new ProbeFuture(async () => { calls++; return { value: 1 }; });
    const e = await f.result().then(() => null, (x) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/probe returned a Promise.*falsy value while the work is pending, then \{ value \} or \{ error \}/);
    expect(calls).toBe(1);
    expect(f.done()).toBe(true);
    expect(calls).toBe(1);
    // A rejected promise from a probe is not an unhandled rejection, and done() asks the same way.
    const g = new ProbeFuture(() => Promise.reject(new Error('remote down')));
    expect(g.done()).toBe(true);
    expect(g.exceptionNow()).toBeInstanceOf(TypeError);
    const h = new ProbeFuture(() => ({ then() {} }));
    await expect(h.result()).rejects.toThrow(/probe returned a Promise/);
  });
});

test('wrappers of foreign work have no setResult/setException (CFuture: tests/c-futures.test.js)', () => {
  const fs = [new SyncFuture(1), wrapFuture(Promise.resolve()), new ProbeFuture(() => true)];
  for (const f of fs) {
    expect('setResult' in f).toBe(false);
    expect('setException' in f).toBe(false);
  }
});

test('a throwing done-callback breaks neither the other callbacks nor a wait on the future', async () => {
  const orig = console.error;
  console.error = () => {};
  try {
    const d = deferred();
    const f = wrapFuture(d.promise);
    let other = 0;
    f.addDoneCallback(() => { throw new Error('cb'); });
    f.addDoneCallback(() => { other++; });
    const w = wait([f], { timeout: 1000 });
    d.resolve(1);
    const { done } = await w;
    expect(done.has(f)).toBe(true);
    expect(other).toBe(1);
    await expect(f.result()).resolves.toBe(1);
  } finally {
    console.error = orig;
  }
});

test('BaseFuture is the common class', () => {
  for (const f of [new SyncFuture(1), wrapFuture(Promise.resolve()), new ProbeFuture(() => true)]) {
    expect(f).toBeInstanceOf(BaseFuture);
  }
});
