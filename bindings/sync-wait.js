/**
 * waitSync() and gatherSync(): the blocking forms of wait() and gather(), for
 * worker threads and browser workers (and Node's main thread, for scripts).
 * The thread sleeps in Atomics.wait on the signal word of a waitset of the
 * core; the core decides the condition and the deadline (cy_waitset_poll,
 * cy_waitset_next_wakeup_ms), exactly as for the async forms.
 *
 * Only futures that can complete while this thread is blocked are accepted:
 * done futures of any kind; C futures (mode 'c' calls, C tasks), which
 * pthreads complete; ProbeFutures, whose probe the core calls from this
 * thread between sleeps; and futures whose class answers `_blockable()`
 * with true: thread-mode calls in Node, whose pool this thread runs between
 * its sleeps (`_syncPump()`: hand-offs, the workers' messages read with
 * receiveMessageOnPort, exits, call timeouts) while their workers complete
 * them in the core (the completion rings wake the sleep). Anything else (a
 * Promise or PromiseFuture, which needs this thread's event loop; a
 * process-mode call, whose outcome comes over IPC that only the event loop
 * reads; a thread-mode call in a browser) is refused with a TypeError naming
 * its kind and why, before any blocking: never a deadlock. On a browser's
 * main thread, where Atomics.wait is not allowed, both throw at once.
 * @module concurry-wasm/sync-wait
 */
import { splitArgs, flatten } from './shapes.js';
import {
  isPlainObject, checkKeys, timeoutToCore, returnWhenToCore, pollingToCore, RETURN_WHEN_CODE,
  describeValue as describe,
} from './options.js';
import { wrapFuture } from './wrap.js';
import { ProbeFuture } from './futures/probe.js';
import { CFuture } from './futures/c.js';
import { cancelledError } from './futures/base.js';
import {
  C, Module, heap, coreFailure, singleThreaded, CY_EAGAIN, CY_ETIMEDOUT,
  STATE_SUCCEEDED, STATE_FAILED, STATE_CANCELLED,
} from './core.js';
import { timeoutError } from './wait.js';
import { BlockingWaiter } from './waitset.js';
import { cancelPendingFutures } from './cancel-pending.js';
import { isNodeNow } from './env.js';

/** Longest sleep between checks, in ms (see block()). */
const SLICE_MS = 5;
/** emscripten_current_thread_process_queued_calls, where the module exports it. */
const processQueued = typeof Module._emscripten_current_thread_process_queued_calls === 'function'
  ? Module._emscripten_current_thread_process_queued_calls : null;

const WAIT_KEYS = ['timeout', 'returnWhen', 'polling', 'progress', 'recurse', 'cancelPending'];
const GATHER_KEYS = ['returnExceptions', 'timeout', 'polling', 'progress', 'recurse', 'cancelPending'];
const WAIT_SET = new Set(WAIT_KEYS);
const GATHER_SET = new Set(GATHER_KEYS);

/** Options of the async forms that a blocked thread cannot honour, and why. */
const NOT_HERE = {
  signal: 'nothing can abort the signal while this thread is blocked (use timeout)',
  iter: 'a blocking gather returns all the values at once (use gather(..., { iter: true }) for completion order)',
};

/**
 * Throws unless this thread may block in Atomics.wait: not on a browser's
 * main thread (the page would freeze, and browsers forbid it).
 * @param {string} where
 */
function checkCanBlock(where) {
  // The single-threaded core has no memory shared with other threads: nothing
  // could complete a future while this thread sleeps in Atomics.wait.
  if (singleThreaded) {
    throw new TypeError(`${where}: cannot block: the single-threaded core is loaded because ${singleThreaded}; ` +
      'use await wait()/gather()');
  }
  if (isNodeNow()) return;
  const g = /** @type {any} */ (globalThis);
  const inWorker = typeof g.WorkerGlobalScope === 'function' && g instanceof g.WorkerGlobalScope;
  if (!inWorker) {
    throw new TypeError(`${where}: cannot block on a browser's main thread (Atomics.wait is not allowed there); ` +
      'use await wait()/gather(), or call it in a Web Worker');
  }
}

function checkBool(v, name, where) {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new TypeError(`${where}: option '${name}' must be a boolean; got ${describe(v)}`);
  return v;
}

/**
 * @returns {{ timeout: number, returnWhen: number, returnExceptions: boolean, polling: null|string|object,
 *   progress: Function|null, recurse: boolean, cancelPending: boolean }}
 */
