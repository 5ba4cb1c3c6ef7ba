/**
 * gather(): the results of futures in the input's shape (array for arrays,
 * Sets, single values and variadic arguments; a plain object with the same
 * keys; a Map), or with `iter: true` an AsyncIterableIterator of
 * `[key, value]` in completion order.
 *
 * The core decides when: without `returnExceptions` the waitset's condition
 * is FIRST_EXCEPTION (all done, or a failure: gather then rejects with the
 * first failure in completion order, like Promise.all); with it, ALL_COMPLETED
 * and failures are values. Plain (non-future) values skip wrapping and stand
 * in with the core's shared done future.
 * @module concurry-wasm/gather
 */
import { splitArgs, flatten } from './shapes.js';
import { parseGatherOptions } from './options.js';
import { wrapFuture, isPlainThenable } from './wrap.js';
import { BaseFuture } from './futures/base.js';
import { PromiseFuture } from './futures/promise.js';
import { SyncFuture } from './futures/sync.js';
import {
  C, heap, waitsetTake, coreFailure, DONE_FUTURE, scratchA,
  CY_ETIMEDOUT, CY_EAGAIN, CY_EOF, STATE_PENDING, STATE_SUCCEEDED, STATE_FAILED,
} from './core.js';
import { Waiter, freeLeftovers } from './waitset.js';
import { waiterOptions, timeoutError } from './wait.js';

/**
 * Wraps the leaves: futs[i] is a BaseFuture, or undefined for a plain value
 * (its result is itself). Returns the malloc'd array of C futures.
 */
function prepare(leaves) {
  const n = leaves.length;
  const futs = new Array(n);
  const ptrs = new Uint32Array(n);
  const plain = DONE_FUTURE[0];
  let foreign = false;
  for (let i = 0; i < n; i++) {
    const x = leaves[i];
    let f;
    if (x instanceof Promise) f = new PromiseFuture(x);
    else if (x instanceof BaseFuture) f = x;
    else if (x === null || (typeof x !== 'object' && typeof x !== 'function')) {
      ptrs[i] = plain;
      continue;
    } else {
      f = wrapFuture(x);
    }
    futs[i] = f;
    ptrs[i] = f._cptr();
    if (f._foreign && !foreign) foreign = true;
  }
  const fs = C.malloc(n > 0 ? n * 4 : 4);
  if (!fs) throw coreFailure('malloc', -2);
  heap().u32.set(ptrs, fs >> 2);
  return { futs, fs, foreign };
}

/** The value (or error) of leaf i once done. */
function outcomeOf(futs, leaves, i, state) {
  const f = futs[i];
  return f === undefined ? leaves[i] : f._outcome(state);
}

/** The first failed or cancelled leaf in completion order (drains the order). */
function firstFailure(ws, n, states) {
  const buf = C.malloc(4 * 256);
  try {
    for (;;) {
      const k = waitsetTake(ws, buf, 256);
      if (k <= 0) return -1;
      const u32 = heap().u32;
      for (let j = 0; j < k; j++) {
        const i = u32[(buf >> 2) + j];
        if (states[i] !== STATE_SUCCEEDED) return i;
      }
    }
  } finally {
    C.free(buf);
  }
}

/* ---- the blocking form ---------------------------------------------------- */

// Leaf kinds of a gather: a plain value, a BaseFuture, or a raw thenable.
// Thenables and plain values are waitset slots (entries without a C future):
// gather never shows their wrappers, so a promise costs one reaction, and its
// settlement reaches the core in a batch with the others settled in the same
// microtask (cy_waitset_complete_slots). Values, and thenables that settled
// before the waitset was made, are completed in one batch at its creation.
// The done kinds are the core's state numbers, so the kinds array is what
// cy_waitset_settle_slots reads: one copy completes every settled slot.
const K_PENDING = STATE_PENDING;  // a thenable not settled yet (a pending slot)
const K_FUTURE = 1;               // a BaseFuture (a C future, not a slot)
const K_OTHER = 2;                // not yet classified (thenable or future-like)
const K_OK = STATE_SUCCEEDED;     // a plain value or a fulfilled thenable (vals[i])
const K_FAILED = STATE_FAILED;    // a rejected thenable (vals[i] is the reason)

