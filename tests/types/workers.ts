// Compile-only checks of the worker types (createWorker, concurry-wasm/worker).
import { createWorker, BaseFuture, QueueFullError, DataCloneError, WorkerCrashedError, wait, gather } from 'concurry-wasm';
import type { WorkerHandle, WorkerStats } from 'concurry-wasm';
import { currentTask, transfer } from 'concurry-wasm/worker';

const tasks = {
  add(a: number, b: number): number { return a + b; },
  async greet(name: string): Promise<string> { return `hi ${name}`; },
  base: 3,
};

async function main() {
  const w = await createWorker(tasks, { mode: 'sync' });
  const f: BaseFuture<number> = w.add(1, 2);
  const g: BaseFuture<string> = w.greet('x');
  const h: BaseFuture<number> = w.call('add', 1, Promise.resolve(2));
  const k: BaseFuture<string> = w.callWith({ timeout: 5, onProgress: (v) => void v }, 'greet', 'y');
  const s: WorkerStats = w.stats();
  await w.whenIdle();
  await w.whenAvailable();
  await w.stop({ force: true });
  await w[Symbol.asyncDispose]();
  // @ts-expect-error add takes numbers
  w.add('1', 2);
  // @ts-expect-error unknown option
  await createWorker(tasks, { mod: 'sync' });
  // @ts-expect-error unknown mode
  await createWorker(tasks, { mode: 'fiber' });
  // @ts-expect-error base is not a function
  w.base(1);
  const loose: WorkerHandle = await createWorker('./tasks.js', { mode: 'thread', maxWorkers: 2, balance: 'least-busy' });
  const any: BaseFuture<any> = loose.anything(1, 2);
  const e1 = new QueueFullError('full', { maxQueued: 1, queued: 1 });
  const e2 = new DataCloneError('x', { path: 'args[0]' });
  const e3 = new WorkerCrashedError('x', { exitCode: 1, method: 'm', attempts: 2 });
  const p: string | null = e2.path;
  const a: number = e3.attempts;
  await wait([f, g], { returnWhen: 'FIRST_COMPLETED', cancelPending: true });
  await gather([f, g], { cancelPending: true, timeout: 5 });
  // @ts-expect-error cancelPending is a boolean
  await gather([f], { cancelPending: 1 });
  void [f, g, h, k, s, any, e1, p, a];
}

export function inside(): Uint8Array {
  const t = currentTask();
  t.progress(1);
  const n: number = t.attempt;
  const aborted: boolean = t.signal.aborted;
  void [n, aborted];
  const b = new Uint8Array(4);
  return transfer(b, [b.buffer]);
}
void main;