function parseOptions(opts, where, gather) {
  const o = { timeout: -1, returnWhen: RETURN_WHEN_CODE.ALL_COMPLETED, returnExceptions: false, polling: null, progress: null, recurse: false, cancelPending: false };
  if (opts === undefined) return o;
  if (!isPlainObject(opts)) throw new TypeError(`${where}: options must be a plain object; got ${describe(opts)}`);
  const a = /** @type {Record<string, any>} */ (opts);
  for (const k of Object.keys(NOT_HERE)) {
    if (a[k] !== undefined && a[k] !== null && a[k] !== false) {
      throw new TypeError(`${where}: option '${k}' does not apply to a blocking wait: ${NOT_HERE[k]}`);
    }
  }
  const keys = gather ? GATHER_KEYS : WAIT_KEYS;
  const clean = { ...a };
  for (const k of Object.keys(NOT_HERE)) delete clean[k];
  checkKeys(clean, gather ? GATHER_SET : WAIT_SET, keys, where);
  o.timeout = timeoutToCore(a.timeout, where);
  if (!gather) o.returnWhen = returnWhenToCore(a.returnWhen, where);
  else o.returnExceptions = checkBool(a.returnExceptions, 'returnExceptions', where);
  o.polling = pollingToCore(a.polling, where);
  if (a.progress !== undefined && a.progress !== null && a.progress !== false) {
    if (typeof a.progress !== 'function') {
      throw new TypeError(`${where}: option 'progress' must be a function ({ completed, failed, total, elapsedMs }) => void here (a bar needs the event loop); got ${describe(a.progress)}`);
    }
    o.progress = a.progress;
  }
  o.recurse = checkBool(a.recurse, 'recurse', where);
  o.cancelPending = checkBool(a.cancelPending, 'cancelPending', where);
  return o;
}

/**
 * True when f can complete while this thread blocks: done; a C future (a
 * pthread completes it); a ProbeFuture (the core calls its probe from here);
 * or a future whose class says so with `_blockable()` (a thread-mode call in
 * Node: this thread runs its pool through `_syncPump()` between sleeps).
 * Otherwise false, or a string saying why (from `_blockable()`).
 * @param {import('./futures/base.js').BaseFuture} f
 * @returns {true|false|string}
 */
function canCompleteWhileBlocked(f) {
  if (f.done() || f instanceof CFuture || (f instanceof ProbeFuture && /** @type {any} */ (f)._blockable === undefined)) return true;
  const b = /** @type {any} */ (f)._blockable;
  if (typeof b !== 'function') return false;
  const r = b.call(f);
  return r === true ? true : typeof r === 'string' ? r : false;
}

/** The TypeError for an input that only this thread's event loop could complete. */
function refuse(where, f, key, why) {
  const kind = f.constructor && f.constructor.name ? f.constructor.name : 'future';
  return new TypeError(`${where}: input ${key} is a ${kind} (${f.uuid}) that can only complete on this thread's event loop` +
    `${typeof why === 'string' ? ` (${why})` : ''}, which ${where.slice(0, -2)} would block: it could never finish. ` +
    "Accepted: C futures (mode 'c', C tasks), thread-mode calls in Node, ProbeFutures and futures already done; " +
    'await wait()/gather() for the others');
}

/**
 * Blocks until the condition holds over futs: the core's waitset decides,
 * this thread sleeps on its signal word between checks.
 * @returns {{ rc: number, flags: Uint8Array, done: number }}
 */
function block(futs, returnWhen, o, where) {
  const n = futs.length;
  // The pools this thread runs between sleeps (thread-mode calls): hand-offs
  // and their workers' messages would otherwise wait for the event loop.
  let pumps = null;
  for (let i = 0; i < n; i++) {
    const sp = /** @type {any} */ (futs[i])._syncPump;
    const p = typeof sp === 'function' && !futs[i].done() ? sp.call(futs[i]) : null;
    if (p !== null && p !== undefined) (pumps ??= new Set()).add(p);
  }
  const fs = C.malloc(n > 0 ? n * 4 : 4);
  if (!fs) throw coreFailure('malloc', -2);
  let w;
  try {
    for (let i = 0; i < n; i++) {
      const p = futs[i]._cptr(); // may allocate: views fetched after it
      heap().u32[(fs >> 2) + i] = p;
    }
    w = new BlockingWaiter(fs, n, {
      returnWhen, timeout: o.timeout,
      polling: typeof o.polling === 'string' ? o.polling : null,
      strategy: o.polling !== null && typeof o.polling === 'object' ? o.polling._ptr : 0,
    });
  } finally {
    C.free(fs);
  }
  const start = performance.now();
  const sig = w.sig;
  let reported = -1;
  const report = () => {
    const done = w.doneCount();
    if (done === reported) return;
    reported = done;
    o.progress({ completed: done, failed: w.failedCount(), total: n, elapsedMs: performance.now() - start });
  };
  let rc;
  try {
    for (;;) {
      // Read the word before the check: a completion after the check moves
      // it, and Atomics.wait on the old value then returns at once.
      const seen = Atomics.load(heap().i32, sig);
      if (pumps !== null) for (const p of pumps) p.pumpSync();
      rc = w.poll();
      if (o.progress) report();
      if (rc !== CY_EAGAIN) break;
      // Work the pool's pthreads proxy to this thread (their stdio, for one)
      // waits for it: run it between checks, and sleep in slices of at most
      // SLICE_MS so that a call proxied while this thread sleeps waits no
      // longer than that (nothing wakes this thread for it).
      if (processQueued) processQueued();
      const wake = w.prepareSleep();
      Atomics.wait(heap().i32, sig, seen, wake < 0 ? SLICE_MS : Math.min(SLICE_MS, Math.max(0, wake)));
    }
    return { rc, flags: w.doneFlags(), done: w.doneCount() };
  } finally {
    w.free();
  }
}

