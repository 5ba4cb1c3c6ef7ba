// wait() over futures that real workers make, in every mode (sync, asyncio,
// thread, process and c; tests/matrix-modes.js): ALL_COMPLETED,
// FIRST_COMPLETED, FIRST_EXCEPTION (also with no failure), timeouts ("k of n
// completed", futures usable afterwards), the abort signal, the progress
// callback, every polling algorithm, a batch of 1000 calls; the future API on worker futures (result, exception, resultNow,
// exceptionNow, addDoneCallback exactly once); errors across the boundary.
import {
  wait, gather, TimeoutError, InvalidStateError, ReturnWhen, PollingAlgorithm, FixedPollingStrategy,
} from '../bindings/index.js';
import { MATRIX, workerFor, stopMatrixWorkers, ops } from './matrix-modes.js';

afterAll(stopMatrixWorkers);

const tick = () => new Promise((r) => setTimeout(r, 5));

describe.each(MATRIX)('%s mode', (mode) => {
  let w; let o;
  beforeAll(async () => {
    w = await workerFor(mode);
    o = ops(mode, w);
  });

  test('ALL_COMPLETED: every future done, successes and failures alike', async () => {
    const fs = [o.ok(20, 1), o.ok(1, 2), o.bad(5, 3), o.add(2, 2)];
    const { done, notDone } = await wait(fs);
    expect(done.size).toBe(4);
    expect(notDone.size).toBe(0);
    for (const f of fs) expect(done.has(f)).toBe(true);
    expect(fs[0].resultNow()).toBe(1);
    expect(o.isBad(fs[2].exceptionNow(), 3)).toBe(true);
    expect(fs[3].resultNow()).toBe(4);
    // Object and Map inputs: done/notDone hold the futures.
    const a = o.ok(1, 1);
    const r = await wait({ a, b: o.ok(5, 2) }, { returnWhen: ReturnWhen.ALL_COMPLETED });
    expect(r.done.has(a)).toBe(true);
    expect(r.done.size).toBe(2);
  });

  test('FIRST_COMPLETED returns with the first done; the rest stay usable', async () => {
    const slow = o.ok(400, 1);
    const fast = o.ok(1, 2);
    const { done, notDone } = await wait([slow, fast], { returnWhen: 'FIRST_COMPLETED' });
    expect(done.has(fast)).toBe(true);
    expect(notDone.has(slow)).toBe(true);
    expect(slow.done()).toBe(false);
    expect(await slow).toBe(1);
  });

  test('FIRST_EXCEPTION returns at the first failure; with none, once all are done', async () => {
    const slow = o.ok(400, 1);
    const failing = o.bad(1, 5);
    const r = await wait([slow, failing], { returnWhen: 'first_exception' });
    expect(r.done.has(failing)).toBe(true);
    expect(r.notDone.has(slow)).toBe(true);
    expect(o.isBad(await failing.exception(), 5)).toBe(true);
    await slow;
    const a = o.ok(30, 1);
    const b = o.ok(1, 2);
    const all = await wait([a, b, o.add(1, 1)], { returnWhen: 'FIRST_EXCEPTION' });
    expect(all.done.size).toBe(3);
    expect(all.notDone.size).toBe(0);
    expect(a.resultNow()).toBe(1);
  });

  test('a timeout rejects with TimeoutError saying k of n completed; the futures stay usable', async () => {
    const fast = o.ok(1, 1);
    const slow = o.ok(700, 2);
    const e = await wait([fast, slow, 3], { timeout: 250 }).then(() => null, (x) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.message).toMatch(/2 of 3 completed/);
    expect(e.completed).toBe(2);
    expect(e.total).toBe(3);
    expect(fast.resultNow()).toBe(1);
    expect(() => slow.resultNow()).toThrow(InvalidStateError);
    const { done } = await wait([fast, slow]);
    expect(done.size).toBe(2);
    expect(slow.resultNow()).toBe(2);
    // FIRST_COMPLETED with a timeout that passes: 0 of 1.
    const slow2 = o.ok(400, 3);
    await expect(wait([slow2], { returnWhen: 'FIRST_COMPLETED', timeout: 30 })).rejects.toThrow(/0 of 1 completed/);
    expect(await slow2).toBe(3);
  });

  test('an aborted signal rejects wait with its reason; the futures stay usable', async () => {
    const ac = new AbortController();
    const slow = o.ok(300, 1);
    const p = wait([slow], { signal: ac.signal });
    setTimeout(() => ac.abort(new RangeError('user stop')), 20);
    const e = await p.then(() => null, (x) => x);
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('user stop');
    expect(await slow.result()).toBe(1);
  });

  test('progress: the final report comes once, before wait settles', async () => {
    const reports = [];
    let settled = false;
    await wait([o.ok(10, 1), o.bad(1, 2), o.add(1, 1)], {
      progress: (r) => { expect(settled).toBe(false); reports.push({ ...r }); },
    }).finally(() => { settled = true; });
    const finals = reports.filter((r) => r.final);
    expect(finals.length).toBe(1);
    expect(reports[reports.length - 1]).toMatchObject({ completed: 3, failed: 1, total: 3, final: true });
  });

  test('every polling algorithm (by name and as a strategy instance) waits for worker futures', async () => {
    for (const polling of [...Object.values(PollingAlgorithm), new FixedPollingStrategy({ interval: 2 })]) {
      const fs = [o.ok(15, 1), o.add(1, 1)];
      await expect(gather(fs, { polling, timeout: 10000 })).resolves.toEqual([1, 2]);
      const { done } = await wait([o.ok(5, 3), o.bad(1, 4)], { polling, timeout: 10000 });
      expect(done.size).toBe(2);
    }
  });

  test('a batch of 1000 calls: gather keeps input order, wait sees them all done', async () => {
    const N = 1000;
    const fs = Array.from({ length: N }, (_, i) => o.add(i, 1));
    const out = await gather(fs);
    expect(out.length).toBe(N);
    expect(out[0]).toBe(1);
    expect(out[N - 1]).toBe(N);
    const { done, notDone } = await wait(Array.from({ length: N }, (_, i) => o.add(i, 2)));
    expect(done.size).toBe(N);
    expect(notDone.size).toBe(0);
  });

  test('result(), exception(), resultNow(), exceptionNow(); addDoneCallback runs exactly once, also when already done', async () => {
    const f = o.ok(40, 7);
    const calls = [];
    f.addDoneCallback((x) => calls.push(['early', x]));
    expect(() => f.resultNow()).toThrow(InvalidStateError);
    expect(() => f.exceptionNow()).toThrow(InvalidStateError);
    expect(f.done()).toBe(false);
    await expect(f.result()).resolves.toBe(7);
    await expect(f.exception()).resolves.toBeNull();
    await tick();
    expect(f.resultNow()).toBe(7);
    expect(f.exceptionNow()).toBeNull();
    f.addDoneCallback((x) => calls.push(['late', x]));
    await tick();
    await tick();
    expect(calls.map(([k]) => k)).toEqual(['early', 'late']);
    expect(calls.every(([, x]) => x === f)).toBe(true);

    const g = o.bad(10, 4);
    let n = 0;
    g.addDoneCallback(() => { n++; });
    const e = await g.exception();
    expect(o.isBad(e, 4)).toBe(true);
    const e2 = await g.result().then(() => null, (x) => x);
    expect(o.isBad(e2, 4)).toBe(true);
    expect(o.isBad(g.exceptionNow(), 4)).toBe(true);
    expect(() => g.resultNow()).toThrow(e.message);
    await tick();
    await tick();
    expect(n).toBe(1);
    expect(g.cancelled()).toBe(false);
    expect(g.cancel()).toBe(false); // done: nothing to cancel
  });

  test('a failed future gives the same error object from exception(), result(), exceptionNow(), resultNow() and gather', async () => {
    const g = o.bad(1, 6);
    const e = await g.exception();
    expect(o.isBad(e, 6)).toBe(true);
    await expect(g.result()).rejects.toBe(e);
    expect(g.exceptionNow()).toBe(e);
    expect(g.exceptionNow()).toBe(g.exceptionNow());
    let thrown = null;
    try { g.resultNow(); } catch (x) { thrown = x; }
    expect(thrown).toBe(e);
    await expect(gather([g])).rejects.toBe(e);
    expect((await gather([g], { returnExceptions: true }))[0]).toBe(e);
  });

  if (mode !== 'c') {
    test('errors keep class name, message, stack, cause and own properties', async () => {
      const f = w.failCustom('custom bad', 42);
      const { done } = await wait([f]);
      const e = [...done][0].exceptionNow();
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe('CustomError');
      expect(e.message).toBe('custom bad');
      expect(e.code).toBe(42);
      expect(typeof e.stack).toBe('string');
      expect(e.stack).toContain('custom bad');
      expect(e.cause).toBeInstanceOf(TypeError);
      expect(e.cause.message).toBe('inner cause');
      const r = await gather([w.fail('range bad', { extra: { deep: [1, 2] } })], { returnExceptions: true });
      expect(r[0]).toBeInstanceOf(RangeError);
      expect(r[0].message).toBe('range bad');
      expect(r[0].extra).toEqual({ deep: [1, 2] });
      await expect(gather([w.sleepThen(5, 1), w.failCustom('first', 1)])).rejects.toMatchObject({ name: 'CustomError', message: 'first', code: 1 });
    });
  } else {
    test('a failing kernel gives a CoreError with its code, through wait and gather', async () => {
      const f = w.fail(17);
      const { done } = await wait([f, o.ok(1, 1)]);
      expect(done.has(f)).toBe(true);
      const e = f.exceptionNow();
      expect(e.name).toBe('CoreError');
      expect(e.code).toBe(17);
      await expect(gather([o.ok(1, 1), w.fail(18)])).rejects.toMatchObject({ code: 18 });
    });
  }
});

