// wait(), future results and the waiter's scheduling under the loads and
// inputs of issue 6: many concurrent waits, timeout 0, aborted signals,
// signals that are not AbortSignals, throwing progress callbacks, option keys.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { wait, gather, wrapFuture, TimeoutError, PromiseFuture, SyncFuture } from '../bindings/index.js';
import { stats, activeCount } from '../bindings/waitset.js';
import { sleep, deferred } from './helpers.js';

const indexUrl = new URL('../bindings/index.js', import.meta.url).href;
const nextMacrotask = () => new Promise((r) => setImmediate(r));

describe('many concurrent waits: each completion polls only the waits over it', () => {
  // Counted, not timed: before, every settle scanned every active waiter
  // (N*(N+1)/2 looks for N single waits settling one per macrotask).
  const N = 2000;

  async function run(waitOn) {
    const ds = Array.from({ length: N }, () => deferred());
    const all = Promise.all(ds.map((d) => waitOn(d.promise)));
    await nextMacrotask();
    const before = stats.notified;
    for (let i = 0; i < N; i++) {
      ds[i].resolve(i);
      await nextMacrotask();
    }
    await all;
    return stats.notified - before;
  }

  test('wrapFuture(p).result()', async () => {
    const looked = await run((p) => wrapFuture(p).result());
    expect(looked).toBeLessThanOrEqual(2 * N);
  });

  test('wrapFuture(p).result({ timeout }) (a waitset each, as the deadline is the core\'s)', async () => {
    const looked = await run((p) => wrapFuture(p).result({ timeout: 1e7 }));
    expect(looked).toBeLessThanOrEqual(2 * N);
  });

  test('wait([p])', async () => {
    const looked = await run((p) => wait([p]));
    expect(looked).toBeLessThanOrEqual(2 * N);
  });

  test('several waits over one future are all told', async () => {
    const d = deferred();
    const f = wrapFuture(d.promise);
    const ws = [f.result(), f.result(), wait([f]), f.exception()];
    await nextMacrotask();
    d.resolve(7);
    const [a, b, w, e] = await Promise.all(ws);
    expect([a, b, w.done.has(f), e]).toEqual([7, 7, true, null]);
  });

  test('waits that time out leave nothing listed', async () => {
    const d = deferred();
    const f = wrapFuture(d.promise);
    for (let i = 0; i < 50; i++) await expect(f.result({ timeout: 0 })).rejects.toBeInstanceOf(TimeoutError);
    const late = f.result();
    d.resolve(1);
    await expect(late).resolves.toBe(1);
    await sleep(5);
    expect(activeCount()).toBe(0);
  });
});

