// gather() over futures that real workers make, in every mode (sync,
// asyncio, thread, process and c; tests/matrix-modes.js): the input shapes,
// returnExceptions, iter in completion order, recurse, the progress
// callback's final report, timeouts ("k of n completed", futures usable
// afterwards) and the abort signal.
import { gather, TimeoutError, BaseFuture } from '../bindings/index.js';
import { MATRIX, workerFor, stopMatrixWorkers, ops, PREFIX } from './matrix-modes.js';

afterAll(stopMatrixWorkers);

describe.each(MATRIX)('%s mode', (mode) => {
  let w; let o;
  beforeAll(async () => {
    w = await workerFor(mode);
    o = ops(mode, w);
  });

  test('futures of the mode are BaseFutures with its uuid prefix', async () => {
    const f = o.ok(1, 4);
    expect(f).toBeInstanceOf(BaseFuture);
    expect(f.uuid).toMatch(PREFIX[mode]);
    expect(await f).toBe(4);
  });

  test('array, Set, single and variadic input give arrays in input order', async () => {
    await expect(gather([o.ok(30, 1), o.ok(1, 2), o.add(3, 4)])).resolves.toEqual([1, 2, 7]);
    await expect(gather(new Set([o.ok(20, 1), o.ok(1, 2)]))).resolves.toEqual([1, 2]);
    await expect(gather(o.ok(1, 9))).resolves.toEqual([9]);
    await expect(gather(o.ok(10, 1), o.add(1, 1), 3, { timeout: 10000 })).resolves.toEqual([1, 2, 3]);
  });

  test('object in, object out (same keys, same order); Map in, Map out', async () => {
    const r = await gather({ z: o.ok(30, 1), a: o.ok(1, 2), m: 3 });
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.keys(r)).toEqual(['z', 'a', 'm']);
    expect(r).toEqual({ z: 1, a: 2, m: 3 });
    const k = { id: 1 };
    const m = await gather(new Map([[k, o.ok(20, 5)], ['s', o.add(2, 2)]]));
    expect(m).toBeInstanceOf(Map);
    expect([...m.keys()]).toEqual([k, 's']);
    expect([...m.values()]).toEqual([5, 4]);
  });

  test('returnExceptions puts each error in its place; without it the first failure rejects', async () => {
    const out = await gather([o.ok(5, 1), o.bad(2, 7), o.ok(1, 3)], { returnExceptions: true });
    expect(out[0]).toBe(1);
    expect(o.isBad(out[1], 7)).toBe(true);
    expect(out[2]).toBe(3);
    const obj = await gather({ a: o.bad(1, 8), b: o.ok(1, 2) }, { returnExceptions: true });
    expect(o.isBad(obj.a, 8)).toBe(true);
    expect(obj.b).toBe(2);
    const err = await gather([o.ok(5, 1), o.bad(1, 9)]).then(() => null, (e) => e);
    expect(o.isBad(err, 9)).toBe(true);
  });

  test('iter yields [key, value] in completion order', async () => {
    // At most two calls that take time (a pool has two workers), far apart.
    const order = [];
    for await (const [k, v] of gather([o.ok(300, 10), o.ok(1, 11), 12], { iter: true })) order.push([k, v]);
    expect(order).toEqual([[2, 12], [1, 11], [0, 10]]);
    const keys = [];
    for await (const [k, v] of gather({ slow: o.ok(150, 1), fast: o.ok(1, 2) }, { iter: true })) keys.push(`${k}=${v}`);
    expect(keys).toEqual(['fast=2', 'slow=1']);
    // returnExceptions in iter: the error comes as the value.
    const got = [];
    for await (const [k, v] of gather([o.ok(100, 1), o.bad(1, 3)], { iter: true, returnExceptions: true })) got.push([k, v]);
    expect(got.map(([k]) => k)).toEqual([1, 0]);
    expect(o.isBad(got[0][1], 3)).toBe(true);
    expect(got[1][1]).toBe(1);
  });

  test('recurse resolves nested arrays, objects and Maps of futures, keeping the shape', async () => {
    const r = await gather({ a: [o.ok(5, 1), { b: o.add(1, 1) }], m: new Map([['k', o.ok(1, 3)]]), v: 4 }, { recurse: true });
    expect(r.a).toEqual([1, { b: 2 }]);
    expect(r.m).toBeInstanceOf(Map);
    expect(r.m.get('k')).toBe(3);
    expect(r.v).toBe(4);
  });

  test('the progress callback gets a final report before gather settles', async () => {
    const reports = [];
    let settled = false;
    const p = gather([o.ok(20, 1), o.ok(1, 2), o.add(1, 2), 4], { progress: (r) => { expect(settled).toBe(false); reports.push({ ...r }); } });
    const out = await p.finally(() => { settled = true; });
    expect(out).toEqual([1, 2, 3, 4]);
    const last = reports[reports.length - 1];
    expect(last).toMatchObject({ completed: 4, failed: 0, total: 4, final: true });
    expect(reports.filter((r) => r.final).length).toBe(1);
    // Completed counts never go down.
    for (let i = 1; i < reports.length; i++) expect(reports[i].completed).toBeGreaterThanOrEqual(reports[i - 1].completed);
    const failing = [];
    await gather([o.ok(5, 1), o.bad(1, 2)], { returnExceptions: true, progress: (r) => failing.push({ ...r }) });
    expect(failing[failing.length - 1]).toMatchObject({ completed: 2, failed: 1, total: 2, final: true });
  });

  test('a timeout rejects with TimeoutError saying k of n completed; the futures stay usable', async () => {
    const slow = o.ok(700, 5);
    const fast = o.ok(1, 6);
    const e = await gather([fast, slow], { timeout: 250 }).then(() => null, (x) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.message).toMatch(/1 of 2 completed/);
    expect(e.completed).toBe(1);
    expect(e.total).toBe(2);
    expect(fast.done()).toBe(true);
    expect(fast.resultNow()).toBe(6);
    expect(slow.done()).toBe(false);
    await expect(slow.result()).resolves.toBe(5);
    await expect(gather([fast, slow])).resolves.toEqual([6, 5]);
  });

  test('an aborted signal rejects gather with its reason; the futures stay usable', async () => {
    const ac = new AbortController();
    const slow = o.ok(300, 1);
    const p = gather([slow, o.ok(1, 2)], { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stop now')), 30);
    await expect(p).rejects.toThrow('stop now');
    await expect(slow.result()).resolves.toBe(1);
    // Already aborted: rejects at once, before any future is looked at.
    await expect(gather([o.add(1, 1)], { signal: AbortSignal.abort(new Error('before')) })).rejects.toThrow('before');
  });
});
