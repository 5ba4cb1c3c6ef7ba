/**
 * Loads the Emscripten build of the C core (dist/concurry-core.*) at import,
 * with top-level await, so `import { wait, gather } from 'concurry-wasm'`
 * needs no init call. Node reads the wasm bytes from disk next to this file;
 * browsers and workers fetch them relative to `import.meta.url` (both done by
 * dist/concurry-core.mjs). The pthread workers are unref()'d, so the module
 * never keeps a Node process alive by itself; waits on C futures running on
 * those threads hold a handle of their own (see `keepAlive`).
 *
 * Everything else in bindings/ reaches the core through this file: `C` holds
 * the raw wasm exports (cy_* functions, malloc, free), `heap()` current typed
 * array views (the memory can grow), and the batch helpers wrap the cy_js_*
 * entry points of wasm/include/concurry-js.h. A module without them (a stale
 * build) is refused at import, with the command that rebuilds it.
 *
 * Without SharedArrayBuffer (a browser page that is not cross-origin
 * isolated: most static hosts, GitHub Pages among them, cannot send COOP/COEP)
 * the -pthread module cannot start; the single-threaded build of the same core
 * (dist/concurry-core-st.*, same exports, C tasks run inline) is loaded
 * instead and `singleThreaded` says why (thread mode then completes by
 * message; waitSync/gatherSync refuse). In Node, CONCURRY_WASM_CORE=st loads
 * it too (tests).
 *
 * Tests only: in Node, the environment variable CONCURRY_WASM_CORE=test loads
 * the test variant of the module instead (dist-test/, built by the emscripten
 * preset next to dist/ and never shipped), which adds the C tasks of
 * wasm/tests/js/tasks.h (`C.cy_test_submit_sleep`). Any other non-empty
 * value is an error.
 * @module concurry-wasm/core
 */
import createDistCore from '../dist/concurry-core.mjs';
import { CY_ENOMEM } from './constants.js';

const isNode = typeof process === 'object' && process !== null &&
  typeof process.versions === 'object' && typeof process.versions.node === 'string';

const variant = isNode && process.env ? process.env.CONCURRY_WASM_CORE : undefined;

/**
 * Why the single-threaded core is loaded (a sentence for error messages), or
 * null when the -pthread core is. A browser without `crossOriginIsolated`
 * cannot share memory with workers even where SharedArrayBuffer exists.
 * @type {string|null}
 */
export const singleThreaded = variant === 'st'
  ? 'CONCURRY_WASM_CORE=st selects it'
  : typeof SharedArrayBuffer !== 'function'
    ? 'SharedArrayBuffer is not available here (a browser page needs cross-origin isolation: the headers `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`)'
    : !isNode && /** @type {any} */ (globalThis).crossOriginIsolated === false
      ? 'this page is not cross-origin isolated (serve it with `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`)'
      : null;

let createConcurryCore = createDistCore;
if (singleThreaded) {
  // Loaded only here: where SharedArrayBuffer works the single-threaded
  // loader is never fetched (a literal, so that bundlers still ship it).
  try {
    createConcurryCore = (await import('../dist/concurry-core-st.mjs')).default;
  } catch (e) {
    throw new Error(`concurry-wasm: the single-threaded core is needed because ${singleThreaded}, and dist/concurry-core-st.mjs cannot be loaded: ` +
      `build it with \`cmake --preset emscripten && cmake --build --preset emscripten\` (${e && e.message})`, { cause: e });
  }
}
if (variant && variant !== 'st') {
  if (variant !== 'test') {
    throw new Error(`concurry-wasm: CONCURRY_WASM_CORE='${variant}' is not a core variant; unset it (the shipped core), set it to 'st' (the single-threaded core) or to 'test' (the test build, dist-test/)`);
  }
  try {
    // Not a literal, nor one a bundler can fold into one (it would try to
    // resolve it, and the published package has no dist-test/: Vite failed
    // the build of any app, and its dev server once deps were pre-bundled).
    const testCore = `../dist-${variant}/concurry-core.mjs`;
    createConcurryCore = (await import(/* @vite-ignore */ /* webpackIgnore: true */ testCore)).default;
  } catch (e) {
    throw new Error('concurry-wasm: CONCURRY_WASM_CORE=test needs the test build of the core (dist-test/): ' +
      `build it with \`cmake --preset emscripten && cmake --build --preset emscripten\` (${e && e.message})`, { cause: e });
  }
}