/** Wraps the leaves, refusing those that could not complete while blocked. */
function inputs(shape, where) {
  const leaves = shape.leaves;
  const futs = new Array(leaves.length);
  let keys = null;
  for (let i = 0; i < leaves.length; i++) {
    const f = wrapFuture(leaves[i]);
    const ok = canCompleteWhileBlocked(f);
    if (ok !== true) {
      keys ??= shape.recursive ? null : shape.groupKeys();
      const key = keys ? keys[i] : i;
      throw refuse(where, f, typeof key === 'number' ? String(key) : JSON.stringify(String(key)), ok);
    }
    futs[i] = f;
  }
  return futs;
}

/**
 * Blocks until the return condition holds; returns `{ done, notDone }` (Sets
 * of BaseFuture). Same inputs as wait() (array, Set, object, Map, one future
 * or value, several arguments) and options `timeout`, `returnWhen`,
 * `polling`, `progress` (a function), `recurse`, `cancelPending`. Throws
 * TimeoutError ("k of n completed") when the timeout passes first.
 * @param {...any} args
 * @returns {{ done: Set<import('./futures/base.js').BaseFuture>, notDone: Set<import('./futures/base.js').BaseFuture> }}
 */
export function waitSync(...args) {
  const where = 'waitSync()';
  checkCanBlock(where);
  const split = splitArgs(args, where);
  const o = parseOptions(split.options, where, false);
  const futs = inputs(flatten(split.input, split.kind, o.recurse), where);
  const { rc, flags, done: k } = block(futs, o.returnWhen, o, where);
  if (o.cancelPending) cancelPendingFutures(futs);
  if (rc === CY_ETIMEDOUT) throw timeoutError(where, o.timeout, k, futs.length);
  const done = new Set();
  const notDone = new Set();
  for (let i = 0; i < futs.length; i++) (flags[i] ? done : notDone).add(futs[i]);
  for (const f of done) notDone.delete(f);
  return { done, notDone };
}

/**
 * Blocks until every input is done and returns their values in the input's
 * shape (array, object, Map; nested with `recurse`). Without
 * `returnExceptions` it returns at the first failure and throws it (of
 * several found failed then, the first in input order); with
 * `returnExceptions: true` errors (and CancelledErrors) are among the values. Same inputs as gather(); options `timeout`,
 * `returnExceptions`, `polling`, `progress` (a function), `recurse`,
 * `cancelPending`. Throws TimeoutError when the timeout passes first.
 * @param {...any} args
 * @returns {any}
 */
export function gatherSync(...args) {
  const where = 'gatherSync()';
  checkCanBlock(where);
  const split = splitArgs(args, where);
  const o = parseOptions(split.options, where, true);
  const shape = flatten(split.input, split.kind, o.recurse);
  const futs = inputs(shape, where);
  const returnWhen = o.returnExceptions ? RETURN_WHEN_CODE.ALL_COMPLETED : RETURN_WHEN_CODE.FIRST_EXCEPTION;
  const { rc, done: k } = block(futs, returnWhen, o, where);
  if (o.cancelPending && (rc !== 0 || futs.some((f) => f.done() && f._state() !== STATE_SUCCEEDED))) cancelPendingFutures(futs);
  if (rc === CY_ETIMEDOUT) throw timeoutError(where, o.timeout, k, futs.length);
  const values = new Array(futs.length);
  for (let i = 0; i < futs.length; i++) {
    const f = futs[i];
    const s = f._state();
    if (s === STATE_SUCCEEDED) { values[i] = f._outcome(s); continue; }
    const err = s === STATE_CANCELLED ? cancelledError(f) : s === STATE_FAILED ? f._outcome(s) : undefined;
    if (!o.returnExceptions && err !== undefined) throw err;
    values[i] = err;
  }
  return shape.build(values);
}