/*
 * The per-leaf loops live in these small functions rather than in the
 * methods: V8 then optimizes each one whole after a few gathers, instead of
 * entering a long method's loop through on-stack replacement and throwing the
 * code away at the first line after the loop (measured: 5-20x slower loops).
 */

/**
 * Registers each native-Promise leaf and classifies the rest. One reaction per
 * promise, allocation-lean: the fulfillment handler is the run's function
 * bound to the leaf index (`this` is the index: ESM is strict, so no boxing),
 * the rejection handler is shared. The first rejection attaches index-bound
 * rejection handlers to the thenables still pending, which name the failed
 * one(s) a microtask later (GatherRun.anyFail).
 */
function classify(leaves, n, kinds, vals, okFn, anyFailFn, perLeaf, counts) {
  let other = 0;
  let promises = 0;
  for (let i = 0; i < n; i++) {
    const x = leaves[i];
    if (x instanceof Promise) {
      if (perLeaf) x.then(okFn.bind(i), anyFailFn); // kinds[i] stays K_PENDING
      promises++;
    } else if (x === null || (typeof x !== 'object' && typeof x !== 'function')) {
      vals[i] = x;
      kinds[i] = K_OK;
    } else {
      kinds[i] = K_OTHER;
      other++;
    }
  }
  counts[0] = other;
  counts[1] = promises;
}

/*
 * Grouped observation. When a gather reports neither progress nor every
 * outcome (no returnExceptions), nothing needs an event per promise: the core
 * has to learn that all of them fulfilled, or that one rejected. Then the
 * native-promise leaves are watched by one Promise.all, whose engine fast path
 * reacts to each promise without the derived promise and index-bound handler
 * a user-land .then() allocates: at 100k promises settling across macrotasks
 * those push the young generation into two scavenges (28.7 ms) that a shared
 * handler or Promise.all never trigger. The core still decides: the promises
 * are slots it counts, completed together when the group fulfills; a
 * rejection starts GatherRun.anyFail, which names the failed leaf; and when
 * the core's deadline passes first, a census (GatherRun.census) tells it of
 * every promise settled by then, so its verdict and its "k of n" are exact.
 */

/**
 * The native-promise leaves, m of the n: their indices and the promises; when
 * every leaf is one (the common case), idx is null and ps the leaves.
 */
function rawPromises(leaves, kinds, n, m) {
  if (m === n) return { idx: null, ps: leaves };
  const idx = new Uint32Array(m);
  const ps = new Array(m);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const x = leaves[i];
    if (kinds[i] === K_PENDING && x instanceof Promise) {
      idx[t] = i;
      ps[t++] = x;
    }
  }
  return { idx, ps };
}

/** Records the group's values (leaves no longer pending are left alone). */
function settleGroup(kinds, vals, idx, values) {
  for (let t = 0; t < idx.length; t++) {
    const i = idx[t];
    if (kinds[i] !== K_PENDING) continue;
    vals[i] = values[t];
    kinds[i] = K_OK;
  }
}

/** codes for slot indices at u32[p..p+k): 0, or 1 for a rejected thenable. */
function slotCodes(kinds, k, u32, i32, p) {
  for (let j = 0; j < k; j++) i32[p + k + j] = kinds[u32[p + j]] === K_FAILED ? 1 : 0;
}

/** The first leaf (input order) that keeps gather from succeeding, or -1. */
function firstBad(states, n) {
  for (let i = 0; i < n; i++) if (states[i] !== STATE_SUCCEEDED) return i;
  return -1;
}