let M;
let loadError = null;
try {
  // One pthread worker is preloaded (the fastest start that works with emcc
  // 3.1.6: a pool of 0 never finishes loading); executors start more on demand.
  M = await createConcurryCore({ pthreadPoolSize: 1, print: () => {}, printErr: (s) => { if (isNode) process.stderr.write(`concurry-core: ${s}\n`); } });
} catch (e) {
  loadError = e;
}
if (loadError) {
  const which = singleThreaded ? 'dist/concurry-core-st.*' : 'dist/concurry-core.*';
  throw new Error(`concurry-wasm: cannot load the wasm core (${which}): ${loadError && loadError.message}. ` +
    'Build it with `cmake --preset emscripten && cmake --build --preset emscripten`.', { cause: loadError });
}

/** The Emscripten Module object. */
export const Module = M;

/**
 * Raw core functions by C name without the leading underscore (`C.cy_future_state`).
 * @type {Record<string, Function>}
 */
export const C = {};
for (const key of Object.keys(M)) {
  if (key.startsWith('_cy_')) C[key.slice(1)] = M[key];
}
C.malloc = M._malloc;
C.free = M._free;

/* The bindings speak to the core through the batch API of concurry-js.h
 * (wasm/src/jsapi.c) as well as concurry.h: a module without it is a stale
 * build, said so at import rather than failing later. */
if (typeof C.cy_js_api_version !== 'function' || C.cy_js_api_version() !== 1) {
  throw new Error('concurry-wasm: dist/concurry-core.* lacks the cy_js_* batch API (version 1); ' +
    'rebuild it with `npm run build:wasm`.');
}

/* ---- memory views ---------------------------------------------------------- */

const memory = M.wasmMemory;
let buf = null;
/** Current typed-array views over the wasm memory (refreshed after growth). */
export const views = { u8: /** @type {Uint8Array} */ (null), u32: /** @type {Uint32Array} */ (null), i32: /** @type {Int32Array} */ (null), f64: /** @type {Float64Array} */ (null) };
function refresh() {
  buf = memory.buffer;
  views.u8 = new Uint8Array(buf);
  views.u32 = new Uint32Array(buf);
  views.i32 = new Int32Array(buf);
  views.f64 = new Float64Array(buf);
}
refresh();
/**
 * The views, refreshed if the memory grew since the last call. Call it again
 * after any core call that may allocate.
 * @returns {typeof views}
 */
export function heap() {
  if (buf.byteLength !== memory.buffer.byteLength) refresh();
  return views;
}

/**
 * The views, when they reach byte `end` (exclusive) of the memory; else
 * heap()'s. For hot paths that read memory allocated before (scratch, a
 * waitset's words): it reads no `memory.buffer` (a call into the engine).
 * Sound for both builds: growing a shared memory (pthreads) leaves the old
 * buffer and its views valid over their old length, and growing an unshared
 * one detaches the old buffer (views of length 0: any end > 0 refreshes).
 * @param {number} end
 * @returns {typeof views}
 */
export function heapTo(end) {
  return end <= views.u8.length ? views : heap();
}

/* ---- errors and constants ------------------------------------------------ */

// The core's named numbers (error codes, states, return conditions), generated
// from concurry.h's lists into constants.js; re-exported so every module can
// keep importing them from here.
export * from './constants.js';

/** @param {number} code @returns {string} */
export function strerror(code) { return M.UTF8ToString(C.cy_strerror(code)); }
/** @param {number} code @returns {string} */
export function errName(code) { return M.UTF8ToString(C.cy_err_name(code)); }

/** An Error for a failed core call (ENOMEM, EINVAL, ...). */
export function coreFailure(what, code) {
  const e = new Error(`concurry-wasm: ${what} failed: ${strerror(code)} (${errName(code)})`);
  e.code = errName(code);
  return e;
}

/* ---- C strings (interned, never freed: a handful of names) -------------- */

const cstrings = new Map();
/** @param {string} s @returns {number} a NUL-terminated copy in wasm memory */
export function cstr(s) {
  let p = cstrings.get(s);
  if (p === undefined) {
    const n = M.lengthBytesUTF8(s) + 1;
    p = C.malloc(n);
    M.stringToUTF8(s, p, n);
    cstrings.set(s, p);
  }
  return p;
}

/* ---- microtasks -------------------------------------------------------- */

const RESOLVED = Promise.resolve();

/**
 * Runs fn in a microtask, as queueMicrotask does, through a settled
 * promise's reaction: Node's queueMicrotask makes an async resource per call,
 * which cost N concurrent result() calls 10-20% (one flush per completion).
 * A throw from fn becomes an unhandled rejection (queueMicrotask reports an
 * uncaught exception; both end a Node process by default): the callers run
 * only code that catches user errors (done-callbacks, polls).
 * @param {() => void} fn
 */
export function microtask(fn) {
  RESOLVED.then(fn);
}

/* ---- stack memory for out-parameters ------------------------------------ */

