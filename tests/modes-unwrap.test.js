// Argument unwrapping (unwrapFutures): futures and Promises among the
// arguments, nested in arrays, plain objects, Map values and Set members, are
// awaited and replaced; nothing else is touched or copied.
import { unwrapArgs } from '../bindings/modes/unwrap.js';
import { SyncFuture, PromiseFuture, CancelledError, kFutureOf } from '../bindings/index.js';
import { sleep, deferred } from './helpers.js';

test('nothing to await: null, and the caller keeps its objects', () => {
  const obj = { a: 1, b: [2, 3], m: new Map([[1, 2]]) };
  expect(unwrapArgs([1, 'x', obj, null, undefined])).toBe(null);
  expect(unwrapArgs([])).toBe(null);
  class Box { constructor() { this.p = Promise.resolve(1); } }
  expect(unwrapArgs([new Box()])).toBe(null); // class instances are not looked into
});

test('top-level and nested futures and promises are replaced by their results', async () => {
  const d = deferred();
  const inner = { deep: [sleep(5, 'late')] };
  const args = [
    Promise.resolve(1),
    new SyncFuture(2),
    new PromiseFuture(d.promise),
    { x: sleep(1, 'x'), keep: 'k', inner },
    new Map([['m', Promise.resolve('mv')], ['n', 5]]),
    new Set([Promise.resolve('s1'), 's2']),
    { then(res) { res('thenable'); } },
    { [kFutureOf]: new SyncFuture('handle') },
  ];
  const p = unwrapArgs(args);
  expect(p).toBeInstanceOf(Promise);
  d.resolve(3);
  const out = await p;
  expect(out.slice(0, 3)).toEqual([1, 2, 3]);
  expect(out[3]).toEqual({ x: 'x', keep: 'k', inner: { deep: ['late'] } });
  expect(out[3]).not.toBe(args[3]);
  expect(inner.deep[0]).toBeInstanceOf(Promise); // the caller's object is unchanged
  expect([...out[4]]).toEqual([['m', 'mv'], ['n', 5]]);
  expect([...out[5]]).toEqual(['s1', 's2']);
  expect(out[6]).toBe('thenable');
  expect(out[7]).toBe('handle');
});

test('containers without futures keep their identity beside ones that have them', async () => {
  const plain = { a: [1] };
  const out = await unwrapArgs([plain, Promise.resolve(1)]);
  expect(out[0]).toBe(plain);
});

test('cycles through containers are kept', async () => {
  const o = { p: Promise.resolve(7) };
  o.self = o;
  const [c] = await unwrapArgs([o]);
  expect(c.p).toBe(7);
  expect(c.self).toBe(c);
});

test('a failed or cancelled argument fails the whole unwrap with its error', async () => {
  const err = new Error('arg failed');
  await expect(unwrapArgs([1, { x: Promise.reject(err) }])).rejects.toBe(err);
  const f = new PromiseFuture(new Promise(() => {}));
  f.cancel();
  await expect(unwrapArgs([[f]])).rejects.toBeInstanceOf(CancelledError);
  const bad = { get then() { throw new Error('getter'); } };
  await expect(unwrapArgs([bad])).rejects.toThrow('getter');
});

test('a container reached first through a cycle is still copied and unwrapped', async () => {
  const a = {};
  const b = { a };
  a.b = b;
  a.p = Promise.resolve(5);
  const [ca] = await unwrapArgs([a]);
  expect(ca.p).toBe(5);
  expect(ca.b).not.toBe(b);
  expect(ca.b.a).toBe(ca);
});

test('null-prototype objects stay null-prototype and keep key order', async () => {
  const o = Object.create(null);
  o.z = Promise.resolve(1);
  o.a = 2;
  const [c] = await unwrapArgs([o]);
  expect(Object.getPrototypeOf(c)).toBe(null);
  expect(Object.keys(c)).toEqual(['z', 'a']);
  expect(c.z).toBe(1);
});