class GatherRun {
  constructor(shape, o, resolve, reject) {
    this.shape = shape;
    this.o = o;
    this.resolve = resolve;
    this.reject = reject;
    this.leaves = shape.leaves;
    const n = this.leaves.length;
    this.n = n;
    this.vals = new Array(n);      // values of plain leaves and settled thenables
    this.kinds = new Uint8Array(n);
    this.futs = null;              // BaseFuture leaves (sparse), if any
    this.q = [];                   // thenables settled since the last push
    this.scheduled = false;
    this.waiter = null;
    this.fs = 0;
    this.finished = false;
    this.start = 0;
    this.identity = false;
    this.proms = null;             // leaf -> Promise.resolve(thenable) for non-native thenables
    this.group = null;             // grouped native promises: { idx, ps } until they fulfill
    const run = this;
    const kinds = this.kinds;
    const vals = this.vals;
    // The hot path of a gather over promises: kept free of method calls and
    // property loads until the waitset exists.
    /** @this {number} the leaf index */
    this.okFn = function onLeafFulfilled(v) {
      const i = this;
      if (kinds[i] !== K_PENDING) return;
      vals[i] = v;
      kinds[i] = K_OK;
      if (run.waiter !== null) run.settled(i);
    };
    /** @this {number} */
    this.failFn = function onLeafRejected(e) { run.fail(this, e); };
    this.anyFailFn = function onAnyRejected() { run.anyFail(); };
  }

  /** Every promise of the group fulfilled. */
  groupOk(values) {
    if (this.finished) return;
    const { idx } = this.group;
    if (idx === null) {
      // Every leaf is a promise of the group, and none failed (a rejection
      // ends the group first): the values are Promise.all's, in order. The
      // handlers that captured the old array never write again: no leaf is
      // pending any more.
      this.vals = values;
      this.kinds.fill(K_OK);
    } else {
      settleGroup(this.kinds, this.vals, idx, values);
    }
    this.group = null;
    if (this.waiter === null) return; // makeWaitset takes them from kinds
    const n = this.n;
    if (n) {
      const scratch = scratchA.get(n);
      heap().u8.set(this.kinds, scratch);
      C.cy_waitset_settle_slots(this.waiter.ws, scratch);
    }
    this.waiter.poll();
  }

  /**
   * The deadline passed while grouped promises were pending: index-bound
   * handlers go on each, and a microtask after the reactions of those already
   * settled, the core hears of them and answers again.
   */
  census() {
    this.group = null;
    this.scheduled = true; // the census flushes once, itself
    const leaves = this.leaves;
    const kinds = this.kinds;
    for (let i = 0; i < this.n; i++) {
      const x = leaves[i];
      if (kinds[i] === K_PENDING && x instanceof Promise) x.then(this.okFn.bind(i), this.failFn.bind(i));
    }
    queueMicrotask(() => {
      if (this.finished) return;
      this.scheduled = false;
      this.flush();
      this.onPoll(C.cy_waitset_poll(this.waiter.ws));
    });
  }

  fail(i, e) {
    if (this.finished || this.kinds[i] !== K_PENDING) return;
    this.vals[i] = e;
    this.kinds[i] = K_FAILED;
    this.settled(i);
  }

