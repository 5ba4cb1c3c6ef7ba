/**
 * PromiseFuture: a Promise (or any thenable) as a future; Concurry's
 * AsyncioFuture. Pure delegation: it caches no state. Its state lives in a C
 * future of the core, which the promise's settle reaction completes
 * (set_result / set_exception; cancel() cancels it there too), so done(),
 * cancelled() and every wait read the core. The settled value or reason stays
 * in JS, in the one slot the PromiseFuture owns (`_v`), since the core holds
 * only the state.
 *
 * Costs are per batch, not per future: C futures come from pooled chunks
 * (cy_js_futures_create, one FinalizationRegistry entry per chunk), and the
 * settle reactions queue their completions, which one microtask pushes into
 * the core with one call (cy_js_complete) before waking the waits. Anything
 * that reads the state first pushes what is queued, so the core is never
 * behind an observer.
 * @module concurry-wasm/futures/promise
 */
import { BaseFuture, runCallbacks, cancelledError, whenCallbacksRun, resultWhenCallbacksRun } from './base.js';
import {
  C, heapTo, microtask, DONE_FUTURE,
  CY_ECANCELED, STATE_CANCELLED,
} from '../core.js';
import { takeCFuture, chunkToken, completeInCore } from './chunks.js';
import { notify, futureDone, hasWatchers, setPrePoll } from '../waitset.js';

/* ---- queued completions -------------------------------------------------- */

/*
 * The queue of settled futures is kept, not replaced, between pushes: a new
 * array per push (and its first growth to 17 slots) is garbage at every
 * completion when promises settle one per macrotask, and N concurrent waits
 * then pay for scavenges that copy all of their pending objects. Two pairs of
 * arrays alternate, so a push never reads the arrays it could be refilling
 * (nothing the core calls reenters here today; the swap keeps it so).
 * Entries are cleared once pushed (the futures must not be kept alive), and
 * an array grown past SHRINK by a burst is dropped after it.
 */
const SHRINK = 1024;
let qF = [];   // futures settled since the last push
let qC = [];   // their codes: 0 fulfilled, 1 rejected
let qN = 0;    // how many of qF/qC are queued
let spareF = [];
let spareC = [];
let scheduled = false;
let cbQueue = [];  // futures whose done-callbacks the flush runs
let cbN = 0;

function enqueue(fut, code) {
  qF[qN] = fut;
  qC[qN] = code;
  qN++;
  if (!scheduled) {
    scheduled = true;
    microtask(flush);
  }
}

/**
 * Pushes the queued completions into the core (one call). Done-callbacks of
 * the futures whose completion won are queued for the next flush.
 */
export function pushPending() {
  const n = qN;
  if (n === 0) return;
  const fs = qF;
  const cs = qC;
  qF = spareF;
  qC = spareC;
  qN = 0;
  const won = completeInCore(fs, cs, n);
  const u8 = heapTo(won + n).u8;
  const watched = hasWatchers();
  for (let i = 0; i < n; i++) {
    const f = fs[i];
    fs[i] = undefined;
    if (u8[won + i] === 0) {
      f._v = undefined; // cancelled first: the value is not the outcome
      continue;
    }
    if (f._cb !== undefined) cbQueue[cbN++] = f;
    if (watched) futureDone(f._c);
  }
  if (n > SHRINK) {
    spareF = [];
    spareC = [];
  } else {
    spareF = fs;
    spareC = cs;
  }
}

setPrePoll(() => { if (qN !== 0) pushPending(); });

function flush() {
  scheduled = false;
  pushPending();
  runQueuedCallbacks();
  notify();
}

/** Runs the done-callbacks queued by pushPending, in the order their futures completed. */
function runQueuedCallbacks() {
  if (cbN === 0) return;
  // Callbacks may settle and cancel other futures (which queue more
  // callbacks): those run in this loop, after the ones queued before them.
  const q = cbQueue;
  for (let i = 0; i < cbN; i++) {
    const f = q[i];
    q[i] = undefined;
    runCallbacks(f);
  }
  if (cbN > SHRINK) cbQueue = [];
  cbN = 0;
}

/*
 * The settle reactions. A future nobody waits on through a callback is
 * queued for the batch push. One with callbacks (a pending result(),
 * exception(), addDoneCallback) has someone waiting for it now: it is
 * pushed into the core at once, after what was queued before it (so the
 * core's completion order is still the order of settlement), and its
 * callbacks run in this reaction, with no flush microtask of its own: N
 * concurrent result() calls settling one per macrotask cost one microtask
 * each, not two.
 */
