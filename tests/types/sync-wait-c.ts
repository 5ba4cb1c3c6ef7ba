// Compile-only checks of waitSync/gatherSync and mode 'c' in bindings/index.d.ts
// (tests/types.test.js runs tsc --noEmit over tests/types).
import { waitSync, gatherSync, createWorker, SyncFuture } from 'concurry-wasm';
import type { WaitResult, WaitSyncOptions, GatherSyncOptions } from 'concurry-wasm';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(): void {}

async function main() {
  const a = new SyncFuture(1);
  const b = new SyncFuture('x');
  const r: WaitResult = waitSync([a, b], { timeout: 5, returnWhen: 'FIRST_COMPLETED', cancelPending: true });
  const r2: WaitResult = waitSync(a, b, { progress: (p) => p.completed });
  const arr = gatherSync([a, b, 3]);
  assertType<Equal<typeof arr, [number, string, 3]>>();
  const obj = gatherSync({ a, b });
  assertType<Equal<typeof obj, { a: number; b: string }>>();
  const withErr = gatherSync([a], { returnExceptions: true });
  assertType<Equal<typeof withErr, [number | Error]>>();
  const variadic: unknown[] = gatherSync(a, b, { timeout: 1 });
  const wo: WaitSyncOptions = { polling: 'adaptive' };
  const go: GatherSyncOptions = { recurse: true };
  // @ts-expect-error signal does not apply to a blocking wait
  waitSync([a], { signal: new AbortController().signal });
  // @ts-expect-error iter does not apply to a blocking gather
  gatherSync([a], { iter: true });
  // @ts-expect-error progress is a function here
  waitSync([a], { progress: true });

  const w = await createWorker('builtin', { mode: 'c', maxWorkers: 2 });
  const f = w.primes(0, 100);
  const n: number | Uint8Array = await f;
  await createWorker({ kernels: ['fib'] }, { mode: 'c' });
  void [r, r2, variadic, wo, go, n];
}
void main;
