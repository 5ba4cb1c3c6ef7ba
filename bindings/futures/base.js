/**
 * BaseFuture: the one interface every kind of future has (Concurry's Adapter
 * pattern). Subclasses supply the state queries (`done`, `cancelled`,
 * `running`, `cancel`), the synchronous outcome (`_outcome(state)`), their C
 * future (`_cptr()`, which the core's waitsets register with) and their state
 * in the core (`_state()`); this class builds `result()`, `exception()`,
 * `resultNow()`, `exceptionNow()`, `addDoneCallback()` and `then()` on them.
 * @module concurry-wasm/futures/base
 */
import { CancelledError, InvalidStateError, TimeoutError } from '../errors.js';
import { parseResultOptions } from '../options.js';
import {
  C, Module, heap, coreFailure, CY_ETIMEDOUT, CY_ENOMEM,
  STATE_SUCCEEDED, STATE_FAILED, STATE_CANCELLED, STATE_RUNNING,
} from '../core.js';
import { Waiter } from '../waitset.js';

/** Objects that stand for a future (worker handles) expose it under this key. */
export const kFutureOf = Symbol.for('concurry-wasm.future');

/**
 * Runs one done-callback; an error thrown by it is reported, never propagated
 * (the other callbacks and the completing code go on).
 * @param {Function} fn @param {BaseFuture} fut
 */
export function invokeCallback(fn, fut) {
  let r;
  try {
    r = fn(fut);
  } catch (e) {
    reportCallbackError(e);
    return;
  }
  // An async callback's rejection is reported as a throw is, never left
  // unhandled (it would end the process). Its result is not awaited.
  if (r !== null && (typeof r === 'object' || typeof r === 'function')) {
    let then;
    try {
      then = r.then;
    } catch (e) {
      reportCallbackError(e);
      return;
    }
    if (typeof then === 'function') {
      try {
        then.call(r, undefined, reportCallbackError);
      } catch (e) {
        reportCallbackError(e);
      }
    }
  }
}

function reportCallbackError(e) {
  // eslint-disable-next-line no-console
  console.error('concurry-wasm: exception in a done callback:', e);
}

/**
 * Runs and clears fut._cb (a function, a ResultWaiter, or an array of
 * them): exactly once.
 */
export function runCallbacks(fut) {
  const cb = fut._cb;
  if (cb === undefined) return;
  fut._cb = undefined;
  if (typeof cb === 'function') invokeCallback(cb, fut);
  else if (cb instanceof ResultWaiter) cb.settle(fut);
  else {
    for (let i = 0; i < cb.length; i++) {
      const x = cb[i];
      if (x instanceof ResultWaiter) x.settle(fut);
      else invokeCallback(x, fut);
    }
  }
}

/**
 * A pending `result()` as a done-callback: the resolve function of its
 * promise, in one small object instead of a closure (and its context) per
 * call. The reject function is not kept (N concurrent result() calls hold N
 * fewer functions while they wait): a failure resolves the promise with a
 * thenable that rejects, which the promise adopts.
 */
class ResultWaiter {
  constructor(resolve) {
    this.resolve = resolve;
  }

  /** Settles with fut.resultNow(), which reads the state in the core. */
  settle(fut) {
    let v;
    try {
      v = fut.resultNow();
    } catch (e) {
      this.resolve(new Rejecting(e));
      return;
    }
    this.resolve(v);
  }
}

/** A thenable that rejects with `reason` (what a failed result() adopts). */
class Rejecting {
  constructor(reason) { this.reason = reason; }

  then(_, reject) { reject(this.reason); }
}

/* The resolve function of a new Promise, taken without an executor closure
 * per call (resultWhenCallbacksRun). */
let capturedResolve = null;
function capture(resolve) {
  capturedResolve = resolve;
}

/**
 * Resolves (with undefined) when `fut`'s done-callbacks run: for futures whose
 * completion JS reports through runCallbacks (PromiseFuture, TaskFuture), a
 * wait without a deadline needs no waitset. Resolved with a thunk, never with
 * the future: a future is thenable, and resolving with it would adopt its
 * outcome (exception() would then reject with the task's error).
 * @param {BaseFuture} fut  a pending future
 * @returns {Promise<void>}
 */
export function whenCallbacksRun(fut) {
  return new Promise((resolve) => { appendCallback(fut, () => resolve()); });
}

/**
 * The promise of `fut.result()` for a pending future whose completion JS
 * reports through runCallbacks (as whenCallbacksRun): one done-callback
 * settles it with resultNow(), which reads the state in the core. One
 * promise and one callback per call (no second promise derived from the
 * first).
 * @param {BaseFuture} fut  a pending future
 * @returns {Promise<unknown>}
 */
export function resultWhenCallbacksRun(fut) {
  const p = new Promise(capture);
  appendCallback(fut, new ResultWaiter(capturedResolve));
  capturedResolve = null;
  return p;
}

