// A Node project without the DOM lib (lib: es2023, types: node) must type-check
// against index.d.ts and worker.d.ts (a new-user trial found `Transferable`,
// a DOM-only name, in both).
import { createWorker, gather, wait } from '../../bindings/index.js';
import { transfer, currentTask } from '../../bindings/worker.js';
import { MessageChannel } from 'node:worker_threads';

export async function main(): Promise<void> {
  const w = await createWorker<{ f(b: ArrayBuffer): number }>('./tasks.mjs', { mode: 'thread' });
  const buf = new ArrayBuffer(8);
  const { port1 } = new MessageChannel();
  const f = w.callWith({ transfer: [buf, port1] }, 'f', buf);
  const n: number[] = await gather([f]);
  const { done } = await wait([f], { timeout: 100 });
  void n; void done;
  const moved: ArrayBuffer = transfer(buf, [buf]);
  currentTask().progress(1);
  void moved;
  await w.stop();
}
