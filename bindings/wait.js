/**
 * wait(): resolves with `{ done, notDone }` (Sets of BaseFuture) once the
 * core says the return condition holds (ALL_COMPLETED, FIRST_COMPLETED,
 * FIRST_EXCEPTION); rejects with TimeoutError ("k of n completed") when the
 * timeout passes first, or with the signal's reason on abort. Every input
 * shape of shapes.js; futures stay usable afterwards.
 *
 * The core checks the condition before the deadline at every check, and the
 * first check comes a microtask after the call (Waiter.begin), once inputs
 * settled at the call have reached the core: `timeout: 0` gives what was
 * done at the call. Every input is observed (a rejection is handled) on
 * every way out. Two paths: a wait for ALL_COMPLETED with neither timeout
 * nor progress watches native promises as one group of waitset slots
 * (waitGrouped); any other wait has a future per input (waitFutures).
 * @module concurry-wasm/wait
 */
import { splitArgs, flatten } from './shapes.js';
import { parseWaitOptions, RETURN_WHEN_CODE } from './options.js';
import { wrapFuture } from './wrap.js';
import { completesElsewhere } from './futures/base.js';
import { C, heap, CY_ETIMEDOUT, STATE_SUCCEEDED, STATE_FAILED, coreFailure } from './core.js';
import { settledPromiseFuture } from './futures/promise.js';
import { Waiter, decideSettled } from './waitset.js';
import { TimeoutError } from './errors.js';
import { cancelPendingFutures } from './cancel-pending.js';
import { abortedAtCall } from './aborted-report.js';

/**
 * Writes the C futures of `futs` into a fresh malloc'd array.
 * @param {import('./futures/base.js').BaseFuture[]} futs
 * @returns {{ fs: number, foreign: boolean }}
 */
function futurePointers(futs) {
  const n = futs.length;
  if (n === 1) {
    // The common single wait: no staging array.
    const f = futs[0];
    const p = f._cptr();
    const foreign = completesElsewhere(f);
    const fs = C.malloc(4);
    if (!fs) throw coreFailure('malloc', -2);
    heap().u32[fs >> 2] = p;
    return { fs, foreign };
  }
  const ptrs = new Uint32Array(n);
  let foreign = false;
  for (let i = 0; i < n; i++) {
    const f = futs[i];
    ptrs[i] = f._cptr();
    if (!foreign && completesElsewhere(f)) foreign = true;
  }
  const fs = C.malloc(n > 0 ? n * 4 : 4);
  if (!fs) throw coreFailure('malloc', -2);
  heap().u32.set(ptrs, fs >> 2);
  return { fs, foreign };
}

/** The options a Waiter takes, from parsed wait/gather options. */
export function waiterOptions(o, returnWhen, returnExceptions, foreign) {
  const strategy = o.polling !== null && typeof o.polling === 'object' ? o.polling._ptr : 0;
  return {
    returnWhen,
    timeout: o.timeout,
    polling: typeof o.polling === 'string' ? o.polling : null,
    strategy,
    progress: o.progress,
    returnExceptions,
    foreign,
    signal: o.signal,
  };
}

/** A TimeoutError saying how many of how many completed. */
export function timeoutError(where, timeout, completed, total) {
  return new TimeoutError(`${where} timed out after ${timeout} ms: ${completed} of ${total} completed`, { completed, total, timeout });
}

/**
 * Waits for futures (or values: those are done at once).
 *
 * `wait(fs, options?)` with fs an array, Set, plain object, Map or a single
 * future/value; or `wait(f1, f2, ..., options?)`. Options: `timeout` (ms),
 * `returnWhen`, `polling`, `progress`, `recurse`, `signal`, `cancelPending` (cancel the futures still pending once it settles).
 * @param {...any} args
 * @returns {Promise<{ done: Set<import('./futures/base.js').BaseFuture>, notDone: Set<import('./futures/base.js').BaseFuture> }>}
 */
export function wait(...args) {
  const split = splitArgs(args, 'wait()');
  const o = parseWaitOptions(split.options);
  const shape = flatten(split.input, split.kind, o.recurse);
  const leaves = shape.leaves;
  const n = leaves.length;
  if (o.cancelPending) return waitCancellingPending(leaves, n, o);
  if (o.returnWhen === RETURN_WHEN_CODE.ALL_COMPLETED && o.timeout < 0 && o.progress === null) {
    const futs = new Array(n);
    const m = wrapAllButPromises(leaves, n, futs);
    if (m > 0) return waitGrouped(leaves, n, m, futs, o);
    return waitFutures(futs, n, o);
  }
  // Every input is wrapped (observed: a rejection is handled) before any way
  // out, an aborted signal included, as Promise.all observes its inputs.
  const futs = new Array(n);
  for (let i = 0; i < n; i++) futs[i] = wrapFuture(leaves[i]);
  return waitFutures(futs, n, o);
}