  settled(i) {
    if (this.waiter === null || this.finished) return; // the waitset is made after the first round
    this.q.push(i);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.push());
    }
  }

  /** Tells the core of the thenables settled since the last push, then polls. */
  push() {
    this.scheduled = false;
    if (this.finished) return;
    this.flush();
    this.waiter.poll();
  }

  /** Completes the slots of the settled leaves queued in q, in one core call. */
  flush() {
    const q = this.q;
    const k = q.length;
    if (!k) return;
    this.q = [];
    const base = scratchA.get(k * 8);
    const v = heap();
    v.u32.set(q, base >> 2);
    slotCodes(this.kinds, k, v.u32, v.i32, base >> 2);
    C.cy_waitset_complete_slots(this.waiter.ws, base, base + k * 4, k);
  }

  anyFail() {
    if (this.finished || this.identity) return;
    this.identity = true;
    const kinds = this.kinds;
    const failFn = this.failFn;
    for (let i = 0; i < this.n; i++) {
      if (kinds[i] === K_PENDING) this.promiseOf(i).then(undefined, failFn.bind(i));
    }
  }

  promiseOf(i) {
    const x = this.leaves[i];
    return x instanceof Promise ? x : this.proms.get(i);
  }

  begin() {
    const leaves = this.leaves;
    const n = this.n;
    const kinds = this.kinds;
    const perLeaf = this.o.returnExceptions || this.o.progress !== null;
    const counts = [0, 0];
    classify(leaves, n, kinds, this.vals, this.okFn, this.anyFailFn, perLeaf, counts);
    const other = counts[0];
    for (let i = 0; other > 0 && i < n; i++) {
      if (kinds[i] !== K_OTHER) continue;
      const x = leaves[i];
      if (x instanceof BaseFuture) {
        (this.futs ??= new Array(n))[i] = x;
        kinds[i] = K_FUTURE;
        continue;
      }
      // A thenable is adopted here, once: wrapping it first would call its
      // `then` a second time (and run a lazy thenable's work twice).
      const f = isPlainThenable(x) ? null : wrapFuture(x);
      if (f === null) {
        kinds[i] = K_PENDING;
        const p = Promise.resolve(x);
        (this.proms ??= new Map()).set(i, p);
        p.then(this.okFn.bind(i), this.anyFailFn);
      } else if (f instanceof SyncFuture && !f._failed) {
        kinds[i] = K_OK;
        this.vals[i] = x;
      } else {
        (this.futs ??= new Array(n))[i] = f;
        kinds[i] = K_FUTURE;
      }
    }
    if (!perLeaf && counts[1] > 0) {
      const g = rawPromises(leaves, kinds, n, counts[1]);
      this.group = g;
      Promise.all(g.ps).then((values) => this.groupOk(values), this.anyFailFn);
    }
    this.start = performance.now();
    // Thenables settle a microtask later at the earliest: making the waitset
    // then lets those already settled join it as done, in one batch.
    if (kinds.includes(K_PENDING)) queueMicrotask(() => this.makeWaitset());
    else this.makeWaitset();
  }

  makeWaitset() {
    if (this.finished) return;
    const n = this.n;
    const kinds = this.kinds;
    const futs = this.futs;
    let foreign = false;
    // Without futures every leaf is a slot: the core takes fs = NULL for that.
    if (futs !== null) {
      this.fs = C.malloc(n > 0 ? n * 4 : 4);
      if (!this.fs) return this.end(coreFailure('malloc', -2), true);
      const base = this.fs >> 2;
      heap().u32.fill(0, base, base + n); // NULL: a slot
      // A future's _cptr() may throw (a BaseFuture subclass without it): this
      // may run in a microtask, where a throw would be uncaught.
      try {
        for (let i = 0; i < n; i++) {
          if (kinds[i] !== K_FUTURE) continue;
          const f = futs[i];
          const p = f._cptr(); // may allocate in wasm: fetch the views after it
          heap().u32[base + i] = p;
          if (f._foreign && !foreign) foreign = true;
        }
      } catch (e) {
        return this.end(e, true);
      }
    }
    const o = this.o;
    let timeout = o.timeout;
    if (timeout >= 0) timeout = Math.max(0, timeout - (performance.now() - this.start));
    const wo = waiterOptions(o, o.returnExceptions ? 0 : 2, o.returnExceptions, foreign);
    wo.timeout = timeout;
    try {
      this.waiter = new Waiter(this.fs, n, wo, {
        onPoll: (rc) => this.onPoll(rc),
        onAbort: (reason) => this.end(reason, true),
      });
    } catch (e) {
      return this.end(e, true);
    }
    if (n) {
      const scratch = scratchA.get(n);
      heap().u8.set(kinds, scratch);
      C.cy_waitset_settle_slots(this.waiter.ws, scratch);
    }
    if (this.waiter.poll() === CY_EAGAIN && !this.finished) this.waiter.start();
  }

  /** The outcome (value or error) and whether it failed, of a done leaf. */
  outcome(i, state) {
    const kind = this.kinds[i];
    if (kind === K_FUTURE) {
      const f = this.futs[i];
      return f._outcome(state);
    }
    return this.vals[i];
  }

  onPoll(rc) {
    const w = this.waiter;
    const n = this.n;
    if (rc === CY_ETIMEDOUT) {
      if (this.group !== null) return this.census();
      const k = w.doneCount();
      w.finish();
      return this.end(timeoutError('gather()', this.o.timeout, k, n), true);
    }
    w.finish();
    const values = this.vals;
    const kinds = this.kinds;
    const returnExceptions = this.o.returnExceptions;
    if (this.futs === null && C.cy_waitset_failed_count(w.ws) === 0) {
      // Every leaf is a slot and none failed: the values are all in place.
      return this.end(this.shape.build(values), false);
    }
    const st = C.malloc(n > 0 ? n : 1);
    C.cy_waitset_states(w.ws, st);
    const states = heap().u8.slice(st, st + n);
    C.free(st);
    const failed = returnExceptions ? -1 : firstBad(states, n);
    if (failed < 0 && this.futs !== null) {
      const futs = this.futs;
      for (let i = 0; i < n; i++) if (kinds[i] === K_FUTURE) values[i] = futs[i]._outcome(states[i]);
    }
    if (failed >= 0) {
      const first = firstFailure(w.ws, n, states);
      const i = first >= 0 ? first : failed;
      const err = this.outcome(i, states[i]);
      return this.end(err, true);
    }
    return this.end(this.shape.build(values), false);
  }

  end(value, isError) {
    if (this.finished) return;
    this.finished = true;
    if (this.waiter) this.waiter.free();
    if (this.fs) { C.free(this.fs); this.fs = 0; }
    this.q = [];
    if (isError) this.reject(value);
    else this.resolve(value);
  }
}