describe('timeout 0: what is done at the first check (inputs settled at the call count)', () => {
  test('wait over a resolved promise, a value and a done future', async () => {
    const f = wrapFuture(Promise.resolve('f'));
    await f;
    const p = Promise.resolve(1);
    const { done, notDone } = await wait([p, 2, f], { timeout: 0 });
    expect(done.size).toBe(3);
    expect(notDone.size).toBe(0);
  });

  test('wait over a pending promise rejects "0 of 1 completed"', async () => {
    await expect(wait([new Promise(() => {})], { timeout: 0 })).rejects.toThrow(/0 of 1 completed/);
    await expect(wait([new Promise(() => {}), Promise.resolve(1)], { timeout: 0 })).rejects.toThrow(/1 of 2 completed/);
  });

  test('result() and exception() of a future over a resolved or rejected promise', async () => {
    await expect(wrapFuture(Promise.resolve(1)).result({ timeout: 0 })).resolves.toBe(1);
    await expect(wrapFuture(Promise.resolve(1)).exception({ timeout: 0 })).resolves.toBeNull();
    const boom = new Error('boom');
    await expect(wrapFuture(Promise.reject(boom)).result({ timeout: 0 })).rejects.toBe(boom);
    await expect(wrapFuture(Promise.reject(boom)).exception({ timeout: 0 })).resolves.toBe(boom);
  });

  test('result() of a pending future rejects "0 of 1 completed"', async () => {
    const f = wrapFuture(new Promise(() => {}));
    const err = await f.result({ timeout: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toMatch(/0 of 1 completed/);
    await expect(f.exception({ timeout: 0 })).rejects.toThrow(/0 of 1 completed/);
  });
});

describe('an aborted signal', () => {
  test('wait() observes every input before rejecting (a later rejection is handled)', () => {
    // In a child: an unhandled rejection ends the process with code 1.
    const src = `
      import { wait } from ${JSON.stringify(indexUrl)};
      const ac = new AbortController();
      ac.abort(new Error('stop'));
      const late = new Promise((_, rej) => setTimeout(() => rej(new Error('late')), 10));
      const now = Promise.reject(new Error('now'));
      await wait([late, now], { signal: ac.signal }).catch((e) => console.log('rejected:', e.message));
      await new Promise((r) => setTimeout(r, 50));
      console.log('alive');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8', timeout: 20000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('rejected: stop\nalive\n');
    expect(r.status).toBe(0);
  });

  test('a signal aborted after the call but before the first check rejects wait()', async () => {
    const ac = new AbortController();
    const w = wait([new Promise(() => {})], { signal: ac.signal });
    ac.abort(new Error('soon'));
    await expect(w).rejects.toThrow('soon');
    expect(activeCount()).toBe(0);
  });
});

describe('signals: what is used is validated, cleanup never leaves a wait pending', () => {
  const duck = (extra = {}) => ({ aborted: false, reason: undefined, addEventListener() {}, ...extra });

  test('a signal without removeEventListener is rejected at the call, naming the option', () => {
    expect(() => wait([1], { signal: duck() })).toThrow(/option 'signal'.*removeEventListener/);
    expect(() => gather([1], { signal: duck() })).toThrow(/option 'signal'.*removeEventListener/);
    expect(() => wait([1], { signal: { aborted: 'no', addEventListener() {}, removeEventListener() {} } })).toThrow(/'aborted'/);
    expect(() => wait([1], { signal: 5 })).toThrow(TypeError);
  });

  test('a duck-typed signal with every member works', async () => {
    const listeners = new Set();
    const sig = duck({
      addEventListener: (t, fn) => listeners.add(fn),
      removeEventListener: (t, fn) => listeners.delete(fn),
    });
    const d = deferred();
    const w = wait([d.promise], { signal: sig });
    await nextMacrotask();
    expect(listeners.size).toBe(1);
    d.resolve(1);
    await expect(w).resolves.toHaveProperty('done');
    expect(listeners.size).toBe(0);
  });

  test('a removeEventListener that throws rejects the wait with its error', async () => {
    const oops = new Error('cannot remove');
    const sig = duck({ removeEventListener() { throw oops; } });
    const d = deferred();
    const w = wait([d.promise], { signal: sig });
    await nextMacrotask();
    d.resolve(1);
    await expect(w).rejects.toBe(oops);
    expect(activeCount()).toBe(0);
  });

  test('an addEventListener that throws rejects the wait with its error', async () => {
    const oops = new Error('cannot add');
    const sig = duck({ addEventListener() { throw oops; }, removeEventListener() {} });
    await expect(wait([new Promise(() => {})], { signal: sig })).rejects.toBe(oops);
    expect(activeCount()).toBe(0);
  });
});

describe('a progress callback that throws', () => {
  const throwOn = (final) => {
    const err = new Error(final ? 'final report' : 'first report');
    return { err, cb: (r) => { if (r.final === final) throw err; } };
  };

  test('on the final report rejects wait() with its error', async () => {
    const { err, cb } = throwOn(true);
    await expect(wait([1, 2], { progress: cb })).rejects.toBe(err);
    const d = deferred();
    const w = wait([d.promise], { progress: cb });
    setTimeout(() => d.resolve(1), 5);
    await expect(w).rejects.toBe(err);
  });

  test('on the final report rejects gather() with its error', async () => {
    const { err, cb } = throwOn(true);
    await expect(gather([1, 2], { progress: cb })).rejects.toBe(err);
    const d = deferred();
    const g = gather([d.promise], { progress: cb });
    setTimeout(() => d.resolve(1), 5);
    await expect(g).rejects.toBe(err);
  });

  test('on a timeout\'s final report rejects with its error too', async () => {
    const { err, cb } = throwOn(true);
    await expect(wait([new Promise(() => {})], { progress: cb, timeout: 5 })).rejects.toBe(err);
  });

  test('on an earlier report still rejects (unchanged)', async () => {
    const { err, cb } = throwOn(false);
    const d = deferred();
    const w = wait([d.promise, sleep(5)], { progress: { callback: cb, miniters: 1 } });
    setTimeout(() => d.resolve(1), 1);
    await expect(w).rejects.toBe(err);
    await sleep(10);
    expect(activeCount()).toBe(0);
  });
});

describe('option keys and progress sub-options', () => {
  test('Symbol keys are rejected, naming the key', () => {
    const k = Symbol('timeoutt');
    expect(() => wait([1], { [k]: 5 })).toThrow(/Symbol\(timeoutt\)/);
    expect(() => gather([1], { [k]: 5 })).toThrow(/Symbol\(timeoutt\)/);
    expect(() => wrapFuture(1).result({ [k]: 5 })).toThrow(/Symbol\(timeoutt\)/);
    expect(() => wait([1], { progress: { [k]: 1 } })).toThrow(/progress.*Symbol\(timeoutt\)/);
  });

  test('width, ncols: positive integers; total: finite >= 0; stream: has write()', () => {
    const bad = [
      [{ width: 0 }, /progress\.width/], [{ width: 2.5 }, /progress\.width/], [{ width: '80' }, /progress\.width/],
      [{ ncols: -1 }, /progress\.ncols/],
      [{ total: -1 }, /progress\.total/], [{ total: Infinity }, /progress\.total/], [{ total: NaN }, /progress\.total/],
      [{ total: '10' }, /progress\.total/],
      [{ stream: {} }, /progress\.stream/], [{ stream: 'stderr' }, /progress\.stream/], [{ stream: null }, /progress\.stream/],
      [{ leave: 'yes' }, /progress\.leave/], [{ disable: 1 }, /progress\.disable/],
    ];
    for (const [progress, re] of bad) {
      expect(() => wait([1], { progress })).toThrow(re);
      expect(() => gather([1], { progress })).toThrow(re);
    }
    const good = { width: 40, ncols: 80, total: 0, stream: { write() {} }, leave: false, disable: true };
    expect(() => wait([1], { progress: good })).not.toThrow();
  });
});

describe('wait() for all, no deadline, no progress: promises watched as one group', () => {
  test('done holds a usable PromiseFuture per promise, with its value or reason', async () => {
    const boom = new Error('boom');
    const d = deferred();
    const pf = wrapFuture(sleep(3, 'pf'));
    const p = Promise.resolve(1);
    const w = wait([p, Promise.reject(boom), 7, pf, d.promise, p]);
    setTimeout(() => d.resolve('late'), 5);
    const { done, notDone } = await w;
    expect(notDone.size).toBe(0);
    expect(done.size).toBe(6); // the same promise twice: two futures, as wrapFuture gives
    const fs = [...done];
    expect(fs.filter((f) => f instanceof PromiseFuture)).toHaveLength(5);
    expect(fs.filter((f) => f instanceof SyncFuture)).toHaveLength(1);
    expect(done.has(pf)).toBe(true);
    const outcomes = fs.map((f) => (f.exceptionNow() === null ? f.resultNow() : f.exceptionNow()));
    expect(outcomes).toEqual([1, boom, 7, 'pf', 'late', 1]);
    for (const f of fs) {
      expect(f.done()).toBe(true);
      expect(f.cancelled()).toBe(false);
      expect(f.cancel()).toBe(false);
      expect(f.uuid).toMatch(/^(promise|sync)-future-/);
    }
    await expect(fs[0].result()).resolves.toBe(1);
    await expect(fs[1].result()).rejects.toBe(boom);
    await expect(fs[1].exception({ timeout: 0 })).resolves.toBe(boom);
    // They join later waits and gathers as done futures.
    await expect(gather(fs, { returnExceptions: true })).resolves.toEqual(outcomes);
    const again = await wait(fs, { timeout: 0 });
    expect(again.done.size).toBe(6);
    let called = 0;
    fs[0].addDoneCallback(() => { called++; });
    expect(called).toBe(1);
  });

  test('a single promise (one reaction, no Promise.all): fulfilled or rejected, alone or beside values', async () => {
    const boom = new Error('boom');
    for (const [input, expected] of [
      [[Promise.resolve(1)], [1]],
      [[Promise.reject(boom)], [boom]],
      [[Promise.reject(boom), 5], [boom, 5]],
      [[5, sleep(2, 'z')], [5, 'z']],
    ]) {
      const { done, notDone } = await wait(input);
      expect(notDone.size).toBe(0);
      expect([...done].map((f) => f.exceptionNow() ?? f.resultNow())).toEqual(expected);
    }
  });

  test('an abort ends it; inputs that reject later stay handled', async () => {
    const ac = new AbortController();
    const d = deferred();
    const w = wait([d.promise, Promise.resolve(1), new Promise(() => {})], { signal: ac.signal });
    await nextMacrotask();
    ac.abort(new Error('stop'));
    await expect(w).rejects.toThrow('stop');
    d.reject(new Error('late')); // handled by the group: no unhandled rejection
    await sleep(5);
    expect(activeCount()).toBe(0);
  });

  test('a promise still pending keeps it pending; its rejection ends it (all settled)', async () => {
    let settled = false;
    const d = deferred();
    const w = wait([Promise.resolve(1), d.promise]).then(() => { settled = true; });
    await sleep(10);
    expect(settled).toBe(false);
    d.reject(new Error('x'));
    await w;
    expect(settled).toBe(true);
  });
});

