/**
 * gather(fs, { iter: true }): an AsyncIterableIterator of `[key, value]` in
 * completion order, over the same inputs and waitset as the blocking form
 * (gather/inputs.js), every promise's outcome watched on its own so that the
 * core records the order they settled.
 * @module concurry-wasm/gather/iterator
 */
import { CY_ETIMEDOUT, ALL_COMPLETED, STATE_SUCCEEDED } from '../core.js';
import { Waiter, freeLeftovers } from '../waitset.js';
import { waiterOptions, timeoutError } from './inputs-run.js';
import { Inputs, EXACT } from './inputs.js';
import { observe } from '../observe.js';
import { Queue } from './queue.js';
import { abortedAtCall } from '../aborted-report.js';
import { cancellableFutures, cancelPendingFutures } from '../cancel-pending.js';

/** Indices taken from the core per call. */
const TAKE = 256;

// An iterator dropped before its end (no `break`, no exhaustion) still frees
// its waitset once collected. The held value must not reach the iterator (the
// registry holds it strongly), hence the waiter's leftovers, not the waiter,
// whose handler closes over the iterator.
const iterRegistry = new FinalizationRegistry((l) => freeLeftovers(l));

function done() { return { value: undefined, done: true }; }

/**
 * `[key, value]` pairs in completion order; `break` (return()) frees what it
 * holds.
 *
 * A failure (without returnExceptions) ends the iteration where it happened:
 * the pairs that completed before it are given first, then next() rejects
 * with it, then the iterator is done. A timeout likewise comes after the
 * pairs completed by the check that found the deadline passed, and nothing
 * that completed later is given. An abort stops at once (pairs not yet given
 * are dropped). Calls of next() made before earlier ones settled are served
 * in call order; those beyond the end resolve `{ done: true }`.
 * @implements {AsyncIterableIterator<[any, any]>}
 */
export class GatherIterator {
  /**
   * @param {import('../shapes.js').Shape} shape  its leaves read here, at the call, only
   * @param {import('../options.js').GatherOptions} o
   */
  constructor(shape, o) {
    this._shape = shape;
    this._o = o;
    const n = shape.leaves.length;
    this._n = n;
    this._keys = shape.groupKeys();
    this._ready = new Queue();    // pairs taken from the core, not yet given
    this._waiting = new Queue();  // pending next() calls: { resolve, reject }
    this._error = null;           // { reason, delivered } once the iteration failed
    this._closed = false;
    this._taken = 0;              // entries taken from the core's completion order
    this._values = null;          // recurse: leaf values, per-group remaining counts
    this._remaining = null;
    this._leafGroup = null;
    this._in = null;
    this._w = null;
    // cancelPending: the futures among the inputs (taken now), cancelled when
    // the iteration closes (pending ones only: at its end none are).
    this._cancellable = o.cancelPending ? cancellableFutures(shape.leaves) : null;
    if (o.signal && o.signal.aborted) {
      observe(shape.leaves);
      this._error = { reason: abortedAtCall(o.progress, shape.leaves, o.signal.reason), delivered: false };
      this._closed = true;
      this._cancelPending();
      return;
    }
    if (shape.recursive) this._groups();
    const inp = new Inputs(shape.leaves, EXACT);
    this._in = inp;
    const handler = {
      onPoll: (rc) => this._onPoll(rc),
      onAbort: (reason) => this._fail(reason, true),
      beforePoll: (w) => inp.beforePoll(w),
    };
    const w = inp.attach((fs, foreign) => new Waiter(fs, n, waiterOptions(o, ALL_COMPLETED, true, foreign), handler), true);
    this._w = w;
    w.wantsEveryPoll = true;
    // Weak between next() calls: a dropped iterator must not be kept alive by its wait.
    w.weakable = true;
    w.setWeak(true);
    iterRegistry.register(this, w.leftovers(), this);
    w.begin();
  }

  /** recurse: each top-level entry is given once all its leaves are done. */
  _groups() {
    const shape = this._shape;
    const groups = this._keys.length;
    this._values = new Array(this._n);
    this._remaining = new Int32Array(groups);
    this._leafGroup = new Int32Array(this._n);
    for (let g = 0; g < groups; g++) {
      const a = shape.groupStart[g];
      const b = shape.groupStart[g + 1];
      this._remaining[g] = b - a;
      for (let i = a; i < b; i++) this._leafGroup[i] = g;
      if (a === b) this._ready.push([this._keys[g], shape.buildGroup(g, this._values)]);
    }
  }

  [Symbol.asyncIterator]() { return this; }