/**
 * Gathers the results of futures (or values).
 *
 * `gather(fs, options?)` with fs an array, Set, plain object, Map or a single
 * future/value; or `gather(f1, f2, ..., options?)`. Options:
 * `returnExceptions`, `iter`, `timeout` (ms), `polling`, `progress`,
 * `recurse`, `signal`.
 * @param {...any} args
 * @returns {Promise<any> | AsyncIterableIterator<[any, any]>}
 */
export function gather(...args) {
  const split = splitArgs(args, 'gather()');
  const o = parseGatherOptions(split.options);
  const shape = flatten(split.input, split.kind, o.recurse);
  if (o.iter) return new GatherIterator(shape, o);
  if (o.signal && o.signal.aborted) return Promise.reject(o.signal.reason);
  return new Promise((resolve, reject) => {
    const run = new GatherRun(shape, o, resolve, reject);
    if (o.signal) {
      // The final progress report goes before the rejection (this listener
      // runs before the waiter's own). An abort in the same tick as gather()
      // comes before the waitset exists: with progress asked for, it is made
      // now, so the core counts what is done and reports it.
      const onAbort = () => {
        if (run.waiter === null && o.progress !== null) run.makeWaitset();
        if (run.waiter !== null && !run.finished) run.waiter.finish();
        run.end(o.signal.reason, true);
      };
      o.signal.addEventListener('abort', onAbort, { once: true });
      const done = () => o.signal.removeEventListener('abort', onAbort);
      const res = run.resolve;
      const rej = run.reject;
      run.resolve = (v) => { done(); res(v); };
      run.reject = (e) => { done(); rej(e); };
    }
    run.begin();
  });
}

/* ---- iter: true ---------------------------------------------------------- */

