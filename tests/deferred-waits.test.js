// Waits deferred until their promises settle (issue 6, many concurrent
// waits): a gather or wait over promises with no deadline, progress or
// signal makes no Waiter while they are pending, and the core is asked once
// they have settled. The answers must be those of a wait that listens from
// the call.
import { wait, gather, wrapFuture } from '../bindings/index.js';
import { activeCount } from '../bindings/waitset.js';
import { sleep, deferred } from './helpers.js';

/** Settles to 'pending' if `p` has not settled within `ms`. */
function within(p, ms) {
  return Promise.race([p.then((v) => ({ v }), (e) => ({ e })), sleep(ms).then(() => 'pending')]);
}

describe('deferred gather', () => {
  test('a slot failed at the call ends a fail-fast gather at once, beside a promise that never settles', async () => {
    // A thenable whose `then` getter throws is a failed value at the call.
    const bad = { get then() { throw new Error('bad then'); } };
    const r = await within(gather([bad, new Promise(() => {})]), 200);
    expect(r).not.toBe('pending');
    expect(r.e.message).toBe('bad then');
  });

  test('values beside promises: the shape and values of a gather that listened from the call', async () => {
    const a = deferred();
    const b = deferred();
    const g = gather({ x: a.promise, y: 2, z: b.promise });
    expect(activeCount()).toBe(0);
    b.resolve('B');
    await sleep(1);
    a.resolve('A');
    await expect(g).resolves.toEqual({ x: 'A', y: 2, z: 'B' });
    await expect(gather(new Map([['k', Promise.resolve(1)]]))).resolves.toEqual(new Map([['k', 1]]));
  });

  test('a single promise: its value, or its rejection', async () => {
    await expect(gather([Promise.resolve(7)])).resolves.toEqual([7]);
    await expect(gather(Promise.resolve(7))).resolves.toEqual([7]);
    const e = new Error('no');
    await expect(gather([Promise.reject(e)])).rejects.toBe(e);
  });

  test('two rejections in one tick: the first to settle, as Promise.all', async () => {
    const a = deferred();
    const b = deferred();
    const g = gather([a.promise, b.promise]);
    const ref = Promise.all([a.promise, b.promise]);
    setTimeout(() => { b.reject(new Error('B')); a.reject(new Error('A')); }, 1);
    await expect(ref).rejects.toThrow('B');
    await expect(g).rejects.toThrow('B');
  });

  test('many pending single gathers and waits hold no active Waiter, and all settle', async () => {
    const ds = Array.from({ length: 200 }, () => deferred());
    const gs = ds.map((d) => gather([d.promise]));
    const ws = ds.map((d) => wait([d.promise]));
    expect(activeCount()).toBe(0);
    ds.forEach((d, i) => d.resolve(i));
    const got = await Promise.all(gs);
    expect(got.map((x) => x[0])).toEqual(ds.map((_, i) => i));
    const waits = await Promise.all(ws);
    for (const r of waits) {
      expect(r.done.size).toBe(1);
      expect(r.notDone.size).toBe(0);
      expect([...r.done][0].done()).toBe(true);
    }
    expect(activeCount()).toBe(0);
  });

  test('wait over a single rejected promise: done, with its exception', async () => {
    const e = new Error('w');
    const { done, notDone } = await wait([Promise.reject(e)]);
    expect(notDone.size).toBe(0);
    const f = [...done][0];
    expect(await f.exception()).toBe(e);
    expect(await wrapFuture(Promise.resolve(3)).result()).toBe(3);
  });
});
