// Bugs a new-user trial of the worker modes found (issue 7), one test each:
// stop() settling with nothing else keeping Node alive, maxQueued in the
// pools, backpressure after stop(), currentTask().method everywhere, errors
// across the boundary, futures with unwrapFutures off, transfer validation.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  createWorker, wrapFuture, QueueFullError, InvalidStateError, DataCloneError,
} from '../bindings/index.js';
import { sleep } from './helpers.js';

const TASKS = new URL('./fixtures/workers/trial-tasks.mjs', import.meta.url);
const STOP_ALONE = fileURLToPath(new URL('./fixtures/workers/stop-alone.mjs', import.meta.url));

const open = [];
async function make(mode, options = {}) {
  const w = await createWorker(TASKS, { mode, maxWorkers: 1, ...options });
  open.push(w);
  return w;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.stop({ force: true }).catch(() => {})));
});

function runAlone(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [STOP_ALONE, ...args], { timeout: 20000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

describe('stop() settles when nothing else keeps Node alive (exit code 13 before)', () => {
  test.each([
    ['process', 'drain'], ['process', 'force'], ['process', 'call'],
    ['thread', 'drain'], ['thread', 'force'], ['c', 'drain'],
  ])('%s, %s', async (mode, how) => {
    const r = await runAlone(mode, how);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/stopped\n/);
    expect(r.stdout).toMatch(/then ran\n/);
    expect(r.code).toBe(0);
  }, 30000);
});

describe.each(['thread', 'process'])('%s pool: maxQueued', (mode) => {
  test('calls made in one go: maxWorkers run, maxQueued wait, the next throws QueueFullError', async () => {
    const w = await make(mode, { maxWorkers: 2, maxQueued: 3 });
    const fs = [];
    for (let i = 0; i < 5; i++) fs.push(w.sleep(400, i));
    expect(w.stats().queued).toBe(3);
    expect(() => w.sleep(1, 'x')).toThrow(QueueFullError);
    let avail = false;
    const pa = w.whenAvailable().then(() => { avail = true; });
    await sleep(40);
    expect(avail).toBe(false);
    await pa;
    expect(() => fs.push(w.sleep(1, 5))).not.toThrow();
    expect(await Promise.all(fs)).toEqual([0, 1, 2, 3, 4, 5]);
  }, 20000);

  test('warm workers (calls pipelined) count calls handed behind a running one as queued', async () => {
    const w = await make(mode, { maxWorkers: 2, maxQueued: 3 });
    // Quick calls make the workers take several at a time (within maxQueued).
    for (let k = 0; k < 30; k++) await Promise.all(Array.from({ length: 5 }, (_, i) => w.add(i, 1)));
    await w.whenIdle();
    await sleep(5);
    const fs = [];
    for (let i = 0; i < 5; i++) fs.push(w.sleep(150, i));
    await sleep(20); // handed to the workers by now
    expect(w.stats().queued).toBe(3);
    expect(() => w.sleep(1, 'x')).toThrow(QueueFullError);
    await w.whenAvailable();
    expect(() => fs.push(w.sleep(1, 5))).not.toThrow();
    expect(await Promise.all(fs)).toEqual([0, 1, 2, 3, 4, 5]);
  }, 20000);
});

describe.each(['sync', 'asyncio', 'thread', 'process', 'c'])('%s: whenIdle/whenAvailable after stop()', (mode) => {
  test('reject with InvalidStateError; a whenAvailable() waiting at stop() rejects too', async () => {
    const w = mode === 'c'
      ? await createWorker('builtin', { mode, maxWorkers: 1, maxQueued: 1 })
      : await make(mode, { maxQueued: 1 });
    let pending = null;
    if (mode === 'thread' || mode === 'process') {
      w.sleep(100, 1);
      w.sleep(100, 2); // the queue is full: whenAvailable waits
      pending = expect(w.whenAvailable()).rejects.toThrow(InvalidStateError);
    }
    await w.stop({ force: true });
    await pending;
    await expect(w.whenIdle()).rejects.toThrow(/whenIdle\(\): the worker is stopped/);
    await expect(w.whenAvailable()).rejects.toThrow(InvalidStateError);
  }, 20000);
});

describe.each(['sync', 'asyncio', 'thread', 'process'])('%s: the task and its errors', (mode) => {
  test('currentTask().method names the method in every mode', async () => {
    const w = await make(mode);
    expect(await w.method()).toBe('method');
    expect(await w.call('method')).toBe('method');
  });

  test('an Error returned as a value keeps its class and own properties', async () => {
    const w = await make(mode);
    const e = await w.errorValue();
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('as value');
    expect(e.prop).toBe(5);
    expect(e.nested).toEqual({ a: [1] });
  });

  test('a thrown AggregateError keeps its errors', async () => {
    const w = await make(mode);
    const e = await w.aggregate().exception();
    expect(e).toBeInstanceOf(AggregateError);
    expect(e.message).toBe('agg');
    expect(e.errors.map((x) => [x.constructor.name, x.message])).toEqual([['Error', 'a'], ['RangeError', 'b']]);
    expect(e.errors[1]).toBeInstanceOf(RangeError);
    expect(e.errors[1].cause).toBe('c');
  });
});

describe.each(['thread', 'process'])('%s pool: what cannot cross', (mode) => {
  test('unwrapFutures: false and a future argument: the call fails with a DataCloneError naming its path', async () => {
    const w = await make(mode, { unwrapFutures: false });
    const e = await w.echo(wrapFuture(1)).exception();
    expect(e).toBeInstanceOf(DataCloneError);
    expect(e.path).toBe('args[0]');
    expect(e.message).toMatch(/args\[0\] is a future, and a future cannot cross/);
    const e2 = await w.echo({ x: [0, new Map([['k', wrapFuture(2)]])] }).exception();
    expect(e2.path).toBe('args[0].x[1].get("k")');
    expect(await w.echo({ x: [1, { y: 'z' }] })).toEqual({ x: [1, { y: 'z' }] });
    expect(w.stats().failed).toBe(2);
  });
});

describe('callWith({ transfer }): checked at the call, each item named', () => {
  test.each([
    ['an object', () => [{}], /'transfer\[0\]' must be an ArrayBuffer or a MessagePort/],
    ['a number', () => [new ArrayBuffer(1), 5], /'transfer\[1\]' must be an ArrayBuffer or a MessagePort/],
    ['a view', () => [new Uint8Array(4)], /'transfer\[0\]' is a Uint8Array, a view; transfer its buffer/],
    ['a SharedArrayBuffer', () => [new SharedArrayBuffer(4)], /'transfer\[0\]' is a SharedArrayBuffer, which is shared/],
    ['the same buffer twice', () => { const b = new ArrayBuffer(4); return [b, b]; }, /'transfer\[1\]' is transfer\[0\] again/],
  ])('%s throws a TypeError synchronously', async (_, list, re) => {
    const w = await make('thread');
    expect(() => w.callWith({ transfer: list() }, 'add', 1, 2)).toThrow(re);
    expect(() => w.callWith({ transfer: list() }, 'add', 1, 2)).toThrow(TypeError);
    expect(w.stats().failed + w.stats().queued).toBe(0);
  });

  test('ArrayBuffers and MessagePorts are accepted', async () => {
    const w = await make('thread');
    const b = new ArrayBuffer(8);
    const { port1, port2 } = new MessageChannel();
    expect(await w.callWith({ transfer: [b, port1] }, 'echo', 7)).toBe(7);
    expect(b.byteLength).toBe(0);
    port2.close();
  });
});

describe.each(['thread', 'process'])('%s: a module whose top-level await never settles', (mode) => {
  test('createWorker rejects (it waited for ever) saying why', async () => {
    const p = createWorker(new URL('./fixtures/workers/tla-forever.mjs', import.meta.url), { mode, maxWorkers: 1 });
    await expect(p).rejects.toThrow(/exited while loading it \(exit code 0\): a top-level await that nothing can settle/);
  }, 20000);

  test('a top-level await on a timer still loads, and the worker waits for calls', async () => {
    const w = await createWorker(new URL('./fixtures/workers/tla-timer.mjs', import.meta.url), { mode, maxWorkers: 1 });
    open.push(w);
    await sleep(100);
    expect(await w.loaded()).toBe('loaded');
  }, 20000);
});