describe('mixed kinds in one wait', () => {
  const kinds = MATRIX.filter((m) => m !== 'sync' && m !== 'asyncio');
  let ws;
  beforeAll(async () => {
    ws = Object.fromEntries(await Promise.all(MATRIX.map(async (m) => [m, await workerFor(m)])));
  });

  test('futures of every mode beside a Promise and a value: wait and gather', async () => {
    const fs = MATRIX.map((m, i) => ops(m, ws[m]).ok(5 + 10 * i, i));
    const promise = new Promise((r) => setTimeout(() => r('p'), 15));
    const all = [...fs, promise, 'v'];
    const out = await gather(all);
    expect(out).toEqual([...MATRIX.map((_, i) => i), 'p', 'v']);
    const { done, notDone } = await wait([...MATRIX.map((m) => ops(m, ws[m]).add(1, 2)), Promise.resolve(1), 2]);
    expect(done.size).toBe(MATRIX.length + 2);
    expect(notDone.size).toBe(0);
    expect([...done].map((f) => f.resultNow()).sort()).toEqual([...MATRIX.map(() => 3), 1, 2].sort());
  });

  test('FIRST_COMPLETED across kinds: a fast thread future beside slow process and C futures', async () => {
    const slow = kinds.filter((m) => m !== 'thread').map((m) => ops(m, ws[m]).ok(300, 1));
    const fast = ops('thread', ws.thread).ok(1, 2);
    const never = new Promise(() => {});
    const { done, notDone } = await wait([...slow, never, fast], { returnWhen: 'FIRST_COMPLETED' });
    expect(done.has(fast)).toBe(true);
    expect(notDone.size).toBe(slow.length + 1);
    await expect(gather(slow)).resolves.toEqual(slow.map(() => 1));
  });

  test('FIRST_EXCEPTION across kinds: a process failure ends the wait; iter yields every kind in completion order', async () => {
    const tSlow = ops('thread', ws.thread).ok(300, 1);
    const cSlow = ops('c', ws.c).ok(300, 2);
    const pBad = ops('process', ws.process).bad(20, 9);
    const r = await wait([tSlow, cSlow, pBad, Promise.resolve(0)], { returnWhen: 'FIRST_EXCEPTION' });
    expect(r.done.has(pBad)).toBe(true);
    expect(r.notDone.size).toBe(2);
    await gather([tSlow, cSlow]);
    const order = [];
    const items = { c: ops('c', ws.c).ok(350, 1), process: ops('process', ws.process).ok(100, 2), thread: ops('thread', ws.thread).ok(1, 3), value: 4 };
    for await (const [k] of gather(items, { iter: true })) order.push(k);
    expect(order).toEqual(['value', 'thread', 'process', 'c']);
  });
});