// An iterator dropped before its end (no `break`, no exhaustion) still frees
// its waitset once collected. The held value must not reach the iterator (the
// registry holds it strongly), hence the waiter's leftovers, not the waiter,
// whose handler closes over the iterator.
const iterRegistry = new FinalizationRegistry((l) => {
  freeLeftovers(l);
  C.free(l.buf);
});

/**
 * The async iterator of gather(fs, { iter: true }): `[key, value]` pairs in
 * completion order. `break` (return()) frees what it holds.
 *
 * A failure (without returnExceptions) ends the iteration where it happened:
 * the pairs that completed before it are given first, then next() rejects with
 * it, then the iterator is done. A timeout likewise comes after the pairs
 * completed in time. An abort stops at once (pairs not yet given are dropped).
 * @implements {AsyncIterableIterator<[any, any]>}
 */
class GatherIterator {
  constructor(shape, o) {
    this._shape = shape;
    this._o = o;
    this._leaves = shape.leaves;
    this._keys = shape.groupKeys();
    // [key, value] pairs taken from the core, not yet given: a queue read from
    // _head (Array#shift copies large arrays: quadratic over a long iteration).
    this._ready = [];
    this._head = 0;
    this._waiting = [];      // pending next() resolvers: { resolve, reject }
    this._error = null;      // { reason, delivered } once the iteration failed
    this._closed = false;
    this._timedOut = false;
    this._eof = false;
    this._values = null;     // recurse: leaf values, per-group remaining counts
    this._remaining = null;
    this._leafGroup = null;
    this._buf = 0;
    const n = this._leaves.length;
    if (o.signal && o.signal.aborted) {
      this._error = { reason: o.signal.reason, delivered: false };
      this._closed = true;
      return;
    }
    if (shape.recursive) {
      const groups = this._keys.length;
      this._values = new Array(n);
      this._remaining = new Int32Array(groups);
      this._leafGroup = new Int32Array(n);
      for (let g = 0; g < groups; g++) {
        const a = shape.groupStart[g];
        const b = shape.groupStart[g + 1];
        this._remaining[g] = b - a;
        for (let i = a; i < b; i++) this._leafGroup[i] = g;
        if (a === b) this._ready.push([this._keys[g], shape.buildGroup(g, this._values)]);
      }
    }
    const { futs, fs, foreign } = prepare(this._leaves);
    this._futs = futs;
    try {
      this._w = new Waiter(fs, n, waiterOptions(o, 0, true, foreign), {
        onPoll: (rc) => this._onPoll(rc),
        onAbort: (reason) => this._fail(reason, true),
      });
    } finally {
      C.free(fs); // the core copied it
    }
    this._w.wantsEveryPoll = true;
    // Weak between next() calls: a dropped iterator must not be kept alive by its wait.
    this._w.weakable = true;
    this._w.setWeak(true);
    this._buf = C.malloc(4 * 256);
    if (!this._buf) {
      this._w.free();
      throw coreFailure('malloc', -2);
    }
    iterRegistry.register(this, { ...this._w.leftovers(), buf: this._buf }, this);
    this._w.start();
    this._w.poll();
  }

  [Symbol.asyncIterator]() { return this; }

  /** True when pairs wait to be given. */
  _hasReady() { return this._head < this._ready.length; }

  /** The next pair to give (call only when _hasReady()). */
  _shiftReady() {
    const r = this._ready;
    const item = r[this._head];
    r[this._head++] = undefined;
    if (this._head === r.length) {
      this._ready = [];
      this._head = 0;
    } else if (this._head >= 1024 && this._head * 2 >= r.length) {
      // Drop the given prefix now and then: amortized O(1) per pair.
      this._ready = r.slice(this._head);
      this._head = 0;
    }
    return item;
  }

  /** Drops the pairs not yet given. */
  _clearReady() {
    this._ready = [];
    this._head = 0;
  }

