// Module Web Worker of the demo's fourth mode: the package running inside a
// browser worker, where a thread may block. It loads its own copy of the core
// (no init call), starts C tasks on that core's pthread pool and sleeps in
// waitSync (Atomics.wait on the core's signal word) until some are done,
// posting each finished tile to the page as soon as it wakes.
//
// Messages in:  { type: 'run', tiles: number[][] (kernel args), workers, cancel: Int32Array over a SharedArrayBuffer }
// Messages out: { type: 'ready', startMs }, { type: 'tile', index, bytes }, { type: 'done', ms, waits },
//               { type: 'cancelled', tiles }, { type: 'error', message }
// A blocked thread reads no messages, so cancel is a shared flag (cancel[0] = 1)
// that the loop reads each time waitSync returns; waitSync's timeout bounds
// how long that can take.
//
// The package is imported inside run(), not statically: its import waits for
// the wasm (top-level await), and a module worker whose evaluation is still
// waiting drops the messages posted to it meanwhile; the handler below is
// set at once instead.

/** Longest a cancel waits for this worker to notice it, in ms. */
const CANCEL_CHECK_MS = 50;

async function run({ tiles, workers, cancel }) {
  const t0 = performance.now();
  const { createWorker, waitSync, TimeoutError } = await import('/bindings/index.js');
  const w = await createWorker('builtin', { mode: 'c', maxWorkers: workers });
  postMessage({ type: 'ready', startMs: performance.now() - t0 });
  const t1 = performance.now();
  const index = new Map();
  let pending = tiles.map((args, i) => {
    const f = w.mandelbrot(...args);
    index.set(f, i);
    return f;
  });
  let waits = 0;
  let sent = 0;
  try {
    while (pending.length) {
      if (Atomics.load(cancel, 0) === 1) {
        for (const f of pending) f.cancel();
        postMessage({ type: 'cancelled', tiles: sent });
        return;
      }
      let done;
      try {
        ({ done } = waitSync(pending, { returnWhen: 'FIRST_COMPLETED', timeout: CANCEL_CHECK_MS }));
      } catch (e) {
        if (e instanceof TimeoutError) continue; // nothing finished in this slice: look at the flag again
        throw e;
      }
      waits++;
      for (const f of done) {
        const bytes = f.resultNow();
        postMessage({ type: 'tile', index: index.get(f), bytes }, [bytes.buffer]);
        sent++;
      }
      pending = pending.filter((f) => !done.has(f));
    }
    postMessage({ type: 'done', ms: performance.now() - t1, waits });
  } finally {
    await w.stop({ force: true });
  }
}

self.onmessage = ({ data }) => {
  if (data.type !== 'run') return;
  run(data).catch((e) => postMessage({ type: 'error', message: String((e && e.stack) || e) }));
};