/**
 * Adds fn to fut._cb (undefined, one callback, or an array of them).
 * @param {BaseFuture} fut @param {Function|ResultWaiter} fn
 * @returns {boolean} true when fn is the first callback (nothing watched the future yet)
 */
function appendCallback(fut, fn) {
  const cb = fut._cb;
  if (cb === undefined) {
    fut._cb = fn;
    return true;
  }
  if (Array.isArray(cb)) cb.push(fn);
  else fut._cb = [cb, fn];
  return false;
}

/**
 * True when the future completes on another thread (a wait on it arms the
 * Atomics wake and holds the process): one rule for every wait.
 * @param {BaseFuture} f
 * @returns {boolean}
 */
export function completesElsewhere(f) {
  return f._foreign === true && !f.done();
}

/**
 * Stages the C futures of `futs` for a waitset: calls `use(fs, foreign)` with
 * fs the address of n cy_future pointers in wasm memory (`futs[i]._cptr()`,
 * or NULL, a slot, where futs[i] is undefined or null) and foreign true when
 * one of them completes on another thread; fs is freed once `use` returns or
 * throws (a waitset copies it). Returns what `use` returns; throws what a
 * future's _cptr() throws, or when wasm memory is exhausted.
 * @template R
 * @param {ArrayLike<BaseFuture|undefined|null>} futs
 * @param {number} n
 * @param {(fs: number, foreign: boolean) => R} use
 * @returns {R}
 */
export function withFuturePointers(futs, n, use) {
  // _cptr() may allocate in wasm (and grow its memory): the pointers are
  // staged here and copied into fresh views after the last one.
  const ptrs = n > 16 ? new Uint32Array(n) : [];
  let foreign = false;
  for (let i = 0; i < n; i++) {
    const f = futs[i];
    let p = 0;
    if (f !== undefined && f !== null) {
      p = f._cptr();
      if (!foreign && completesElsewhere(f)) foreign = true;
    }
    ptrs[i] = p;
  }
  const fs = C.malloc(n > 0 ? n * 4 : 4);
  if (!fs) throw coreFailure('malloc', CY_ENOMEM);
  try {
    heap().u32.set(ptrs, fs >> 2);
    return use(fs, foreign);
  } finally {
    C.free(fs);
  }
}

let uuidCounter = 0;

/**
 * The error of a BaseFuture subclass that lacks one of the core-facing
 * methods: wait()/gather() reject (or throw) with it, naming what to do.
 */
function notImplemented(f, method) {
  return new TypeError(`${f.constructor.name}: a BaseFuture subclass must implement ${method}() ` +
    '(with _state(), _outcome() and _cptr(), over a C future of the core); for work that can only be ' +
    'asked whether it is done, use ProbeFuture, and for a promise, PromiseFuture or wrapFuture()');
}

/**
 * The unified future. Not constructed directly: see SyncFuture, PromiseFuture,
 * CFuture, ProbeFuture and `wrapFuture()`.
 * @template T
 */
export class BaseFuture {
  /** Prefix of `uuid`, naming the kind of future. */
  static UUID_PREFIX = 'future-';

  /**
   * A unique id whose prefix names the kind (`sync-future-`, `promise-future-`,
   * `c-future-`, ...).
   * @returns {string}
   */
  get uuid() {
    let id = this._uuid;
    if (id === undefined) {
      id = `${/** @type {typeof BaseFuture} */ (this.constructor).UUID_PREFIX}${++uuidCounter}`;
      Object.defineProperty(this, '_uuid', { value: id, enumerable: false });
    }
    return id;
  }

  /** @returns {boolean} true once the future has a result, an exception or was cancelled */
  done() { return this._state() >= STATE_SUCCEEDED; }
  /** @returns {boolean} true if the future was cancelled */
  cancelled() { return this._state() === STATE_CANCELLED; }
  /** @returns {boolean} true while the work is running (not queued, not done) */
  running() { return this._state() === STATE_RUNNING; }
  /**
   * Cancels the future if it has not started. Returns true if it is cancelled.
   * @returns {boolean}
   */
  cancel() { return false; }

  /**
   * The state in the core (CY_STATE_*).
   * @returns {number}
   * @protected
   */
  _state() { throw notImplemented(this, '_state'); }

  /**
   * The outcome for a done state: the result (succeeded) or the error (failed,
   * cancelled: a CancelledError).
   * @param {number} state
   * @returns {unknown}
   * @protected
   */
  _outcome(state) { throw notImplemented(this, `_outcome(${state})`); }

  /**
   * The cy_future* the core's waitsets register with.
   * @returns {number}
   * @protected
   */
  _cptr() { throw notImplemented(this, '_cptr'); }

  /** True when the future completes on another thread (waits arm Atomics.waitAsync). */
  get _foreign() { return false; }

  /**
   * The result, now. Throws the task's error if it failed, CancelledError if it
   * was cancelled, InvalidStateError if it is not done.
   * @returns {T}
   */
  resultNow() {
    const s = this._state();
    if (s === STATE_SUCCEEDED) return /** @type {T} */ (this._outcome(s));
    if (s === STATE_FAILED || s === STATE_CANCELLED) throw this._outcome(s);
    throw new InvalidStateError(`resultNow(): the future ${this.uuid} is not done (use await future.result() or wait() first)`);
  }

