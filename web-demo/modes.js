// The four ways the demo computes the same tiles, each with one shape:
//
//   run(pkg, { tiles, workers, signal, onStart, onTile, onProgress })
//     -> Promise<{ startMs, ms }>   (rejects with signal.reason once aborted)
//
// tiles: the kernel arguments of each tile (mandelbrot.mjs tileGrid); onTile(index,
// bytes) draws one; onProgress({ completed, failed, total, elapsedMs }) moves the
// bar. startMs is the pool's start-up (until every worker is up), ms the time from the first
// call to the last tile handed to onTile: the number the page compares. The
// blocking mode also calls onStopped({ by: 'worker' | 'terminate', ms }) after a
// cancel: whether its worker saw the flag, or had to be terminated.
import { mandelbrotTile } from './mandelbrot.mjs';

/**
 * Gives the browser a turn (input, paint) between tiles of the main-thread
 * run. A timer task, not scheduler.yield(): a yield's continuation is
 * scheduled ahead of input, and a click on Cancel then waited for the whole run.
 */
const yieldToBrowser = () => new Promise((r) => setTimeout(r, 0));

/**
 * Main thread, one tile after another: a `sync` worker runs each call at call
 * time and hands back a done SyncFuture. Between tiles it yields every ~25 ms
 * so the page can paint and the cancel button works (the yields are in `ms`).
 */
async function runSync(pkg, { tiles, signal, onStart, onTile, onProgress }) {
  const t0 = performance.now();
  const w = await pkg.createWorker({ mandelbrot: mandelbrotTile }, { mode: 'sync' });
  const startMs = performance.now() - t0;
  onStart(startMs);
  const t1 = performance.now();
  let slice = t1;
  try {
    for (let i = 0; i < tiles.length; i++) {
      signal.throwIfAborted();
      const f = w.mandelbrot(...tiles[i]);
      onTile(i, f.resultNow());
      const now = performance.now();
      onProgress({ completed: i + 1, failed: 0, total: tiles.length, elapsedMs: now - t1 });
      if (now - slice > 25) {
        await yieldToBrowser();
        slice = performance.now();
      }
    }
    signal.throwIfAborted();
    return { startMs, ms: performance.now() - t1 };
  } finally {
    await w.stop();
  }
}

/**
 * Every tile submitted at once to a pool; `gather(futures, { iter: true })`
 * yields [index, bytes] in completion order, the core's progress callback
 * moves the bar, and the abort signal (with cancelPending) cancels whatever
 * is still queued or running.
 */
async function runPool(pkg, w, startMs, { tiles, signal, onStart, onTile, onProgress }) {
  onStart(startMs);
  const t1 = performance.now();
  let finished = false;
  try {
    const futures = tiles.map((args) => w.mandelbrot(...args));
    const it = pkg.gather(futures, { iter: true, signal, cancelPending: true, progress: onProgress });
    for await (const [i, bytes] of it) onTile(i, bytes);
    finished = true;
    return { startMs, ms: performance.now() - t1 };
  } finally {
    // After a cancel or an error, what still runs is stopped, not waited for.
    await w.stop({ force: !finished });
  }
}

/**
 * Resolves once `n` distinct workers of a thread pool have answered (or 10 s
 * pass). createWorker resolves when the first worker has loaded the module;
 * the others load meanwhile (a module graph and a wasm core each), and tiles
 * handed out before they are up would all go to the first: the timing would
 * be of one worker, not of `n`. Calls go only to workers that are up, so
 * asking each call who answered finds the others as they come.
 */
async function allWorkersUp(w, n, signal) {
  const seen = new Set();
  const end = performance.now() + 10_000;
  while (seen.size < n && performance.now() < end) {
    signal.throwIfAborted();
    const ids = await Promise.all(Array.from({ length: n }, () => w.workerId()));
    for (const id of ids) seen.add(id);
    if (seen.size < n) await new Promise((r) => setTimeout(r, 10));
  }
}

