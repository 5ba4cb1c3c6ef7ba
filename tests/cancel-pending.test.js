// cancelPending: true — wait() (any returnWhen) and gather() (fail-fast,
// timeout) cancel what is still pending once the result is decided or the
// timeout passes; gather({ iter: true }) does the same when the loop is left
// early (break, return(), an error). Over the worker modes of the matrix,
// where a cancelled call's task sees its signal fire and its worker is freed.
import {
  wait, gather, PromiseFuture, SyncFuture, TimeoutError, CancelledError,
} from '../bindings/index.js';
import { MODES, makeWorker, stopWorkers } from './mode-matrix.js';

afterAll(stopWorkers);

const never = () => new PromiseFuture(new Promise(() => {}));

describe('option validation', () => {
  test('cancelPending must be a boolean, for wait and gather', () => {
    expect(() => wait([1], { cancelPending: 'yes' })).toThrow(/option 'cancelPending' must be a boolean/);
    expect(() => gather([1], { cancelPending: 1 })).toThrow(TypeError);
    expect(() => gather([1], { cancelPending: 1, iter: true })).toThrow(/'cancelPending'/);
  });

  test('without cancelPending nothing is cancelled', async () => {
    const p = never();
    const { notDone } = await wait([1, p], { returnWhen: 'FIRST_COMPLETED' });
    expect(notDone.has(p)).toBe(true);
    expect(p.cancelled()).toBe(false);
    await expect(gather([Promise.reject(new Error('x')), p])).rejects.toThrow('x');
    await expect(gather([p], { timeout: 5 })).rejects.toBeInstanceOf(TimeoutError);
    expect(p.cancelled()).toBe(false);
    p.cancel();
  });
});

