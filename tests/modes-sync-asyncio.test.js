// Modes sync and asyncio: what a call gives, currentTask() (signal, progress,
// attempt), cancel and timeouts that fire the task's signal, argument
// unwrapping, backpressure and stop. The same tests run in both where they
// apply (tests/mode-matrix.js).
import {
  createWorker, wait, gather, SyncFuture, PromiseFuture, CancelledError, TimeoutError,
  QueueFullError, InvalidStateError,
} from '../bindings/index.js';
import { currentTask, transfer } from '../bindings/worker.js';
import { makeWorker, stopWorkers } from './mode-matrix.js';
import { sleep, deferred } from './helpers.js';

const LOCAL = ['sync', 'asyncio'];

afterAll(stopWorkers);

/** An object target that records what its tasks saw. */
function recorder() {
  const log = [];
  const target = {
    log,
    async hold(ms) {
      const t = currentTask();
      log.push('start');
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        t.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); });
      });
      log.push(t.signal.aborted ? `aborted:${t.signal.reason.name}` : 'finished');
      return 'held';
    },
    mark(x) { log.push(`ran:${x}`); return x; },
    raw(x) { return x; },
  };
  return target;
}

describe.each(LOCAL)('%s mode', (mode) => {
  test('results, errors (the same objects) and futures of the right kind', async () => {
    const w = await makeWorker(mode);
    const f = w.add(2, 3);
    if (mode === 'sync') {
      expect(f).toBeInstanceOf(SyncFuture);
      expect(f.done()).toBe(true);
      expect(f.uuid).toMatch(/^sync-future-/);
    } else {
      expect(f).toBeInstanceOf(PromiseFuture);
      expect(f.done()).toBe(false);
      expect(f.uuid).toMatch(/^promise-future-/);
    }
    expect(await f).toBe(5);
    const e = await w.failCustom('bad', 7).exception();
    expect(e.name).toBe('CustomError');
    expect(e.code).toBe(7);
    expect(e.cause).toBeInstanceOf(TypeError);
    const r = await w.fail('range', { extra: 1 }).exception();
    expect(r).toBeInstanceOf(RangeError);
    expect(r.extra).toBe(1);
    expect(await w.sleepThen(5, 'later')).toBe('later');
    await expect(w.sleepFail(2, 'async bad').result()).rejects.toThrow('async bad');
  });

  test('currentTask() works: attempt 1, a signal that has not fired', async () => {
    const w = await makeWorker(mode);
    expect(await w.taskInfo()).toEqual({ attempt: 1, aborted: false });
    expect(await w.attempt()).toBe(1);
  });

  test('progress reaches onProgress in order, always before the result', async () => {
    const w = await makeWorker(mode);
    for (const method of ['count', 'countSync']) {
      const events = [];
      const f = w.callWith({ onProgress: (v) => events.push(`p${v}`) }, method, 4);
      f.addDoneCallback(() => events.push('done'));
      const v = await f;
      events.push(`result ${v}`);
      expect(events).toEqual(['p1', 'p2', 'p3', 'p4', 'done', 'result 4']);
    }
  });

  test('progress after the task settled is dropped', async () => {
    let late;
    const w = await createWorker({
      quick() {
        const t = currentTask();
        late = () => t.progress('late');
        t.progress('early');
        return 1;
      },
    }, { mode });
    const got = [];
    await w.callWith({ onProgress: (v) => got.push(v) }, 'quick');
    late();
    expect(got).toEqual(['early']);
  });

  test('transfer() hands the value over as it is', async () => {
    const w = await makeWorker(mode);
    const b = await w.bytes(4);
    expect(b).toBeInstanceOf(Uint8Array);
    expect([...b]).toEqual([7, 7, 7, 7]);
  });

  test('cancel() of a running call cancels the future at once and fires the task signal', async () => {
    const t = recorder();
    const w = await createWorker(t, { mode });
    const f = w.hold(5000);
    await sleep(5);
    expect(f.done()).toBe(false);
    expect(f.cancel()).toBe(true);
    expect(f.cancelled()).toBe(true);
    await expect(f.result()).rejects.toBeInstanceOf(CancelledError);
    await expect(f.exception()).rejects.toBeInstanceOf(CancelledError);
    await sleep(1);
    expect(t.log).toEqual(['start', 'aborted:CancelledError']);
    expect(w.stats()).toMatchObject({ running: 0, queued: 0, failed: 1 });
    await w.whenIdle();
  });

  test('a timeout fails the future with TimeoutError and fires the task signal', async () => {
    const t = recorder();
    const w = await createWorker(t, { mode });
    const t0 = Date.now();
    const f = w.callWith({ timeout: 30 }, 'hold', 5000);
    const e = await f.exception();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.message).toMatch(/The call 'hold' did not complete within 30 ms/);
    expect(f.cancelled()).toBe(false);
    await sleep(1);
    expect(t.log).toEqual(['start', 'aborted:TimeoutError']);
    // A call that finishes in time is not affected by its timeout.
    expect(await w.callWith({ timeout: 1000 }, 'hold', 1)).toBe('held');
  });

  test('a timeout counts queue time: a call still waiting for its arguments is removed', async () => {
    const t = recorder();
    const w = await createWorker(t, { mode });
    const d = deferred();
    const f = w.callWith({ timeout: 20 }, 'mark', d.promise);
    expect(w.stats().queued).toBe(1);
    expect(await f.exception()).toBeInstanceOf(TimeoutError);
    d.resolve('x');
    await sleep(5);
    expect(t.log).toEqual([]); // never ran
    expect(w.stats()).toMatchObject({ queued: 0, running: 0 });
  });

  test("the caller's signal cancels the call; an already-aborted signal cancels it before it runs", async () => {
    const t = recorder();
    const w = await createWorker(t, { mode });
    const ac = new AbortController();
    const f = w.callWith({ signal: ac.signal }, 'hold', 5000);
    await sleep(2);
    ac.abort();
    expect(f.cancelled()).toBe(true);
    await sleep(1);
    expect(t.log).toEqual(['start', 'aborted:CancelledError']);
    const g = w.callWith({ signal: AbortSignal.abort() }, 'mark', 1);
    expect(g.cancelled()).toBe(true);
    await sleep(1);
    expect(t.log).not.toContain('ran:1');
  });

  test('futures among the arguments are awaited (nested too); unwrapFutures: false passes them as they are', async () => {
    const w = await makeWorker(mode);
    const a = w.add(1, 2);
    const out = await w.sum([a, Promise.resolve(4), sleep(3, 5)]);
    expect(out).toBe(12);
    const nested = await w.echo({ m: new Map([['k', Promise.resolve('v')]]), s: new Set([sleep(1, 's')]) });
    expect(nested.m.get('k')).toBe('v');
    expect([...nested.s]).toEqual(['s']);
    const raw = await createWorker(recorder(), { mode, unwrapFutures: false });
    const p = Promise.resolve(1);
    expect(await raw.raw(p)).toBe(1); // the Promise itself is the result, adopted by await
    const got = raw.raw([p]);
    expect((await got)[0]).toBe(p);
  });

  test('a failed argument future fails the call with its error; the function does not run', async () => {
    const t = recorder();
    const w = await createWorker(t, { mode });
    const err = new Error('arg failed');
    const f = w.mark({ x: Promise.reject(err) });
    expect(await f.exception()).toBe(err);
    expect(t.log).toEqual([]);
  });

  test('maxQueued: a call beyond it throws QueueFullError synchronously; whenAvailable() waits for room', async () => {
    const w = await createWorker(recorder(), { mode, maxQueued: 1 });
    const d = deferred();
    const first = w.mark(d.promise); // queued: waiting for its argument
    expect(w.stats().queued).toBe(1);
    expect(() => w.mark(d.promise)).toThrow(QueueFullError);
    try { w.mark(d.promise); } catch (e) { expect([e.maxQueued, e.queued]).toEqual([1, 1]); }
    let available = false;
    const wa = w.whenAvailable().then(() => { available = true; });
    await sleep(2);
    expect(available).toBe(false);
    d.resolve('go');
    await wa;
    expect(await first).toBe('go');
  });

  test('whenIdle() resolves once nothing is queued or running', async () => {
    const w = await makeWorker(mode);
    const fs = [w.sleepThen(5, 1), w.sleepThen(10, 2), w.add(1, 2)];
    await w.whenIdle();
    expect(fs.every((f) => f.done())).toBe(true);
    expect(w.stats()).toMatchObject({ running: 0, queued: 0, completed: 3, idle: 1 });
  });

  test('stop() drains running calls; stop({ force: true }) cancels them and fires their signals', async () => {
    const w = await makeWorker(mode);
    const f = w.sleepThen(10, 'drained');
    await w.stop();
    expect(f.resultNow()).toBe('drained');
    expect(() => w.add(1, 2)).toThrow(InvalidStateError);

    const t = recorder();
    const w2 = await createWorker(t, { mode });
    const g = w2.hold(5000);
    const d = deferred();
    const q = w2.mark(d.promise); // still waiting for its argument
    await sleep(2);
    await w2.stop({ force: true });
    expect(g.cancelled()).toBe(true);
    expect(q.cancelled()).toBe(true);
    d.resolve(1);
    await sleep(2);
    expect(t.log).toEqual(['start', 'aborted:CancelledError']);
    expect(w2.stats()).toMatchObject({ workers: 0, running: 0, queued: 0 });
  });

  test('a draining stop() escalates to force', async () => {
    const t = recorder();
    const w = await createWorker(t, { mode });
    const g = w.hold(5000);
    await sleep(2);
    const draining = w.stop();
    const forced = w.stop({ force: true });
    await Promise.all([draining, forced]);
    expect(g.cancelled()).toBe(true);
  });

  test('wait() and gather() over the futures of a worker', async () => {
    const w = await makeWorker(mode);
    const fs = [w.add(1, 1), w.sleepThen(5, 'x'), w.sleepFail(3, 'no')];
    const { done, notDone } = await wait(fs);
    expect(done.size).toBe(3);
    expect(notDone.size).toBe(0);
    expect(await gather(fs.slice(0, 2))).toEqual([2, 'x']);
    const all = await gather(fs, { returnExceptions: true });
    expect(all[2]).toBeInstanceOf(Error);
  });
});

