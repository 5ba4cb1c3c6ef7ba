// Thread and process pools when a worker dies (DESIGN.md, "Crashes"): only
// the call running on it fails, with WorkerCrashedError (exit code or signal,
// method, attempts); calls behind it run on its replacement; retries re-run
// a crashed call. Every test runs in both modes, through createWorker().
import { createWorker, gather, WorkerCrashedError } from '../bindings/index.js';
import { sleep } from './helpers.js';

import { make, rejection, closeAll } from './modes-pool-helpers.js';

afterEach(closeAll);

describe.each(['thread', 'process'])('%s pool', (mode) => {
  test('crash mid-batch: only the running call fails (exit code, method, attempts); the others run; the worker is replaced', async () => {
    const w = await make(mode, { maxWorkers: 1 });
    const before = w.add(1, 1);
    const crash = w.exit(7);
    const after = Array.from({ length: 10 }, (_, i) => w.add(i, 100));
    const e = await rejection(crash);
    expect(e).toBeInstanceOf(WorkerCrashedError);
    expect(e.exitCode).toBe(7);
    expect(e.signal).toBe(null);
    expect(e.method).toBe('exit');
    expect(e.attempts).toBe(1);
    expect(await before).toBe(2);
    expect(await gather(after)).toEqual(Array.from({ length: 10 }, (_, i) => i + 100));
    const s = w.stats();
    expect(s.crashed).toBe(1);
    expect(s.workers).toBe(1);
    // Replaced at once, with nothing queued too.
    const e2 = await rejection(w.exit(8));
    expect(e2.exitCode).toBe(8);
    expect(w.stats().workers).toBe(1);
    expect(w.stats().crashed).toBe(2);
  });

  test('an uncaught error at top level crashes the worker: its running call fails with WorkerCrashedError', async () => {
    const w = await make(mode);
    const e = await rejection(w.throwLater('late failure'));
    expect(e).toBeInstanceOf(WorkerCrashedError);
    expect(e.method).toBe('throwLater');
    // The reason, in both modes (process mode: the child reports it before it exits).
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe("The " + mode + " worker running 'throwLater' crashed (exit code 1: late failure) after 1 attempt");
    expect(e.cause.name).toBe('Error'); // not instanceof: thread mode's comes from Node's realm, not Jest's
    expect(e.cause.message).toBe('late failure');
    expect(e.cause.stack).toContain('pool-tasks.mjs');
    expect(await w.add(2, 3)).toBe(5);
  });

  test('an unhandled rejection inside a task crashes the worker as an uncaught error does: only its running call fails', async () => {
    const w = await make(mode, { maxWorkers: 1 });
    const before = w.add(1, 1);
    const f = w.rejectUnhandled('nobody handled me');
    const behind = w.add(2, 2);
    const e = await rejection(f);
    expect(e).toBeInstanceOf(WorkerCrashedError);
    expect(e.method).toBe('rejectUnhandled');
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain('crashed (exit code 1: nobody handled me)');
    expect(e.cause.message).toBe('nobody handled me');
    expect(await before).toBe(2);
    expect(await behind).toBe(4);
    expect(w.stats().crashed).toBe(1);
  });

  if (mode === 'process') {
    test('a killed child reports the signal', async () => {
      const w = await make(mode);
      const e = await rejection(w.kill());
      expect(e).toBeInstanceOf(WorkerCrashedError);
      expect(e.signal).toBe('SIGKILL');
      expect(e.exitCode).toBe(null);
      expect(await w.add(1, 2)).toBe(3);
    });
  }

  test('retries re-run a crashed call up to N times (per worker and per call); attempt counts', async () => {
    const w = await make(mode, { retries: 1 });
    expect(await w.crashUntil(2, 'x')).toEqual({ value: 'x', attempt: 2 });
    const e = await rejection(w.callWith({ retries: 1 }, 'crashUntil', 5, 'y'));
    expect(e).toBeInstanceOf(WorkerCrashedError);
    expect(e.attempts).toBe(2);
    expect(e.exitCode).toBe(3);
    expect(await w.attempt()).toBe(1);
    expect(w.stats().crashed).toBe(3);
  });

  test('workers that die before finishing any call are not restarted in a loop', async () => {
    const w = await createWorker(new URL('./fixtures/workers/crashes-after-load.mjs', import.meta.url), { mode, maxWorkers: 1 });
    try {
      const t0 = Date.now();
      while (w.stats().crashed < 3 && Date.now() - t0 < 8000) await sleep(20);
      await sleep(300);
      expect(w.stats().crashed).toBe(3);
      expect(w.stats().workers).toBe(0);
    } finally {
      await w.stop({ force: true });
    }
  });
});