  /** Takes what the core has finished into _ready; false on a failure. */
  _drain() {
    if (this._closed || this._eof) return true;
    const w = this._w;
    for (;;) {
      const k = waitsetTake(w.ws, this._buf, 256);
      if (k === CY_EOF) { this._eof = true; break; }
      if (k <= 0) break;
      const idx = heap().u32.slice(this._buf >> 2, (this._buf >> 2) + k);
      for (let j = 0; j < k; j++) {
        const i = idx[j];
        const f = this._futs[i];
        // A plain value's stand-in is the core's shared succeeded future.
        const state = f === undefined ? STATE_SUCCEEDED : f._state();
        const value = outcomeOf(this._futs, this._leaves, i, state);
        if (state !== STATE_SUCCEEDED && !this._o.returnExceptions) {
          // The pairs taken before this one completed first: they stay
          // in _ready, ahead of the error.
          this._fail(value, false);
          return false;
        }
        if (this._values) {
          this._values[i] = value;
          const g = this._leafGroup[i];
          if (--this._remaining[g] === 0) this._ready.push([this._keys[g], this._shape.buildGroup(g, this._values)]);
        } else {
          this._ready.push([this._keys[i], value]);
        }
      }
      if (k < 256) break;
    }
    return true;
  }

  _onPoll(rc) {
    if (rc === CY_ETIMEDOUT) this._timedOut = true;
    if (!this._drain()) return;
    this._deliver();
  }

  _deliver() {
    while (this._waiting.length && this._hasReady()) {
      this._waiting.shift().resolve({ value: this._shiftReady(), done: false });
    }
    if (!this._waiting.length) {
      if (!this._w.freed) this._w.setWeak(true);
      return;
    }
    if (this._eof && !this._hasReady()) {
      this._close();
      while (this._waiting.length) this._waiting.shift().resolve({ value: undefined, done: true });
      return;
    }
    if (this._timedOut) {
      const n = this._leaves.length;
      const k = this._w.doneCount();
      this._fail(timeoutError('gather()', this._o.timeout, k, n), false);
    }
  }

  /**
   * Ends the iteration with `reason`: after the pairs already taken, unless
   * `discard` (an abort) drops them.
   */
  _fail(reason, discard) {
    if (this._error) return;
    this._error = { reason, delivered: false };
    this._close();
    if (discard) this._clearReady();
    const waiting = this._waiting;
    while (waiting.length && this._hasReady()) waiting.shift().resolve({ value: this._shiftReady(), done: false });
    if (waiting.length) {
      waiting.shift().reject(reason);
      this._error.delivered = true;
      while (waiting.length) waiting.shift().resolve({ value: undefined, done: true });
    }
  }

  _close() {
    if (this._closed) return;
    this._closed = true;
    if (this._w) {
      if (this._w.progressCb && !this._w.freed) this._w.finish();
      this._w.free();
      iterRegistry.unregister(this);
    }
    if (this._buf) { C.free(this._buf); this._buf = 0; }
  }

  /** @returns {Promise<IteratorResult<[any, any]>>} */
  next() {
    if (this._hasReady()) return Promise.resolve({ value: this._shiftReady(), done: false });
    if (this._error) {
      if (!this._error.delivered) {
        this._error.delivered = true;
        return Promise.reject(this._error.reason);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    if (this._closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this._waiting.push({ resolve, reject });
      this._w.setWeak(false); // someone awaits this iterator now
      this._w.poll();
      if (!this._w.freed) this._deliver();
    });
  }

  /** Stops the iteration (`break`): frees the waitset. */
  return(value) {
    this._close();
    this._clearReady();
    while (this._waiting.length) this._waiting.shift().resolve({ value: undefined, done: true });
    return Promise.resolve({ value, done: true });
  }

  /** Stops the iteration and rejects with `error`. */
  throw(error) {
    this._close();
    this._clearReady();
    return Promise.reject(error);
  }

  get [Symbol.toStringTag]() { return 'GatherIterator'; }
}

export { GatherIterator };
