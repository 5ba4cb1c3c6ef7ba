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
    for (let i = 0; i < 5; i++) fs.push(w.sleep(150, i));
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