describe('sync mode specifics', () => {
  test('the call runs at call time: a return or throw gives a done SyncFuture', async () => {
    const t = recorder();
    const w = await createWorker(t, { mode: 'sync' });
    const f = w.mark(1);
    expect(t.log).toEqual(['ran:1']);
    expect(f).toBeInstanceOf(SyncFuture);
    const e = new Error('thrown');
    const w2 = await createWorker({ boom() { throw e; } }, { mode: 'sync' });
    const g = w2.boom();
    expect(g.done()).toBe(true);
    expect(g.exceptionNow()).toBe(e);
  });

  test('a returned Promise gives a PromiseFuture; a done SyncFuture cannot be cancelled', async () => {
    const w = await makeWorker('sync');
    const f = w.sleepThen(2, 'p');
    expect(f).toBeInstanceOf(PromiseFuture);
    expect(await f).toBe('p');
    const g = w.add(1, 1);
    expect(g.cancel()).toBe(false);
    // A synchronous task has finished when call() returns: its timeout cannot apply.
    expect(w.callWith({ timeout: 0 }, 'add', 1, 1).resultNow()).toBe(2);
  });
});

describe('asyncio mode specifics', () => {
  test('the call runs on the event loop, after call() returns; cancel() before it starts removes it', async () => {
    const t = recorder();
    const w = await createWorker(t, { mode: 'asyncio' });
    const f = w.mark(1);
    expect(t.log).toEqual([]);
    expect(w.stats()).toMatchObject({ queued: 1, running: 0, idle: 0 });
    const g = w.mark(2);
    expect(g.cancel()).toBe(true);
    await f;
    await sleep(1);
    expect(t.log).toEqual(['ran:1']);
    expect(w.stats()).toMatchObject({ queued: 0, running: 0, completed: 1, failed: 1 });
  });

  test('currentTask() outside a task still throws after tasks ran', async () => {
    const w = await makeWorker('asyncio');
    await w.count(2);
    expect(() => currentTask()).toThrow(InvalidStateError);
    expect(transfer(1, [])).toBeDefined();
  });
});

test('sync mode: the timeout of a call returning a Promise counts its synchronous part', async () => {
  const w = await createWorker({
    slowStart(ms) {
      const end = Date.now() + ms;
      while (Date.now() < end) { /* the synchronous part */ }
      return new Promise((resolve) => setTimeout(() => resolve('late'), 40));
    },
  }, { mode: 'sync' });
  // 50 ms from the call ends it ~10 ms after the synchronous part, before the
  // promise settles (80 ms); counted from the end of the synchronous part it
  // would succeed.
  const e = await w.callWith({ timeout: 50 }, 'slowStart', 40).exception();
  expect(e).toBeInstanceOf(TimeoutError);
});