  /**
   * Takes what the core has finished into _ready. A failure (without
   * returnExceptions) ends the iteration after the pairs taken before it.
   */
  _drain() {
    const w = this._w;
    const inp = this._in;
    const raw = !this._o.returnExceptions;
    while (!this._closed) {
      const idx = w.take(TAKE);
      if (idx === null) break;
      for (let j = 0; j < idx.length; j++) {
        const i = idx[j];
        this._taken++;
        const state = inp.stateOf(i);
        const value = inp.outcome(i, state);
        if (raw && state !== STATE_SUCCEEDED) {
          this._fail(value, false);
          return;
        }
        if (this._values !== null) {
          this._values[i] = value;
          const g = this._leafGroup[i];
          if (--this._remaining[g] === 0) this._ready.push([this._keys[g], this._shape.buildGroup(g, this._values)]);
        } else {
          this._ready.push([this._keys[i], value]);
        }
      }
      if (idx.length < TAKE) break;
    }
    // Everything was taken: nothing more can come from the core.
    if (this._taken === this._n) this._close();
  }

  _onPoll(rc) {
    if (this._closed) return;
    this._drain();
    if (rc === CY_ETIMEDOUT && !this._closed) {
      // The pairs done by this check are in _ready; nothing done later is
      // given: the waitset goes now.
      const k = this._w.doneCount();
      this._fail(timeoutError('gather()', this._o.timeout, k, this._n), false);
      return;
    }
    this._deliver();
  }

  /** Serves pending next() calls from _ready; the end once closed and empty. */
  _deliver() {
    const waiting = this._waiting;
    const ready = this._ready;
    while (waiting.size > 0 && ready.size > 0) waiting.shift().resolve({ value: ready.shift(), done: false });
    if (waiting.size === 0) {
      if (!this._closed) this._w.setWeak(true);
      return;
    }
    if (this._closed) this._settleWaiting();
  }

  /** Every pending next() after the pairs: the error once (if not given yet), then the end. */
  _settleWaiting() {
    const waiting = this._waiting;
    const err = this._error;
    if (err !== null && !err.delivered && waiting.size > 0) {
      err.delivered = true;
      waiting.shift().reject(err.reason);
    }
    while (waiting.size > 0) waiting.shift().resolve(done());
  }

  /**
   * Ends the iteration with `reason`: after the pairs already taken, unless
   * `discard` (an abort) drops them.
   */
  _fail(reason, discard) {
    if (this._error !== null) return;
    this._error = { reason, delivered: false };
    this._close();
    if (discard) this._ready.clear();
    const waiting = this._waiting;
    const ready = this._ready;
    while (waiting.size > 0 && ready.size > 0) waiting.shift().resolve({ value: ready.shift(), done: false });
    this._settleWaiting();
  }

  /** Releases the waitset (the final progress report first) and the inputs. */
  _close() {
    if (this._closed) return;
    this._closed = true;
    if (this._in !== null) this._in.close();
    const w = this._w;
    if (w !== null) {
      iterRegistry.unregister(this);
      // A final report that throws ends the iteration with its error (unless
      // another already did): finish() hands it to onAbort, _fail here.
      if (!w.freed) w.finish();
      w.free();
    }
    this._cancelPending();
  }

  /** With cancelPending: cancels the input futures not done (once). */
  _cancelPending() {
    const c = this._cancellable;
    if (c === null) return;
    this._cancellable = null;
    cancelPendingFutures(c);
  }

  /** @returns {Promise<IteratorResult<[any, any]>>} */
  next() {
    if (this._ready.size > 0 && this._waiting.size === 0) return Promise.resolve({ value: this._ready.shift(), done: false });
    if (this._closed && this._waiting.size === 0) {
      const err = this._error;
      if (err !== null && !err.delivered) {
        err.delivered = true;
        return Promise.reject(err.reason);
      }
      return Promise.resolve(done());
    }
    return new Promise((resolve, reject) => {
      this._waiting.push({ resolve, reject });
      if (this._closed) { this._deliver(); return; }
      // Someone awaits this iterator now: held strongly until served.
      this._w.setWeak(false);
      // Before the first check the waiter's begin() serves this call.
      if (this._in.started) this._w.poll();
      this._deliver();
    });
  }

  /** Stops the iteration (`break`): frees the waitset. */
  return(value) {
    this._stop();
    return Promise.resolve({ value, done: true });
  }

  /** Stops the iteration and rejects with `error`. */
  throw(error) {
    this._stop();
    return Promise.reject(error);
  }

  _stop() {
    this._close();
    this._ready.clear();
    if (this._error !== null) this._error.delivered = true;
    else this._error = { reason: undefined, delivered: true };
    const waiting = this._waiting;
    while (waiting.size > 0) waiting.shift().resolve(done());
  }

  get [Symbol.toStringTag]() { return 'GatherIterator'; }
}
