// Thread mode completes through the core (DESIGN.md, "Workers": completion
// state written to the shared wasm memory): a worker publishes each outcome
// on a completion ring the core's drainer thread empties, so a call's future
// is done while this thread is blocked and has not handled a single message;
// its value is read synchronously then (it was posted before the ring
// entry), so a future is never done before its value can be read.
import { Worker } from 'node:worker_threads';
import { createWorker, wait, CancelledError } from '../bindings/index.js';
import { Module, STATE_PENDING, STATE_SUCCEEDED } from '../bindings/core.js';
import { sleep } from './helpers.js';

const TASKS = new URL('./fixtures/workers/pool-tasks.mjs', import.meta.url);

let w;
beforeAll(async () => {
  w = await createWorker(TASKS, { mode: 'thread', maxWorkers: 2 });
  await w.add(0, 0);
});
afterAll(() => w.stop({ force: true }));

/** Lets queued calls reach their workers (hand-off is a microtask away). */
async function handOff() {
  for (let i = 0; i < 5; i++) await null;
}

/** Blocks this thread (no event loop) until pred() or `ms` pass; the elapsed ms, or -1. */
function blockUntil(pred, ms = 3000) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) if (pred()) return Date.now() - t0;
  return -1;
}

test('a thread call is done while the main thread is blocked, and its value is there', async () => {
  const f = w.sleep(20, { v: [1, 2] });
  await handOff();
  expect(f.done()).toBe(false);
  expect(blockUntil(() => f.done())).toBeGreaterThanOrEqual(0);
  expect(f.resultNow()).toEqual({ v: [1, 2] });
  expect(await f).toEqual({ v: [1, 2] });
});

test('a failure also completes through the core, its error rebuilt once', async () => {
  const f = w.fail('through the ring', { code: 'E_RING' });
  await handOff();
  expect(blockUntil(() => f.done())).toBeGreaterThanOrEqual(0);
  const e = f.exceptionNow();
  expect(e).toBeInstanceOf(RangeError);
  expect(e.message).toBe('through the ring');
  expect(e.code).toBe('E_RING');
  expect(f.exceptionNow()).toBe(e);
  expect(await f.exception()).toBe(e);
});

test('many calls: every future that reads done has its value (never done before its value)', async () => {
  const fs = Array.from({ length: 2000 }, (_, i) => w.add(i, 1));
  await handOff();
  // Only the calls handed to the workers can finish while this thread is
  // blocked (hand-off needs it): a short block, then the rest by waiting.
  let checked = 0;
  blockUntil(() => {
    for (const f of fs) {
      if (f.done()) {
        expect(f.resultNow()).toBe(fs.indexOf(f) + 1);
        checked++;
      }
    }
    return fs.every((f) => f.done());
  }, 200);
  expect(checked).toBeGreaterThan(0);
  const { done } = await wait(fs);
  expect(done.size).toBe(2000);
  for (let i = 0; i < fs.length; i++) expect(fs[i].resultNow()).toBe(i + 1);
});

test('cancel() after the worker completed through the core returns false; the value stands', async () => {
  const f = w.sleep(10, 'finished');
  await handOff();
  expect(blockUntil(() => f.done())).toBeGreaterThanOrEqual(0);
  expect(f.cancel()).toBe(false);
  expect(f.cancelled()).toBe(false);
  expect(await f).toBe('finished');
  // And a cancel that comes first wins over the worker's later completion.
  const g = w.sleep(100, 'late');
  await sleep(20);
  expect(g.cancel()).toBe(true);
  await sleep(150);
  expect(g.cancelled()).toBe(true);
  await expect(g.result()).rejects.toBeInstanceOf(CancelledError);
  expect(await w.add(1, 1)).toBe(2);
});

