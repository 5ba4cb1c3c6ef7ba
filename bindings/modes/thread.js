/**
 * Thread mode: a pool (pool.js) of worker_threads in Node, module Web Workers
 * in browsers, each running runtime.js through thread-entry.js. Each worker
 * publishes the id of the call it runs, and of the last one it started, in
 * shared Int32s (the slot), so a crash fails exactly the calls that had
 * started and not reported back, and requeues the rest. In Node the slot's
 * third Int32 is the exit code + 1 once the worker is exiting (process.exit,
 * an uncaught error), written after its last outcomes were posted, so a
 * thread blocked in waitSync sees the exit without its event loop. Its
 * fourth is the cancel cell (runtime.js CANCEL_AT): the call the pool
 * stopped there, which a synchronous task's signal reads. From its fifth
 * Int32 on, the slot holds the claim cells of the calls handed to
 * the worker (runtime.js), through which an idle worker takes calls a busy
 * one has not started.
 * @module concurry-wasm/modes/thread
 */
import { Pool } from './pool.js';
import { ThreadFuture } from '../futures/task.js';
import { moduleURL } from './target.js';
import { IS_NODE as isNode } from '../env.js';
import { deserializeError } from './boundary.js';
import { SLOT_INTS } from './runtime.js';


const MODE = 'thread';
const ENTRY = new URL('./thread-entry.js', import.meta.url);

let NodeWorker = null;
if (isNode) NodeWorker = (await import('node:worker_threads')).Worker;

function spawnNode(url, o) {
  const spawn = (slot) => {
    // No SharedArrayBuffer (node --no-harmony-sharedarraybuffer): no slot;
    // the runtime then reports each outcome before the next call starts.
    const sab = typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(SLOT_INTS * 4) : null;
    const { port1, port2 } = new MessageChannel();
    const w = new NodeWorker(ENTRY, {
      workerData: { slot: sab, port: port2, ring: slot.ringInfo || null },
      transferList: [port2],
      resourceLimits: o.resourceLimits || undefined,
    });
    let err = null;
    const h = {
      slot: sab ? new Int32Array(sab) : null,
      port: port1,
      onmessage: null,
      onexit: null,
      post(m, tl) { w.postMessage(m, tl || undefined); },
      /** The code the worker is exiting with, or null (read by pool.pumpSync). */
      exitCode() { const c = h.slot ? Atomics.load(h.slot, 2) : 0; return c === 0 ? null : c - 1; },
      terminate() { w.terminate(); },
      ref() { w.ref(); port1.ref(); },
      unref() { w.unref(); port1.unref(); },
    };
    port1.on('message', (m) => h.onmessage(m));
    // Why the thread dies (thread-entry.js, before it exits): the crash's
    // cause and words, withdrawn by 'survived' when a handler of the task
    // module kept it alive. { value, why }: the value may be falsy.
    let crash = null;
    w.on('message', (m) => {
      if (!Array.isArray(m)) return;
      if (m[0] === 'crashed') crash = { value: deserializeError(m[1]), why: m[2] };
      else if (m[0] === 'survived') crash = null;
    });
    // An uncaught error (or ERR_WORKER_OUT_OF_MEMORY) comes before 'exit'.
    w.on('error', (e) => { err = e; });
    w.on('exit', (code) => {
      // The pool reads what the worker posted before it died, then the port
      // closes. Node drains parentPort's messages ('crashed') before 'exit'.
      if (crash !== null) h.onexit(code, null, crash.value, crash.why);
      else h.onexit(code, null, err);
      port1.close();
    });
    w.postMessage(['init', url]);
    return h;
  };
  spawn.rings = true;
  spawn.syncPump = true;
  return spawn;
}

function spawnBrowser(url) {
  return () => {
    // Written out (not ENTRY) so that bundlers (Vite, webpack 5, Parcel) see
    // the module worker and bundle thread-entry.js with its imports.
    const w = new Worker(new URL('./thread-entry.js', import.meta.url), { type: 'module' });
    const sab = typeof SharedArrayBuffer === 'function' && /** @type {any} */ (globalThis).crossOriginIsolated
      ? new SharedArrayBuffer(SLOT_INTS * 4) : null;
    let gone = false;
    const h = {
      slot: sab ? new Int32Array(sab) : null,
      onmessage: null,
      onexit: null,
      post(m, tl) { w.postMessage(m, tl || []); },
      terminate() {
        w.terminate();
        // A Web Worker has no exit event: terminate() is its exit.
        if (!gone) { gone = true; queueMicrotask(() => h.onexit(null, null, null)); }
      },
      ref() {},
      unref() {},
    };
    w.onmessage = (ev) => {
      const m = ev.data;
      if (Array.isArray(m) && m[0] === 'closed') {
        if (!gone) { gone = true; w.terminate(); h.onexit(0, null, null); }
        return;
      }
      // An unhandled rejection in the worker (thread-entry.js): a crash, exit code 1 as in Node.
      if (Array.isArray(m) && m[0] === 'crashed') {
        if (!gone) { gone = true; w.terminate(); h.onexit(1, null, deserializeError(m[1]), m[2]); }
        return;
      }
      h.onmessage(m);
    };
    w.onerror = (ev) => {
      ev.preventDefault();
      if (gone) return;
      gone = true;
      w.terminate();
      h.onexit(1, null, ev.error || new Error(ev.message || 'uncaught error in the worker'));
    };
    w.postMessage({ slot: sab });
    w.postMessage(['init', url]);
    return h;
  };
}

/**
 * A thread pool over `target`'s module; resolves once one worker has loaded
 * it (rejects with the load error if it cannot).
 * @param {string|URL} target
 * @param {object} opts createWorker()'s options, normalized (worker-options.js)
 * @returns {Promise<Pool>}
 */
export async function createBackend(target, opts) {
  const url = await moduleURL(target, MODE);
  const o = { ...opts };
  const pool = new Pool('thread', isNode ? spawnNode(url, o) : spawnBrowser(url), url, o, ThreadFuture);
  await pool.start();
  return pool;
}
