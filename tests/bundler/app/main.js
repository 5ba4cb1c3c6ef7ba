// A tiny app that uses the package the way a user of a bundler does: a bare
// import of 'concurry-wasm', a thread-mode gather over a task module, C kernels
// and a Promise gather. window.result: a Promise of what happened, for
// tests/bundler/run.mjs.
import { gather, createWorker } from 'concurry-wasm';

async function run() {
  const out = { crossOriginIsolated: self.crossOriginIsolated };
  // The task module is a build entry of its own (README's vite.config.js block), at the
  // same path in the dev server and in the build. (Not new URL('./tasks.js',
  // import.meta.url): Vite would copy that file unbundled, and its bare
  // import of 'concurry-wasm/worker' would not resolve in the browser.)
  const w = await createWorker('/src/tasks.js', { mode: 'thread', maxWorkers: 2 });
  try {
    const fs = Array.from({ length: 6 }, (_, i) => w.square(i));
    out.threadUuid = fs[0].uuid.match(/^[a-z]+-future-/)[0];
    out.thread = await gather(fs);
    out.threadDict = await gather({ a: w.square(7), b: w.slowEcho(30, 'b') });
    const seen = [];
    out.taskContext = { result: await w.callWith({ onProgress: (v) => seen.push(v) }, 'countUp', 3), progress: seen };
  } finally {
    await w.stop();
  }
  const c = await createWorker('builtin', { mode: 'c', maxWorkers: 2 });
  try {
    out.c = await gather([c.primes(0, 10000), c.add(1, 2)]);
  } finally {
    await c.stop();
  }
  out.promise = await gather([Promise.resolve('p'), new Promise((r) => setTimeout(() => r('q'), 5)), 3]);
  out.resources = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname);
  return out;
}

window.result = run().catch((e) => ({ error: String((e && e.stack) || e) }));
window.result.then((r) => { document.getElementById('out').textContent = JSON.stringify(r, null, 2); });