test('a replacement worker goes on with the ring of the one that crashed', async () => {
  const one = await createWorker(TASKS, { mode: 'thread', maxWorkers: 1 });
  try {
    await expect(one.exit(9)).rejects.toMatchObject({ name: 'WorkerCrashedError', exitCode: 9 });
    expect(await one.add(0, 0)).toBe(0); // the replacement is up (starting one needs this thread)
    for (let i = 0; i < 20; i++) {
      const f = one.add(i, 1);
      await handOff();
      expect(blockUntil(() => f.done())).toBeGreaterThanOrEqual(0);
      expect(f.resultNow()).toBe(i + 1);
    }
    expect(one.stats().crashed).toBe(1);
  } finally {
    await one.stop();
  }
});

test('the same with a crash while sharing the pool', async () => {
  const before = w.stats().crashed;
  await expect(w.exit(9)).rejects.toMatchObject({ name: 'WorkerCrashedError', exitCode: 9 });
  for (let i = 0; i < 20; i++) {
    const f = w.add(i, 1);
    await handOff();
    expect(blockUntil(() => f.done())).toBeGreaterThanOrEqual(0);
    expect(f.resultNow()).toBe(i + 1);
  }
  expect(w.stats().crashed).toBe(before + 1);
});

test('progress stays before the result when a wait wakes on the core (calls with onProgress complete by message)', async () => {
  for (let round = 0; round < 20; round++) {
    const seen = [];
    const f = w.callWith({ onProgress: (v) => seen.push(v) }, 'progressSync', 50);
    await handOff();
    // Blocked long enough for the worker to finish: a core completion would be there already.
    blockUntil(() => false, 20);
    const { done } = await wait([f]);
    expect(done.has(f)).toBe(true);
    expect(seen.length).toBe(50);
  }
});

test('stop({ force: true }) after a call completed through the core keeps its value (the core decided first)', async () => {
  const one = await createWorker(TASKS, { mode: 'thread', maxWorkers: 1 });
  await one.add(0, 0);
  const f = one.sleep(10, 'kept');
  const g = one.sleep(5000, 'never');
  await handOff();
  expect(blockUntil(() => f.done())).toBeGreaterThanOrEqual(0);
  await one.stop({ force: true });
  expect(f.cancelled()).toBe(false);
  expect(f.resultNow()).toBe('kept');
  expect(await f).toBe('kept');
  expect(g.cancelled()).toBe(true);
});

// The core's completing state (wasm/src/internal.h: CY__S_COMPLETING | CY__LOCK):
// a completion between its CAS and the store of the final state.
const COMPLETING_LOCKED = 2 | 8;

test('the value stands when the message is handled while the drainer is still completing the future (a preempted drainer)', async () => {
  // The drainer thread's completion of a ring entry is a CAS to "completing",
  // then the store of the final state; a drainer preempted in between leaves
  // the future reading as running. The pool handling the value's message
  // right then loses its own completion and must still keep the value (it
  // used to drop it: done a moment later, resultNow() undefined). Here this
  // test is that drainer: it takes the future first, and a helper thread
  // stores the final state 300 ms later, whatever the main thread does.
  const f = w.sleep(30, { kept: true });
  await handOff();
  const i32 = new Int32Array(Module.wasmMemory.buffer);
  const at = f._c >> 2;
  expect(Atomics.compareExchange(i32, at, STATE_PENDING, COMPLETING_LOCKED)).toBe(STATE_PENDING);
  const helper = new Worker(`
    const { workerData: { buffer, at, value } } = require('node:worker_threads');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    Atomics.store(new Int32Array(buffer), at, value);`,
  { eval: true, workerData: { buffer: Module.wasmMemory.buffer, at, value: STATE_SUCCEEDED } });
  const exited = new Promise((r) => helper.once('exit', r));
  const completed = w.stats().completed;
  // The worker's message is handled (its ring entry loses to "our" drainer).
  while (w.stats().completed === completed) await sleep(5);
  await exited;
  expect(f.done()).toBe(true);
  expect(f.resultNow()).toEqual({ kept: true });
  expect(await f).toEqual({ kept: true });
});