/** JavaScript tiles on a pool of module Web Workers (tiles.mjs). */
async function runThread(pkg, opts) {
  const t0 = performance.now();
  const w = await pkg.createWorker(new URL('./tiles.mjs', import.meta.url).href, { mode: 'thread', maxWorkers: opts.workers });
  try {
    await allWorkersUp(w, opts.workers, opts.signal);
  } catch (e) {
    await w.stop({ force: true });
    throw e;
  }
  return runPool(pkg, w, performance.now() - t0, opts);
}

/** The core's C kernel `mandelbrot` on its pthread pool. */
async function runC(pkg, opts) {
  const t0 = performance.now();
  const w = await pkg.createWorker('builtin', { mode: 'c', maxWorkers: opts.workers });
  return runPool(pkg, w, performance.now() - t0, opts);
}

/**
 * C tasks again, but created and waited for inside a module Web Worker that
 * blocks in waitSync (blocking-worker.js); the page only draws what it posts.
 */
function runBlocking(pkg, { tiles, workers, signal, onStart, onTile, onProgress, onStopped = () => {} }) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./blocking-worker.js', import.meta.url), { type: 'module' });
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    let startMs = 0;
    let t1 = 0;
    let drawn = 0;
    let settled = false;
    let grace = null;
    let abortedAt = 0;
    const finish = (fn, v) => {
      if (settled) return;
      settled = true;
      clearTimeout(grace);
      signal.removeEventListener('abort', onAbort);
      worker.terminate();
      fn(v);
    };
    const onAbort = () => {
      abortedAt = performance.now();
      Atomics.store(cancel, 0, 1);
      // It notices within its waitSync slice; if it does not answer, end it anyway.
      grace = setTimeout(() => {
        onStopped({ by: 'terminate', ms: performance.now() - abortedAt });
        finish(reject, signal.reason);
      }, 2000);
    };
    signal.addEventListener('abort', onAbort);
    worker.onmessage = ({ data }) => {
      if (data.type === 'ready') {
        startMs = data.startMs;
        onStart(startMs);
        t1 = performance.now();
      } else if (data.type === 'tile') {
        if (signal.aborted) return;
        onTile(data.index, data.bytes);
        drawn++;
        onProgress({ completed: drawn, failed: 0, total: tiles.length, elapsedMs: performance.now() - t1 });
      } else if (data.type === 'done') {
        if (signal.aborted) finish(reject, signal.reason);
        else finish(resolve, { startMs, ms: performance.now() - t1, workerMs: data.ms, waits: data.waits });
      } else if (data.type === 'cancelled') {
        if (!settled) onStopped({ by: 'worker', ms: performance.now() - abortedAt });
        finish(reject, signal.reason);
      } else if (data.type === 'error') {
        finish(reject, new Error(`blocking worker: ${data.message}`));
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      finish(reject, new Error(`blocking worker: ${e.message || 'could not load blocking-worker.js'}`));
    };
    if (signal.aborted) onAbort();
    worker.postMessage({ type: 'run', tiles, workers, cancel });
  });
}

/**
 * The modes in the order the page runs them; `sync` is the baseline. A page
 * that is not cross-origin isolated skips those with `needsIsolation` (the
 * package then runs its single-threaded core, where no thread may block).
 */
export const MODES = [
  { id: 'sync', title: 'Main thread', api: "createWorker(fns, { mode: 'sync' })", note: 'one tile after another on the page\u2019s own thread', run: runSync, pooled: false },
  { id: 'thread', title: 'Web Workers', api: "createWorker(url, { mode: 'thread', maxWorkers })", note: 'JavaScript tiles on a pool of module workers, gather(\u2026, { iter: true })', run: runThread, pooled: true },
  { id: 'c', title: 'C tasks', api: "createWorker('builtin', { mode: 'c', maxWorkers })", note: 'the core\u2019s C kernel on its pthread pool, gather(\u2026, { iter: true })',
    noteSingleThreaded: 'the core\u2019s C kernel on Web Workers of its own (single-threaded core), gather(\u2026, { iter: true })', run: runC, pooled: true },
  { id: 'blocking', title: 'C tasks + waitSync', api: "waitSync(futures, { returnWhen: 'FIRST_COMPLETED' })", note: 'inside a module Web Worker that blocks until tiles finish', run: runBlocking, pooled: true, needsIsolation: true },
];
