// bindings/modes/waiters.js: the waiter list behind whenIdle()/whenAvailable()
// and stop()'s wait for worker exits (pool.js, remote.js); CondWaiters, mode
// 'c''s conditions tested again at each change (c.js, c-worker.js).
import { Waiters, CondWaiters } from '../bindings/modes/waiters.js';

const settled = async (p) => {
  let done = false;
  p.then(() => { done = true; });
  for (let i = 0; i < 5; i++) await null;
  return done;
};

test('wait() stays pending until flush(), which resolves every waiter so far', async () => {
  const w = new Waiters();
  expect(w.pending).toBe(false);
  const a = w.wait();
  const b = w.wait();
  expect(w.pending).toBe(true);
  expect(await settled(a)).toBe(false);
  w.flush();
  expect(w.pending).toBe(false);
  expect(await settled(a)).toBe(true);
  expect(await settled(b)).toBe(true);
  await expect(a).resolves.toBeUndefined();
});

test('a waiter added while a flush runs waits for the next flush', async () => {
  const w = new Waiters();
  let late = null;
  w.list.push(() => { late = w.wait(); });
  w.flush();
  expect(late).not.toBeNull();
  expect(w.pending).toBe(true);
  expect(await settled(late)).toBe(false);
  w.flush();
  expect(await settled(late)).toBe(true);
});

test('flush() with nobody waiting does nothing', () => {
  const w = new Waiters();
  w.flush();
  expect(w.pending).toBe(false);
});

test('CondWaiters: until() resolves at once when its condition holds, else at the first check() that finds it true', async () => {
  const w = new CondWaiters();
  let n = 0;
  expect(await settled(w.until(() => true))).toBe(true);
  expect(w.pending).toBe(false);
  const a = w.until(() => n >= 1);
  const b = w.until(() => n >= 2);
  expect(w.check()).toBe(true);
  expect(await settled(a)).toBe(false);
  n = 1;
  expect(w.check()).toBe(true);
  expect([await settled(a), await settled(b)]).toEqual([true, false]);
  n = 2;
  expect(w.check()).toBe(false);
  expect(await settled(b)).toBe(true);
  expect(w.pending).toBe(false);
});