describe('over plain futures', () => {
  test('wait FIRST_COMPLETED: notDone is cancelled by the time wait() resolves', async () => {
    const a = never();
    const b = never();
    const { done, notDone } = await wait([new SyncFuture(1), a, b], { returnWhen: 'FIRST_COMPLETED', cancelPending: true });
    expect(done.size).toBe(1);
    expect([...notDone]).toEqual([a, b]);
    expect(a.cancelled() && b.cancelled()).toBe(true);
  });

  test('wait with a timeout: the pending are cancelled, then TimeoutError', async () => {
    const a = never();
    const e = await wait([a, 1], { timeout: 10, cancelPending: true }).catch((x) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(a.cancelled()).toBe(true);
  });

  test('wait ALL_COMPLETED that completes cancels nothing; done futures are untouched', async () => {
    const a = new PromiseFuture(Promise.resolve(1));
    const { done } = await wait([a, 2], { cancelPending: true });
    expect(done.size).toBe(2);
    expect(a.cancelled()).toBe(false);
  });

  test('wait aborted by its signal cancels the pending too', async () => {
    const a = never();
    const ac = new AbortController();
    const p = wait([a], { signal: ac.signal, cancelPending: true });
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(a.cancelled()).toBe(true);
  });

  test('gather fail-fast cancels the rest (array, object, Map inputs)', async () => {
    for (const make of [
      (x, y, z) => [x, y, z],
      (x, y, z) => ({ x, y, z }),
      (x, y, z) => new Map([['x', x], ['y', y], ['z', z]]),
    ]) {
      const a = never();
      const b = never();
      const err = new Error('first failure');
      await expect(gather(make(a, Promise.reject(err), b), { cancelPending: true })).rejects.toBe(err);
      expect(a.cancelled() && b.cancelled()).toBe(true);
    }
  });

  test('gather timeout cancels the pending (with and without returnExceptions); success cancels nothing', async () => {
    for (const returnExceptions of [false, true]) {
      const a = never();
      await expect(gather([1, a], { timeout: 5, returnExceptions, cancelPending: true })).rejects.toBeInstanceOf(TimeoutError);
      expect(a.cancelled()).toBe(true);
    }
    const b = new PromiseFuture(Promise.resolve(2));
    expect(await gather([b, 3], { cancelPending: true })).toEqual([2, 3]);
    expect(b.cancelled()).toBe(false);
    // returnExceptions: a failure decides nothing; all complete.
    const c = new PromiseFuture(new Promise((r) => setTimeout(() => r('c'), 5)));
    const out = await gather([Promise.reject(new Error('e')), c], { returnExceptions: true, cancelPending: true });
    expect(out[1]).toBe('c');
  });

  test('gather recurse: nested pending futures are cancelled too', async () => {
    const a = never();
    const err = new Error('nested failure');
    await expect(gather({ k: [Promise.reject(err), { deep: a }] }, { recurse: true, cancelPending: true })).rejects.toBe(err);
    expect(a.cancelled()).toBe(true);
  });
});

describe('gather({ iter: true, cancelPending: true })', () => {
  test('break cancels what has not completed', async () => {
    const a = never();
    const b = never();
    const seen = [];
    for await (const [k, v] of gather([1, a, b], { iter: true, cancelPending: true })) {
      seen.push([k, v]);
      break;
    }
    expect(seen).toEqual([[0, 1]]);
    expect(a.cancelled() && b.cancelled()).toBe(true);
  });

  test('return() cancels; an error thrown in the loop body cancels', async () => {
    const a = never();
    const it = gather([a, 1], { iter: true, cancelPending: true });
    expect((await it.next()).value).toEqual([1, 1]);
    await it.return();
    expect(a.cancelled()).toBe(true);
    const b = never();
    await expect((async () => {
      for await (const _ of gather({ x: 1, y: b }, { iter: true, cancelPending: true })) throw new Error('body');
    })()).rejects.toThrow('body');
    expect(b.cancelled()).toBe(true);
  });

  test('a failure or a timeout of the iteration cancels the rest', async () => {
    const a = never();
    const err = new Error('iter failure');
    const got = [];
    await expect((async () => {
      for await (const p of gather([1, Promise.reject(err), a], { iter: true, cancelPending: true })) got.push(p);
    })()).rejects.toBe(err);
    expect(a.cancelled()).toBe(true);
    const b = never();
    await expect((async () => {
      for await (const p of gather([b], { iter: true, timeout: 5, cancelPending: true })) got.push(p);
    })()).rejects.toBeInstanceOf(TimeoutError);
    expect(b.cancelled()).toBe(true);
  });

  test('an iteration run to its end cancels nothing', async () => {
    const a = new PromiseFuture(Promise.resolve('a'));
    const out = [];
    for await (const p of gather([a, 2], { iter: true, cancelPending: true })) out.push(p);
    expect(out.length).toBe(2);
    expect(a.cancelled()).toBe(false);
  });
});

describe.each(MODES)('over %s workers', (mode) => {
  test('wait FIRST_COMPLETED cancels the running calls; their tasks see the signal and the worker is freed', async () => {
    const w = await makeWorker(mode);
    const fs = [w.sleepThen(5, 'first'), w.waitForAbort(20000), w.waitForAbort(20000)];
    const t0 = Date.now();
    const { done, notDone } = await wait(fs, { returnWhen: 'FIRST_COMPLETED', cancelPending: true });
    expect(done.has(fs[0])).toBe(true);
    expect(notDone.size).toBe(2);
    for (const f of notDone) {
      expect(f.cancelled()).toBe(true);
      await expect(f.result()).rejects.toBeInstanceOf(CancelledError);
    }
    await w.whenIdle();
    expect(Date.now() - t0).toBeLessThan(5000); // the tasks stopped on their signal, far before 20 s
  });

  test('gather fail-fast cancels the others', async () => {
    const w = await makeWorker(mode);
    const slow = w.waitForAbort(20000);
    await expect(gather([w.sleepFail(5, 'boom'), slow], { cancelPending: true })).rejects.toThrow('boom');
    expect(slow.cancelled()).toBe(true);
    await w.whenIdle();
  });

  test('gather timeout cancels the pending', async () => {
    const w = await makeWorker(mode);
    const slow = w.waitForAbort(20000);
    await expect(gather([w.add(1, 2), slow], { timeout: 30, cancelPending: true })).rejects.toBeInstanceOf(TimeoutError);
    expect(slow.cancelled()).toBe(true);
    await w.whenIdle();
  });

  test('iter: break cancels what is still running', async () => {
    const w = await makeWorker(mode);
    const slow = w.waitForAbort(20000);
    for await (const [k] of gather([w.add(1, 1), slow], { iter: true, cancelPending: true })) {
      expect(k).toBe(0);
      break;
    }
    expect(slow.cancelled()).toBe(true);
    await w.whenIdle();
  });
});

test('the futures to cancel are the inputs at the call, whatever the caller does to its array later', async () => {
  const a = never();
  const b = never();
  const arr = [a, Promise.reject(new Error('fail'))];
  const p = gather(arr, { cancelPending: true });
  arr[0] = b;
  await expect(p).rejects.toThrow('fail');
  expect(a.cancelled()).toBe(true);
  expect(b.cancelled()).toBe(false);
  b.cancel();
});