/**
 * Calls `fn(out)` with `bytes` bytes of the wasm stack at `out` (16-byte
 * aligned), for the out-parameters of core calls; the memory is given back
 * when fn returns or throws. Returns what fn returns. (Read what the core
 * wrote through a fresh `heap()`: the call may have grown the memory.)
 * @template R
 * @param {number} bytes
 * @param {(out: number) => R} fn
 * @returns {R}
 */
export function withStack(bytes, fn) {
  const sp = M.stackSave();
  try {
    return fn(M.stackAlloc(bytes));
  } finally {
    M.stackRestore(sp);
  }
}

/* ---- scratch memory ---------------------------------------------------- */

/** A growable malloc'd region for one batch call at a time. */
class Scratch {
  constructor() { this.ptr = 0; this.size = 0; }
  /** @param {number} bytes @returns {number} */
  get(bytes) {
    if (bytes > this.size) {
      if (this.ptr) C.free(this.ptr);
      let size = Math.max(256, this.size * 2);
      while (size < bytes) size *= 2;
      this.ptr = C.malloc(size);
      if (!this.ptr) { this.size = 0; throw coreFailure('malloc', CY_ENOMEM); }
      this.size = size;
    }
    return this.ptr;
  }
}
export const scratchA = new Scratch();

/* ---- batch helpers --------------------------------------------------------- */

/** Makes n external futures into the array of pointers at `out`: 0 or CY_ENOMEM. */
export const futuresCreate = C.cy_js_futures_create;
/** cy_future_release on n pointers at `fs`. */
export const futuresRelease = C.cy_js_futures_release;
/** Completes n futures by code (0 success, CY_ECANCELED cancel, else failure); won[i] = 1 when it won. */
export const complete = C.cy_js_complete;
/**
 * Indices from cy_waitset_next, up to max, into out (a uint32 array in wasm
 * memory). Returns the count, or CY_EOF when all were taken.
 */
export const waitsetTake = C.cy_js_waitset_take;

/** Shared done C futures, [succeeded, failed, cancelled]: a waitset counts each occurrence on its own. */
export const DONE_FUTURE = [C.cy_js_done_future(0), C.cy_js_done_future(1), C.cy_js_done_future(2)];

/**
 * Creates a waitset; a NULL entry of `fs` (or fs = 0: every entry) is a slot,
 * completed with cy_waitset_complete_slots. Returns the cy_waitset pointer or throws.
 * @param {number} fs pointer to n cy_future pointers, or 0
 * @param {number} n
 * @param {{ returnWhen: number, timeout: number, polling: string|null, strategy: number,
 *   progressFn: number, progressArg: number, miniters: number }} o  (other fields, such as
 *   returnExceptions, are the caller's: a waitset decides only when the wait is over)
 * @returns {number}
 */
export function waitsetCreate(fs, n, o) {
  const polling = o.polling ? cstr(o.polling) : 0;
  return withStack(4, (out) => {
    const rc = C.cy_js_waitset_create(out, fs, n, o.returnWhen, o.timeout, polling, o.strategy,
      o.progressFn, o.progressArg, o.miniters);
    if (rc) throw coreFailure('cy_waitset_create', rc);
    return heap().u32[out >> 2];
  });
}

/** Byte offsets of cy_progress's fields, as the core reports them. */
export const PROGRESS = withStack(24, (p) => {
  C.cy_js_progress_layout(p);
  const u = heap().u32;
  const at = p >> 2;
  return { completed: u[at], failed: u[at + 1], total: u[at + 2], elapsed: u[at + 3], final: u[at + 4] };
});

/* ---- keeping Node alive while C threads work ----------------------------- */

// A pending Atomics.waitAsync does not keep Node's event loop alive, and the
// pthread workers are unref()'d: a wait on futures completed by C threads
// holds this handle (a MessagePort that never receives: no CPU, no timer).
let aliveCount = 0;
let alivePort = null;
/** @param {boolean} on  take (true) or drop (false) one hold on the process */
export function keepAlive(on) {
  if (!isNode) return;
  if (on) {
    if (aliveCount++ === 0) {
      if (!alivePort) {
        const ch = new MessageChannel();
        alivePort = ch.port1;
        alivePort.onmessage = () => {};
      }
      alivePort.ref();
    }
  } else if (aliveCount > 0 && --aliveCount === 0) {
    alivePort.unref();
  }
}

/* ---- function pointers for C -> JS calls --------------------------------- */

/**
 * Adds a JS function to the wasm table; returns its pointer.
 * @param {Function} fn @param {string} sig e.g. 'vii'
 */
export function addFunction(fn, sig) { return M.addFunction(fn, sig); }

/**
 * Resolves once the core is loaded. The module loads at import (top-level
 * await), so this is already resolved; it exists for code that prefers an
 * explicit init.
 * @returns {Promise<void>}
 */
export function ready() { return Promise.resolve(); }
