// Thread and process pools (DESIGN.md, "Workers", "Tasks inside workers",
// "cancel() and timeouts", "Crashes", "Across the boundary"): every test
// runs in both modes, through the public createWorker().
import { createWorker, wait, gather, BaseFuture, TimeoutError, QueueFullError, DataCloneError, PromiseFuture } from '../bindings/index.js';
import { sleep } from './helpers.js';

import { make, rejection, closeAll, LOAD_FAILS } from './modes-pool-helpers.js';

afterEach(closeAll);

describe.each(['thread', 'process'])('%s pool', (mode) => {
  test('calls, method calls through the handle, kind prefix, wait and gather', async () => {
    const w = await make(mode, { maxWorkers: 2 });
    const f = w.call('add', 1, 2);
    expect(f).toBeInstanceOf(BaseFuture);
    expect(f.uuid.startsWith(`${mode}-future-`)).toBe(true);
    expect(await f).toBe(3);
    expect(await w.add(20, 22)).toBe(42);
    expect(w.then).toBeUndefined();
    const fs = Array.from({ length: 200 }, (_, i) => w.add(i, 1));
    const { done, notDone } = await wait(fs);
    expect(done.size).toBe(200);
    expect(notDone.size).toBe(0);
    expect(await gather(fs)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(f.done()).toBe(true);
    expect(f.resultNow()).toBe(3);
    const s = w.stats();
    expect(s.completed).toBeGreaterThanOrEqual(202);
    expect(s.workers).toBe(2);
  });

  test('errors keep class name, message, stack, cause and own properties', async () => {
    const w = await make(mode);
    const e = await rejection(w.fail('boom', { code: 'E_X', detail: { n: 1 } }));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('boom');
    expect(e.code).toBe('E_X');
    expect(e.detail).toEqual({ n: 1 });
    expect(e.stack).toContain('pool-tasks.mjs');
    expect(e.cause).toBeInstanceOf(Error);
    expect(e.cause.message).toBe('inner cause');
    const c = await rejection(w.failCustom('mine'));
    expect(c.name).toBe('MyError');
    expect(c.constructor.name).toBe('MyError');
    expect(c.code).toBe('E_MINE');
    const a = await rejection(w.failAsync('later'));
    expect(a).toBeInstanceOf(TypeError);
    expect(a.message).toBe('later');
    const f = w.call('fail', 'x');
    await f.exception();
    expect(f.exceptionNow()).toBeInstanceOf(RangeError);
  });

  test('a missing method fails that future naming the method and the module', async () => {
    const w = await make(mode);
    const e = await rejection(w.call('nope', 1));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain("'nope'");
    expect(e.message).toContain('pool-tasks.mjs');
    const n = await rejection(w.call('notAFunction'));
    expect(n.message).toContain("'notAFunction'");
    expect(await w.add(1, 1)).toBe(2);
  });

  test('an argument that cannot be cloned fails only that call, naming its path', async () => {
    const w = await make(mode, { maxWorkers: 1 });
    const ok1 = w.add(1, 2);
    const bad = w.echo(1, { config: { fn: () => 1 } });
    const bad2 = w.call('echo', 0, { config: { fn() {} } });
    const ok2 = w.add(3, 4);
    const e = await rejection(bad);
    expect(e).toBeInstanceOf(DataCloneError);
    expect(e.path).toBe('args[1].config.fn');
    expect(e.message).toContain('args[1].config.fn: function');
    expect((await rejection(bad2)).path).toBe('args[1].config.fn');
    expect(await ok1).toBe(3);
    expect(await ok2).toBe(7);
    // A result that cannot be cloned back fails that call too.
    const r = await rejection(w.returnFunction());
    expect(r).toBeInstanceOf(DataCloneError);
    expect(r.message).toContain('result.f');
    expect(await w.add(5, 5)).toBe(10);
  });

  test('futures and promises among the arguments are awaited first, also nested; unwrapFutures: false sends them as they are', async () => {
    const w = await make(mode);
    const inner = w.add(1, 1);
    expect(await w.add(Promise.resolve(40), inner)).toBe(42);
    const nested = await w.typeOf(new Map([['a', Promise.resolve(1)], ['b', w.add(1, 1)]]));
    expect(nested).toBe('Map:a=1,b=2');
    expect(await w.typeOf({ x: [Promise.resolve(5), { y: w.add(2, 2) }] })).toBe('{"x":[5,{"y":4}]}');
    expect(await w.typeOf(new Set([Promise.resolve(9)]))).toBe('Set:9');
    const failed = await rejection(w.add(Promise.reject(new RangeError('arg failed')), 1));
    expect(failed).toBeInstanceOf(RangeError);
    expect(failed.message).toBe('arg failed');
    const raw = await make(mode, { unwrapFutures: false });
    const e = await rejection(raw.echo(Promise.resolve(1)));
    expect(e).toBeInstanceOf(DataCloneError);
    expect(e.path).toBe('args[0]');
  });

  test('progress reaches onProgress in order, always before the result', async () => {
    const w = await make(mode);
    const seen = [];
    const f = w.callWith({ onProgress: (v) => seen.push(v) }, 'progressSteps', 50);
    f.addDoneCallback(() => seen.push('done'));
    expect(await f).toBe('done');
    expect(seen).toEqual([...Array.from({ length: 50 }, (_, i) => i), 'done']);
    const sync = [];
    const g = w.callWith({ onProgress: (v) => sync.push(v) }, 'progressSync', 20);
    g.addDoneCallback(() => sync.push('done'));
    await g;
    expect(sync).toEqual([...Array.from({ length: 20 }, (_, i) => i), 'done']);
  });

  test('currentTask() can be taken apart: progress works unbound, as in sync and asyncio modes (one TaskContext)', async () => {
    const w = await make(mode);
    const seen = [];
    expect(await w.callWith({ onProgress: (v) => seen.push(v) }, 'progressDestructured', 3)).toEqual({ n: 3, aborted: false, attempt: 1 });
    expect(seen).toEqual([0, 1, 2]);
  });

  test('maxQueued: a call beyond it throws QueueFullError synchronously; whenAvailable and whenIdle for backpressure', async () => {
    const w = await make(mode, { maxWorkers: 1, maxQueued: 2 });
    const fs = [w.sleep(400, 0)];
    await sleep(20);
    fs.push(w.add(1, 1), w.add(2, 2));
    expect(w.stats().queued).toBe(2);
    expect(() => w.add(3, 3)).toThrow(QueueFullError);
    let avail = false;
    const pa = w.whenAvailable().then(() => { avail = true; });
    await sleep(10);
    expect(avail).toBe(false);
    await pa;
    expect(w.stats().queued).toBeLessThan(2);
    fs.push(w.add(3, 3));
    await w.whenIdle();
    expect(fs.every((f) => f.done())).toBe(true);
    expect(await gather(fs)).toEqual([0, 2, 4, 6]);
    const s = w.stats();
    expect(s.queued).toBe(0);
    expect(s.running).toBe(0);
  });

  test('await createWorker rejects for a module that cannot be loaded', async () => {
    const e = await rejection(createWorker(LOAD_FAILS, { mode }));
    expect(e.message).toContain('this module fails at load');
  });

  test('transfer: buffers given with callWith move in thread mode and are copied in process mode; transfer() moves them back', async () => {
    const w = await make(mode);
    const buf = new Uint8Array(1024).fill(2).buffer;
    const f = w.callWith({ transfer: [buf] }, 'byteSum', buf);
    expect(buf.byteLength).toBe(mode === 'thread' ? 0 : 1024);
    expect(await f).toBe(2048);
    const r = await w.makeBuffer(4096);
    expect(r.n).toBe(4096);
    expect(r.buf).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(r.buf)[4095]).toBe(7);
    // With an argument future to await first: moved once it resolved.
    const buf2 = new Uint8Array(10).fill(3).buffer;
    const g = w.callWith({ transfer: [buf2] }, 'byteSum', Promise.resolve(buf2));
    expect(await g).toBe(30);
    expect(buf2.byteLength).toBe(mode === 'thread' ? 0 : 10);
    // Something in the list that cannot be transferred is refused at the call.
    expect(() => w.callWith({ transfer: [{ not: 'a buffer' }] }, 'byteSum', new ArrayBuffer(1))).toThrow(TypeError);
    expect(await w.add(1, 1)).toBe(2);
  });

  test('futures of a pool are BaseFutures: PromiseFutures and pool futures mix in one wait', async () => {
    const w = await make(mode);
    const p = new PromiseFuture(sleep(10, 'p'));
    const r = await gather([p, w.add(1, 1), w.sleep(20, 's')], { timeout: 5000 });
    expect(r).toEqual(['p', 2, 's']);
    const slow = w.sleep(5000);
    const e = await rejection(slow.result({ timeout: 20 }));
    expect(e).toBeInstanceOf(TimeoutError);
    expect(slow.done()).toBe(false);
    slow.cancel();
  });

  test('async work inside a worker keeps running between calls (the worker never blocks while idle)', async () => {
    const w = await make(mode);
    expect(await w.startTicker()).toBe(true);
    const t0 = await w.readTicks();
    await sleep(150);
    expect(await w.readTicks()).toBeGreaterThan(t0 + 5);
  });
});
