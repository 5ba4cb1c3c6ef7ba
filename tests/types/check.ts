// Compile-only checks of bindings/index.d.ts (run by tests/types.test.js with tsc --noEmit).
import {
  wait, gather, wrapFuture, BaseFuture, SyncFuture, PromiseFuture, ReturnWhen, PollingAlgorithm,
  FixedPollingStrategy, config, TimeoutError, ready,
} from 'concurry-wasm';
import type { GatherOptions, WaitOptions, WaitResult } from 'concurry-wasm';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(): void {}

async function main() {
  await ready();
  const p1 = Promise.resolve(1);
  const p2 = Promise.resolve('a');

  const arr = await gather([p1, p2, 3]);
  assertType<Equal<typeof arr, [number, string, 3]>>();

  const nums: Promise<number>[] = [p1, p1];
  const list = await gather(nums);
  assertType<Equal<typeof list, number[]>>();

  const obj = await gather({ a: p1, b: p2 });
  assertType<Equal<typeof obj, { a: number; b: string }>>();

  const withOpts = await gather({ a: p1 }, { timeout: 50 });
  assertType<Equal<typeof withOpts, { a: number }>>();

  const m = await gather(new Map([['k', p1]]));
  assertType<Equal<typeof m, Map<string, number>>>();

  const single = await gather(p2);
  assertType<Equal<typeof single, [string]>>();

  const fut = wrapFuture(p1);
  assertType<Equal<typeof fut, BaseFuture<number>>>();
  const viaFuture = await gather([fut]);
  assertType<Equal<typeof viaFuture, [number]>>();

  for await (const [k, v] of gather({ a: p1, b: p1 }, { iter: true })) {
    assertType<Equal<typeof k, 'a' | 'b'>>();
    assertType<Equal<typeof v, number>>();
  }
  const sym: unique symbol = Symbol('s');
  for await (const [k] of gather({ [sym]: p1, 1: p1, c: p2 }, { iter: true })) {
    assertType<Equal<typeof k, typeof sym | '1' | 'c'>>();
  }
  for await (const [i, v] of gather(nums, { iter: true })) {
    assertType<Equal<typeof i, number>>();
    assertType<Equal<typeof v, number>>();
  }

  const exc = await gather([p1], { returnExceptions: true });
  assertType<Equal<typeof exc, [number | Error]>>();

  const nested = await gather({ a: [p1, { b: p2 }] }, { recurse: true });
  const b: string = nested.a[1].b;

  const { done, notDone } = await wait([p1, p2], { returnWhen: ReturnWhen.FIRST_COMPLETED, timeout: 10 });
  assertType<Equal<typeof done, Set<BaseFuture>>>();
  assertType<Equal<typeof notDone, Set<BaseFuture>>>();
  await wait(p1, p2, { returnWhen: 'first_exception', polling: PollingAlgorithm.Fixed });
  await wait([p1], { polling: new FixedPollingStrategy({ interval: 5 }), progress: (r) => r.completed + r.elapsedMs });

  const s = new SyncFuture(5);
  const n: number = s.resultNow();
  const pf = new PromiseFuture(p2);
  const str: string = await pf;
  const r: string = await pf.result({ timeout: 5 });
  pf.addDoneCallback((f) => f.done());
  config.defaults.pollingFixedInterval = 5;
  config.reset();
  const e = new TimeoutError('x', { completed: 1, total: 2 });
  const c: number | undefined = e.completed;
  // @ts-expect-error unknown option
  await wait([p1], { timout: 5 });
  // @ts-expect-error a structure plus more arguments
  await gather([p1], p2);
  const variadic: unknown[] = await gather(p1, p2, { timeout: 5 });
  void variadic;
  // @ts-expect-error timeout is a number
  await wait([p1], { timeout: '5' });
  // Options whose type is the whole interface, possibly undefined (TS2769 before).
  const maybeOpts: GatherOptions | undefined = nums.length ? { timeout: 5 } : undefined;
  const viaMaybe = await gather(nums, maybeOpts);
  void viaMaybe;
  const maybeWait: WaitOptions | undefined = nums.length ? { timeout: 5 } : undefined;
  const waited: WaitResult = await wait(nums, maybeWait);
  void waited;
  void [b, n, str, r, c];
}
void main;

// An iterator is list input (→ array).
export async function iteratorInput(): Promise<void> {
  const m = new Map<string, Promise<number>>([['a', Promise.resolve(1)]]);
  const xs: number[] = await gather(m.values());
  function* gen() { yield Promise.resolve('s'); }
  const ys: string[] = await gather(gen());
  for await (const [k, v] of gather(m.values(), { iter: true })) { const kk: number = k; const vv: number = v; void kk; void vv; }
  const { done } = await wait(m.values());
  void xs; void ys; void done;
}

// With recurse, only a top-level iterator is read; a nested one stays as it is.
export async function nestedIteratorRecurse(): Promise<void> {
  function* gen() { yield 1; }
  const r = await gather({ a: gen(), b: Promise.resolve(2) }, { recurse: true });
  const g: Generator<number> = r.a;
  const b: number = r.b;
  const top: number[] = await gather(gen(), { recurse: true });
  void g; void b; void top;
}