/**
 * wait() with `cancelPending: true`: the futures still pending when it
 * settles (notDone; every one on a timeout or an abort) are cancelled before
 * the caller hears of it.
 */
function waitCancellingPending(leaves, n, o) {
  const futs = new Array(n);
  for (let i = 0; i < n; i++) futs[i] = wrapFuture(leaves[i]);
  return waitFutures(futs, n, o).then(
    (r) => { cancelPendingFutures(r.notDone); return r; },
    (e) => { cancelPendingFutures(futs); throw e; });
}

/**
 * Frees the waiter, then settles the wait; with what the signal's
 * removeEventListener threw while freeing, if it did (never left pending).
 */
function endWait(waiter, value, isError, resolve, reject) {
  waiter.free();
  if (waiter.cleanupError !== undefined) reject(waiter.cleanupError);
  else if (isError) reject(value);
  else resolve(value);
}

/** wait() over futures, one per input (every return condition and option). */
function waitFutures(futs, n, o) {
  if (o.signal && o.signal.aborted) return Promise.reject(abortedAtCall(o.progress, futs, o.signal.reason));
  const { fs, foreign } = futurePointers(futs);
  return new Promise((resolve, reject) => {
    const end = (waiter, value, isError) => endWait(waiter, value, isError, resolve, reject);
    let w;
    try {
      w = new Waiter(fs, n, waiterOptions(o, o.returnWhen, true, foreign), {
        onPoll(rc, waiter) {
          if (rc === CY_ETIMEDOUT) {
            const k = waiter.doneCount();
            if (waiter.finish()) end(waiter, timeoutError('wait()', o.timeout, k, n), true);
            return;
          }
          if (!waiter.finish()) return;
          const flags = waiter.doneFlags();
          const done = new Set();
          const notDone = new Set();
          for (let i = 0; i < n; i++) (flags[i] ? done : notDone).add(futs[i]);
          // A future listed twice is in one set only: done wins.
          for (const f of done) notDone.delete(f);
          end(waiter, { done, notDone }, false);
        },
        onAbort(reason, waiter) { end(waiter, reason, true); },
      });
    } catch (e) {
      reject(e);
      return;
    } finally {
      C.free(fs);
    }
    w.begin();
  });
}

/**
 * Wraps every leaf that is not a native Promise into futs[i] (those stay
 * undefined); returns how many are promises. A small function of its own so
 * that V8 optimizes its loop whole.
 */
function wrapAllButPromises(leaves, n, futs) {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x = leaves[i];
    if (x instanceof Promise) m++;
    else futs[i] = wrapFuture(x);
  }
  return m;
}

/** The indices of the promise leaves (those futs leaves undefined), and the promises. */
function promiseLeaves(leaves, n, m, futs) {
  if (m === n) return { idx: null, ps: leaves };
  const idx = new Uint32Array(m);
  const ps = new Array(m);
  let t = 0;
  for (let i = 0; i < n; i++) {
    if (futs[i] !== undefined) continue;
    idx[t] = i;
    ps[t++] = leaves[i];
  }
  return { idx, ps };
}

/**
 * The slots' outcomes from Promise.allSettled's results: values[t], and
 * failed[t] = 1 for a rejection.
 */
function fromSettled(results) {
  const m = results.length;
  const values = new Array(m);
  const failed = new Uint8Array(m);
  for (let t = 0; t < m; t++) {
    const r = results[t];
    if (r.status === 'fulfilled') values[t] = r.value;
    else { values[t] = r.reason; failed[t] = 1; }
  }
  return { values, failed };
}

/**
 * Writes the core's states of the promise slots into u8[p..p+n) (entries of
 * futures 0: the core leaves them alone). u8 is zeroed.
 */
function slotStates(out, idx, u8, p, n) {
  const { values, failed } = out;
  if (idx === null && failed === null) {
    u8.fill(STATE_SUCCEEDED, p, p + n);
    return;
  }
  for (let t = 0; t < values.length; t++) {
    u8[p + (idx === null ? t : idx[t])] = failed !== null && failed[t] ? STATE_FAILED : STATE_SUCCEEDED;
  }
}

/** The futures of the promise slots: done from the start, with their outcomes. */
function settledFutures(out, idx, futs) {
  const { values, failed } = out;
  for (let t = 0; t < values.length; t++) {
    futs[idx === null ? t : idx[t]] = settledPromiseFuture(values[t], failed !== null && failed[t] === 1);
  }
}

/*
 * Grouped observation, as gather does: a wait for ALL_COMPLETED with neither
 * deadline nor progress needs no event per promise; the core has to learn
 * that every promise settled. The native promises are slots of the waitset
 * (entries without a C future), watched by one Promise.all (then, if one
 * rejected, one Promise.allSettled), whose engine fast path observes each
 * (rejections handled) for less than a reaction of our own per promise;
 * when every promise has settled, their states reach the core in one call
 * and the core answers. Their futures are made at the end,
 * done from the start (settledPromiseFuture): no C future, no reaction each.
 * Other leaves are futures as in waitFutures.
 */