function onFulfilled(value) {
  this._v = value;
  if (this._cb === undefined) enqueue(this, 0);
  else completeNow(this, 0);
}

function onRejected(reason) {
  this._v = reason;
  if (this._cb === undefined) enqueue(this, 1);
  else completeNow(this, 1);
}

/** @param {PromiseFuture<any>} f @param {number} code 0 fulfilled, 1 rejected */
function completeNow(f, code) {
  if (qN !== 0) pushPending();
  runQueuedCallbacks();
  const rc = code === 0 ? C.cy_future_set_result(f._c, 0) : C.cy_future_set_exception(f._c, 1, 0);
  if (rc !== 0) {
    f._v = undefined; // cancelled first: the value is not the outcome
    return;
  }
  if (hasWatchers()) futureDone(f._c);
  runCallbacks(f);
  notify();
}

/**
 * @template T
 * @extends {BaseFuture<T>}
 */
export class PromiseFuture extends BaseFuture {
  static UUID_PREFIX = 'promise-future-';

  /**
   * Wraps a Promise or thenable. Attaches one reaction, which also marks a
   * rejection as handled.
   * @param {PromiseLike<T>} promise
   */
  constructor(promise) {
    super();
    if (promise === kSettled) {
      // settledPromiseFuture(): done already, over the core's shared done
      // future, with no reaction (the same fields, so the same shape).
      /** @private */ this._c = DONE_FUTURE[settledFailed ? 1 : 0];
      /** @private */ this._k = null;
      /** @private */ this._v = settledValue;
      /** @private */ this._cb = undefined;
      return;
    }
    /** @private the cy_future* */ this._c = takeCFuture();
    /** @private the pool chunk, kept alive while this future is */ this._k = chunkToken();
    /** @private the settled value or reason (the core has the state) */ this._v = undefined;
    /** @private done-callbacks */ this._cb = undefined;
    const p = promise instanceof Promise ? promise : Promise.resolve(promise);
    p.then(onFulfilled.bind(this), onRejected.bind(this));
  }

  /** @protected */
  _state() {
    if (qN !== 0) pushPending();
    return C.cy_future_state(this._c);
  }

  /** @protected */
  _cptr() {
    if (qN !== 0) pushPending();
    return this._c;
  }

  /** @protected */
  _outcome(state) {
    return state === STATE_CANCELLED ? cancelledError(this) : this._v;
  }

  /**
   * Cancels the future (not the promise's work, which JS cannot stop): it is
   * done and cancelled from now on and the promise's outcome is ignored.
   * True if it was pending; false once done.
   * @returns {boolean}
   */
  cancel() {
    if (qN !== 0) pushPending();
    if (C.cy_future_cancel(this._c) !== 0) return this.cancelled();
    futureDone(this._c);
    runCallbacks(this);
    if (!scheduled) {
      scheduled = true;
      microtask(flush);
    }
    return true;
  }

  /**
   * As BaseFuture's, and without a timeout, one of the done-callbacks
   * settles it (see _settled): N concurrent result() calls cost N callbacks
   * and N promises.
   * @param {{ timeout?: number|null }} [options]
   * @returns {Promise<T>}
   */
  result(options) {
    if (options === undefined && !this.done()) return /** @type {Promise<T>} */ (resultWhenCallbacksRun(this));
    return super.result(options);
  }

  /** @protected: callbacks run from the settle flush (or cancel). */
  _watch() {}

  /**
   * Without a timeout there is no deadline for the core to weigh: the wait
   * ends when the core says this future completed, which the settle flush
   * (or cancel) learns from cy_js_complete and tells the done-callbacks. So
   * it is one of them, with no waitset: N concurrent result() calls cost N
   * callbacks. With a timeout, the core's waitset decides (BaseFuture).
   * @protected
   */
  _settled(timeout, where) {
    if (timeout >= 0 || this.done()) return super._settled(timeout, where);
    return whenCallbacksRun(this);
  }
}

const kSettled = Symbol('settled');
let settledValue;
let settledFailed = false;

/**
 * The PromiseFuture of a promise that is known to have settled with `value`
 * (fulfilled) or, when `failed`, to have rejected with it: done from the
 * start, it stands on the core's shared done future (succeeded, or failed),
 * so it costs neither a C future nor a reaction. wait() builds these at the
 * end for the promises it watched as slots.
 * @internal
 * @param {unknown} value
 * @param {boolean} failed
 * @returns {PromiseFuture<any>}
 */
export function settledPromiseFuture(value, failed) {
  settledValue = value;
  settledFailed = failed;
  const f = new PromiseFuture(kSettled);
  settledValue = undefined;
  return f;
}

export { CY_ECANCELED };
