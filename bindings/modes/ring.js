/**
 * Completion rings on the pool's side (the core's half is wasm/src/ring.c):
 * a thread-mode worker completes the futures of its calls in the core's
 * shared wasm memory, through a ring the core's drainer thread empties, so
 * the C futures are done (and every wait over them woken, through the
 * core's Atomics) without this thread's event loop. Values still travel by
 * message beside it, posted before the ring entry is published; a future
 * seen done before its message was handled gets its value at once through
 * receiveMessageOnPort (pool.js), so it is never done before its value can
 * be read.
 *
 * Only where that synchronous read exists (Node's worker_threads) and the
 * core's memory is shared; elsewhere the pool completes from its messages.
 * One drainer per loaded core, started on first use and kept for the life of
 * the module (its pthread is unref'd, as all of the core's are).
 * @module concurry-wasm/modes/ring
 */
import { C, Module, heap, coreFailure } from '../core.js';
import { IS_NODE } from '../env.js';

/** Node's synchronous port read, or null. */
export const receiveMessageOnPort = IS_NODE ? (await import('node:worker_threads')).receiveMessageOnPort : null;

/** Entries per ring: a worker with more outcomes waiting than this completes the rest by message. */
const RING_CAPACITY = 1024;

let drainer = 0;
let layout = null;
let unavailable = null;

/**
 * Whether rings can be used here (Node, a shared wasm memory, a drainer
 * thread that started). Never throws.
 * @returns {boolean}
 */
export function ringsAvailable() {
  if (drainer) return true;
  if (unavailable !== null) return false;
  try {
    const mem = Module.wasmMemory;
    if (!receiveMessageOnPort || !mem || !(mem.buffer instanceof SharedArrayBuffer) ||
        typeof C.cy_js_drainer_create !== 'function') {
      unavailable = 'no shared core memory or synchronous port read';
      return false;
    }
    const sp = Module.stackSave();
    const out = Module.stackAlloc(4);
    const rc = C.cy_js_drainer_create(out);
    const d = heap().u32[out >> 2];
    Module.stackRestore(sp);
    if (rc !== 0) {
      unavailable = `cy_js_drainer_create: ${rc}`;
      return false;
    }
    drainer = d;
    const lp = C.malloc(24);
    C.cy_js_ring_layout(lp);
    const u = heap().u32;
    const a = lp >> 2;
    layout = { head: u[a], tail: u[a + 1], entries: u[a + 3], size: u[a + 4], code: u[a + 5] };
    C.free(lp);
    return true;
  } catch (e) {
    unavailable = String(e && e.message);
    return false;
  }
}

/**
 * A new ring. `info` goes to the worker (runtime.js publishes with it).
 * @returns {{ ptr: number, info: object }}
 */
export function createRing() {
  const sp = Module.stackSave();
  const out = Module.stackAlloc(4);
  const rc = C.cy_js_ring_create(drainer, RING_CAPACITY, out);
  const ptr = heap().u32[out >> 2];
  Module.stackRestore(sp);
  if (rc !== 0) throw coreFailure('cy_js_ring_create', rc);
  return { ptr, info: ringInfo(ptr) };
}

/**
 * What the worker needs to publish on ring `ptr`: the memory, word indices
 * and the tail to start from (a ring handed to a new worker goes on where
 * the last one stopped).
 * @param {number} ptr
 */
export function ringInfo(ptr) {
  return {
    buffer: Module.wasmMemory.buffer,
    head: (ptr + layout.head) >> 2,
    tail: (ptr + layout.tail) >> 2,
    entries: (ptr + layout.entries) >> 2,
    stride: layout.size >> 2,
    code: layout.code >> 2,
    capacity: RING_CAPACITY,
    bell: C.cy_js_drainer_bell(drainer) >> 2,
    start: Atomics.load(heap().u32, (ptr + layout.tail) >> 2),
  };
}

/** How far the drainer has come on ring `ptr` (a position, mod 2^32). @param {number} ptr */
export function ringHead(ptr) {
  return Atomics.load(heap().u32, (ptr + layout.head) >> 2);
}

/** Completes what is published on ring `ptr` and frees it. @param {number} ptr */
export function freeRing(ptr) {
  C.cy_js_ring_free(drainer, ptr);
}