  /**
   * The exception, now: null for a successful future, the error for a failed
   * one; throws CancelledError if cancelled, InvalidStateError if not done.
   * @returns {unknown}
   */
  exceptionNow() {
    const s = this._state();
    if (s === STATE_SUCCEEDED) return null;
    if (s === STATE_FAILED) return this._outcome(s);
    if (s === STATE_CANCELLED) throw this._outcome(s);
    throw new InvalidStateError(`exceptionNow(): the future ${this.uuid} is not done (use await future.exception() or wait() first)`);
  }

  /**
   * Waits (event-driven, through the core) for the future, up to `timeout` ms.
   * The first check comes a microtask after the call (Waiter.begin), so with
   * a timeout of 0 a future over an already-settled promise counts as done.
   * @param {number} timeout core form (-1 none)
   * @param {string} where
   * @returns {Promise<void>}
   * @protected
   */
  _settled(timeout, where) {
    if (this.done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = withFuturePointers([this], 1, (fs) => new Waiter(fs, 1, {
        returnWhen: 0, timeout, polling: null, strategy: 0, progress: null,
        returnExceptions: true, foreign: this._foreign, signal: null,
      }, {
        onPoll: (rc) => {
          w.free();
          if (rc === CY_ETIMEDOUT) {
            reject(new TimeoutError(`${where}: the future ${this.uuid} did not complete within ${timeout} ms: 0 of 1 completed`, { completed: 0, total: 1, timeout }));
          } else resolve();
        },
        onAbort: (reason) => reject(reason),
      }));
      w.begin();
    });
  }

  /**
   * The result, once done: resolves with it, rejects with the task's error
   * (unwrapped), CancelledError, or TimeoutError when `timeout` ms pass first
   * (the future stays usable).
   * @param {{ timeout?: number|null }} [options]
   * @returns {Promise<T>}
   * @throws {TypeError|RangeError} at once, for options that are not as documented
   */
  result(options) {
    // Bad options throw at once, as they do for wait() and gather().
    const timeout = parseResultOptions(options, 'result()');
    const s = this._state();
    if (s === STATE_SUCCEEDED) return Promise.resolve(/** @type {T} */ (this._outcome(s)));
    if (s === STATE_FAILED || s === STATE_CANCELLED) return Promise.reject(this._outcome(s));
    return this._settled(timeout, 'result()').then(() => this.resultNow());
  }

  /**
   * The exception, once done: null for success, the error for a failure;
   * rejects with CancelledError if cancelled, TimeoutError on timeout.
   * @param {{ timeout?: number|null }} [options]
   * @returns {Promise<unknown>}
   * @throws {TypeError|RangeError} at once, for options that are not as documented
   */
  exception(options) {
    // Bad options throw at once, as they do for wait() and gather().
    const timeout = parseResultOptions(options, 'exception()');
    if (this.done()) {
      try { return Promise.resolve(this.exceptionNow()); } catch (e) { return Promise.reject(e); }
    }
    return this._settled(timeout, 'exception()').then(() => this.exceptionNow());
  }

  /**
   * Calls `fn(this)` exactly once when the future is done; at once (synchronously)
   * if it already is. An error thrown by fn is reported and ignored.
   * @param {(future: this) => void} fn
   * @returns {void}
   */
  addDoneCallback(fn) {
    if (typeof fn !== 'function') throw new TypeError(`addDoneCallback(): 'fn' must be a function; got ${fn === null ? 'null' : typeof fn}`);
    if (this.done()) {
      invokeCallback(fn, this);
      return;
    }
    if (appendCallback(this, fn)) this._watch();
  }

  /**
   * Makes sure callbacks run when the future completes. The default watches
   * the future through the core (a waitset over it); PromiseFuture runs them
   * from its settle reaction instead.
   * @protected
   */
  _watch() {
    this._settled(-1, 'addDoneCallback()').then(() => runCallbacks(this), () => runCallbacks(this));
  }

  /**
   * Thenable: `await future` gives the result (or throws its error).
   * @template R1, R2
   * @param {((value: T) => R1 | PromiseLike<R1>) | null} [onFulfilled]
   * @param {((reason: any) => R2 | PromiseLike<R2>) | null} [onRejected]
   * @returns {Promise<R1 | R2>}
   */
  then(onFulfilled, onRejected) {
    return this.result().then(onFulfilled, onRejected);
  }

  get [Symbol.toStringTag]() { return 'Future'; }
}

/** A CancelledError for a cancelled future. @param {BaseFuture} f */
export function cancelledError(f) {
  return new CancelledError(`Future was cancelled (${f.uuid})`);
}

export { STATE_SUCCEEDED, STATE_FAILED, STATE_CANCELLED, STATE_RUNNING, Module };
