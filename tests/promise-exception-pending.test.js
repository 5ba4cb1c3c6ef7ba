// Regression: exception() on a PromiseFuture that was pending and then failed
// resolved by adopting the (thenable) future itself, so it rejected with the
// task's error instead of resolving to it.
import { PromiseFuture } from '../bindings/index.js';
import { deferred } from './helpers.js';

test.each([false, true])('exception() of a pending PromiseFuture that fails resolves to the error (done-callback first: %s)', async (withCb) => {
  const d = deferred();
  const f = new PromiseFuture(d.promise);
  if (withCb) f.addDoneCallback(() => {});
  const ex = f.exception();
  const res = f.result().then(() => 'fulfilled', (e) => e);
  const err = new Error('late failure');
  setTimeout(() => d.reject(err), 2);
  await expect(ex).resolves.toBe(err);
  await expect(res).resolves.toBe(err);
});

test('exception() of a pending PromiseFuture that succeeds resolves to null', async () => {
  const d = deferred();
  const f = new PromiseFuture(d.promise);
  const ex = f.exception();
  setTimeout(() => d.resolve(5), 2);
  await expect(ex).resolves.toBe(null);
});
