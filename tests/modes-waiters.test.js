// bindings/modes/waiters.js: the waiter list behind whenIdle()/whenAvailable()
// and stop()'s wait for worker exits (pool.js, remote.js).
import { Waiters } from '../bindings/modes/waiters.js';

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