function waitGrouped(leaves, n, m, futs, o) {
  const { idx, ps } = promiseLeaves(leaves, n, m, futs);
  const g = new GroupedWait(n, idx, futs);
  // The group observes every promise (rejections handled), whatever happens
  // next: one reaction for a single promise, else Promise.all (the engine's
  // fast path, much cheaper than allSettled), and only when one rejects is
  // the full picture asked of allSettled.
  if (m === 1) ps[0].then(oneFulfilled.bind(g), oneRejected.bind(g));
  else {
    Promise.all(ps).then((values) => g.settled(values, null),
      () => Promise.allSettled(ps).then((r) => { const x = fromSettled(r); g.settled(x.values, x.failed); }));
  }
  if (o.signal && o.signal.aborted) return Promise.reject(o.signal.reason);
  let fs = 0;
  let foreign = false;
  if (m < n) {
    fs = C.malloc(n * 4);
    if (!fs) throw coreFailure('malloc', -2);
    try {
      for (let i = 0; i < n; i++) {
        const f = futs[i];
        // _cptr() may allocate in wasm: fetch the views after it.
        const p = f === undefined ? 0 : f._cptr();
        heap().u32[(fs >> 2) + i] = p;
        if (p !== 0 && !foreign && completesElsewhere(f)) foreign = true;
      }
    } catch (e) {
      C.free(fs);
      throw e;
    }
  }
  return new Promise((resolve, reject) => {
    g.resolve = resolve;
    g.reject = reject;
    g.o = o;
    if (m === n && o.signal === null) {
      // Only promises, and nothing to listen to before they all settle: the
      // waitset is made then, told their states and asked at once.
      g.lazy = true;
      return;
    }
    try {
      g.w = new Waiter(fs, n, waiterOptions(o, RETURN_WHEN_CODE.ALL_COMPLETED, true, foreign), g);
    } catch (e) {
      reject(e);
      return;
    } finally {
      if (fs) C.free(fs);
    }
    if (g.values !== null) g.push();
    g.w.begin();
  });
}

const ONE_FAILED = new Uint8Array([1]);

/*
 * The reactions of a group of one promise, bound to its GroupedWait: made
 * outside waitGrouped, they hold no context of that call (its options, its
 * leaves) while the promise is pending.
 */
/** @this {GroupedWait} */
function oneFulfilled(v) { this.settled([v], null); }
/** @this {GroupedWait} */
function oneRejected(e) { this.settled([e], ONE_FAILED); }

/** The state of a grouped wait; it is its Waiter's handler. */
class GroupedWait {
  constructor(n, idx, futs) {
    this.n = n;
    this.idx = idx;
    this.futs = futs;
    this.values = null;  // the promises' outcomes, once all settled
    this.failed = null;  // failed[t] = 1 for a rejection (null: none)
    this.w = null;
    this.resolve = null;
    this.reject = null;
    this.o = null;
    this.lazy = false;   // the waiter is made when the promises have settled
  }

  /** Every promise settled. */
  settled(values, failed) {
    this.values = values;
    this.failed = failed;
    if (this.lazy) {
      this.decide();
      return;
    }
    if (this.w !== null) this.push();
  }

  /**
   * Deferred (only promises, no signal): every slot is settled, so the core
   * is asked once over all of them (decideSettled), with no Waiter.
   */
  decide() {
    let rc;
    try {
      const n = this.n;
      const states = new Uint8Array(n);
      slotStates(this, this.idx, states, 0, n);
      rc = decideSettled(n, states, RETURN_WHEN_CODE.ALL_COMPLETED);
    } catch (e) {
      this.reject(e);
      return;
    }
    // Every slot is settled: ALL_COMPLETED holds, or the core disagrees.
    if (rc !== 0) {
      this.reject(coreFailure('cy_waitset_poll', rc));
      return;
    }
    settledFutures(this, this.idx, this.futs);
    this.resolve({ done: new Set(this.futs), notDone: new Set() });
  }

  /** Tells the core of the settled slots and asks it. */
  push() {
    const w = this.w;
    if (w.freed) return;
    const n = this.n;
    const states = new Uint8Array(n);
    slotStates(this, this.idx, states, 0, n);
    w.settleSlots(states);
    w.poll();
  }

  onPoll(rc, waiter) {
    // No deadline and no progress: rc is 0, once every entry is done.
    settledFutures(this, this.idx, this.futs);
    const done = new Set(this.futs);
    endWait(waiter, { done, notDone: new Set() }, false, this.resolve, this.reject);
  }

  onAbort(reason, waiter) { endWait(waiter, reason, true, this.resolve, this.reject); }
}
