// Thread mode: a synchronous task sees its currentTask().signal abort while
// it runs. The abort comes as a message, which a worker busy in a sync task
// cannot read; the pool also names the stopped call in a shared cancel cell
// of the worker's slot, which the task's signal.aborted / throwIfAborted()
// read (runtime.js). So a loop that checks its signal stops at its next
// check, and its worker runs the next call at once, instead of being
// terminated and replaced after cancelGraceMs.
import { createWorker } from '../bindings/index.js';

const TASKS = new URL('./fixtures/workers/sync-signal-tasks.mjs', import.meta.url);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const shared = () => new Int32Array(new SharedArrayBuffer(8));

let w = null;
afterEach(async () => { if (w) await w.stop({ force: true }); w = null; });

async function untilRunning(f) {
  const t0 = Date.now();
  while (!f.running()) {
    if (Date.now() - t0 > 10_000) throw new Error('the call did not start');
    await sleep(2);
  }
}

test('cancel(): a sync loop reading signal.aborted stops at its next read; the worker is kept', async () => {
  w = await createWorker(TASKS, { mode: 'thread', maxWorkers: 1, cancelGraceMs: 20_000 });
  const tag = await w.workerTag();
  const out = shared();
  const f = w.spinUntilAborted(30_000, out);
  await untilRunning(f);
  await sleep(30);
  const t0 = Date.now();
  expect(f.cancel()).toBe(true);
  expect(await w.add(1, 2)).toBe(3);
  expect(Date.now() - t0).toBeLessThan(3000); // the grace (20 s) or the loop's own limit (30 s) before
  expect(Array.from(out)).toEqual([1, 1]); // CancelledError, and the 'abort' listener fired
  expect(await w.workerTag()).toBe(tag);   // not terminated
  expect(w.stats()).toMatchObject({ crashed: 0, workers: 1 });
});

test('a timeout: throwIfAborted() throws the TimeoutError inside the running task', async () => {
  w = await createWorker(TASKS, { mode: 'thread', maxWorkers: 1, cancelGraceMs: 20_000 });
  const tag = await w.workerTag();
  const out = shared();
  const t0 = Date.now();
  const f = w.callWith({ timeout: 100 }, 'spinThrowIfAborted', 30_000, out);
  expect((await f.exception()).name).toBe('TimeoutError');
  expect(await w.add(2, 3)).toBe(5);
  expect(Date.now() - t0).toBeLessThan(3000);
  expect(out[0]).toBe(2);
  expect(await w.workerTag()).toBe(tag);
});

test('calls handed behind the cancelled one run, and only the cancelled call is stopped', async () => {
  w = await createWorker(TASKS, { mode: 'thread', maxWorkers: 1, cancelGraceMs: 20_000 });
  const a = shared();
  const b = shared();
  const f = w.spinUntilAborted(30_000, a);
  const behind = w.spinUntilAborted(50, b);     // runs after it, on the same worker, to its own limit
  const after = w.add(4, 5);
  await untilRunning(f);
  f.cancel();
  expect(await behind).toBe('ran out');
  expect(await after).toBe(9);
  expect([a[0], b[0]]).toEqual([1, 3]);
});

test("the demo's mandelbrot (its signal read per row) stops when cancelled in thread mode", async () => {
  w = await createWorker(new URL('../demo/tasks.mjs', import.meta.url), { mode: 'thread', maxWorkers: 1, cancelGraceMs: 20_000 });
  // Far more than the test's time at any speed: 4000 x 4000 pixels, 20000 iterations.
  const f = w.mandelbrot(4000, 4000, -2, -1.5, 1, 1.5, 20_000);
  await untilRunning(f);
  await sleep(50);
  const t0 = Date.now();
  f.cancel();
  expect(await w.primes(0, 100)).toBe(25);
  expect(Date.now() - t0).toBeLessThan(3000);
  expect(w.stats()).toMatchObject({ crashed: 0, workers: 1 });
});
