// Thread and process pools: cancel() and timeouts that stop the work
// (DESIGN.md, "cancel() and timeouts"), per-call signals, stop() and
// stop({ force: true }). Every test runs in both modes, through createWorker().
import { gather, CancelledError, TimeoutError, InvalidStateError } from '../bindings/index.js';
import { sleep } from './helpers.js';

import { make, rejection, closeAll } from './modes-pool-helpers.js';

afterEach(closeAll);

describe.each(['thread', 'process'])('%s pool', (mode) => {
  test('cancel() of a queued call removes it at once; the running one is unharmed', async () => {
    const w = await make(mode, { maxWorkers: 1 });
    const running = w.sleep(150, 'slept');
    const queued = w.add(1, 2);
    await sleep(20);
    expect(queued.cancel()).toBe(true);
    expect(queued.cancelled()).toBe(true);
    expect(queued.done()).toBe(true);
    expect(await rejection(queued)).toBeInstanceOf(CancelledError);
    expect(await running).toBe('slept');
    expect(w.stats().crashed).toBe(0);
  });

  test('cancel() of a running call: the signal fires inside, the worker is freed when the task settles (cooperative)', async () => {
    const w = await make(mode, { maxWorkers: 1, cancelGraceMs: 5000 });
    const who = await w.pid();
    const f = w.waitForAbort();
    await sleep(50);
    expect(f.running()).toBe(true);
    expect(f.cancel()).toBe(true);
    expect(f.cancelled()).toBe(true);
    expect(await rejection(f.result())).toBeInstanceOf(CancelledError);
    // Same worker afterwards: it stopped by itself, nothing was terminated.
    expect(await w.pid()).toBe(who);
    expect(w.stats().crashed).toBe(0);
  });

  test('cancel() of a call that ignores its signal: the worker is terminated after cancelGraceMs and replaced; calls behind it move on', async () => {
    const w = await make(mode, { maxWorkers: 1, cancelGraceMs: 100 });
    const who = await w.pid();
    const stuck = w.busyForever();
    const behind = w.add(2, 2);
    await sleep(50);
    const t0 = Date.now();
    expect(stuck.cancel()).toBe(true);
    expect(await behind).toBe(4);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(80);
    expect(await rejection(stuck)).toBeInstanceOf(CancelledError);
    expect(await w.pid()).not.toBe(who);
    expect(w.stats().crashed).toBe(0);
  });

  test('callWith timeout counts from the call (queue time included) and stops the work with TimeoutError', async () => {
    const w = await make(mode, { maxWorkers: 1, cancelGraceMs: 100 });
    const t0 = Date.now();
    const running = w.callWith({ timeout: 80 }, 'busyForever');
    const queued = w.callWith({ timeout: 40 }, 'add', 1, 1);
    const qe = await queued.exception();
    expect(qe).toBeInstanceOf(TimeoutError);
    expect(Date.now() - t0).toBeLessThan(170); // the running call holds the worker for 80 + 100 ms
    const re = await rejection(running);
    expect(re).toBeInstanceOf(TimeoutError);
    expect(running.cancelled()).toBe(false);
    expect(await w.add(1, 2)).toBe(3);
    const coop = w.callWith({ timeout: 30 }, 'waitForAbort');
    expect(await coop.exception()).toBeInstanceOf(TimeoutError);
  });

  test('a per-call AbortSignal cancels the call', async () => {
    const w = await make(mode);
    const ac = new AbortController();
    const f = w.callWith({ signal: ac.signal }, 'waitForAbort');
    await sleep(30);
    ac.abort();
    expect(f.cancelled()).toBe(true);
    const pre = new AbortController();
    pre.abort();
    const g = w.callWith({ signal: pre.signal }, 'add', 1, 1);
    expect(g.cancelled()).toBe(true);
    expect(await w.add(1, 1)).toBe(2);
  });

  test('stop() drains queued and running calls; call() after stop throws InvalidStateError', async () => {
    const w = await make(mode, { maxWorkers: 1 });
    const fs = [w.sleep(50, 'a'), w.add(1, 2), w.add(3, 4)];
    await w.stop();
    expect(fs.every((f) => f.done())).toBe(true);
    expect(await gather(fs)).toEqual(['a', 3, 7]);
    expect(() => w.add(1, 1)).toThrow(InvalidStateError);
    expect(() => w.add(1, 1)).toThrow(/stopped/);
    expect(w.stats().workers).toBe(0);
  });

  test('stop({ force: true }) cancels what is queued and running and resolves once every worker exited', async () => {
    const w = await make(mode, { maxWorkers: 2 });
    const fs = [w.busyForever(), w.forever(), w.add(1, 1), w.add(Promise.resolve(1), 1)];
    for (let i = 0; i < 5; i++) fs.push(w.sleep(10000));
    await sleep(30);
    await w.stop({ force: true });
    for (const f of fs) expect(f.cancelled()).toBe(true);
    expect(w.stats().workers).toBe(0);
  });
});
