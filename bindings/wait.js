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
 * nor progress watches its inputs as gather does (gather/inputs.js, mode
 * GROUP_ALL: native promises as one group of waitset slots) and makes the
 * futures of its promises and values at the end (waitGrouped); any other
 * wait has a future per input (waitFutures).
 * @module concurry-wasm/wait
 */
import { splitArgs, flatten } from './shapes.js';
import { parseWaitOptions, RETURN_WHEN_CODE } from './options.js';
import { wrapFuture } from './wrap.js';
import { withFuturePointers } from './futures/base.js';
import { CY_ETIMEDOUT, STATE_SUCCEEDED, STATE_FAILED, ALL_COMPLETED } from './core.js';
import { Waiter } from './waitset.js';
import { cancelPendingFutures } from './cancel-pending.js';
import { abortedAtCall } from './aborted-report.js';
import { Inputs, GROUP_ALL } from './gather/inputs.js';
import { InputsRun, waiterOptions, timeoutError, promiseFor } from './gather/inputs-run.js';
import { onePromise } from './one-promise.js';
import { decideOne } from './waitset.js';
import { settledPromiseFuture } from './futures/promise.js';

// Their home is gather/inputs-run.js; exported here too for older importers (sync-wait.js).
export { waiterOptions, timeoutError };

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
  const one = onePromise(args);
  if (one !== null) return one.then(waitOneFulfilled, waitOneRejected);
  const split = splitArgs(args, 'wait()');
  const o = parseWaitOptions(split.options);
  const shape = flatten(split.input, split.kind, o.recurse);
  const leaves = shape.leaves;
  const n = leaves.length;
  if (o.cancelPending) return waitCancellingPending(leaves, n, o);
  if (o.returnWhen === RETURN_WHEN_CODE.ALL_COMPLETED && o.timeout < 0 && o.progress === null) return waitGrouped(leaves, n, o);
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

/** The wait of waitFutures: the Waiter's handler. */
class FuturesWait {
  constructor(futs, n, o) {
    this.futs = futs;
    this.n = n;
    this.o = o;
    this.resolve = null;
    this.reject = null;
  }

  onPoll(rc, waiter) {
    const { futs, n } = this;
    if (rc === CY_ETIMEDOUT) {
      const k = waiter.doneCount();
      if (waiter.finish()) this.end(waiter, timeoutError('wait()', this.o.timeout, k, n), true);
      return;
    }
    if (!waiter.finish()) return;
    const flags = waiter.doneFlags();
    const done = new Set();
    const notDone = new Set();
    for (let i = 0; i < n; i++) (flags[i] ? done : notDone).add(futs[i]);
    // A future listed twice is in one set only: done wins.
    for (const f of done) notDone.delete(f);
    this.end(waiter, { done, notDone }, false);
  }

  onAbort(reason, waiter) { this.end(waiter, reason, true); }

  /**
   * Frees the waiter, then settles the wait; with what the signal's
   * removeEventListener threw while freeing, if it did (never left pending).
   */
  end(waiter, value, isError) {
    waiter.free();
    if (waiter.cleanupError !== undefined) this.reject(waiter.cleanupError);
    else if (isError) this.reject(value);
    else this.resolve(value);
  }
}

/**
 * wait() over futures, one per input (every return condition and option).
 * Throws what a future's _cptr() throws (a BaseFuture subclass without one).
 */
function waitFutures(futs, n, o) {
  if (o.signal && o.signal.aborted) return Promise.reject(abortedAtCall(o.progress, futs, o.signal.reason));
  const run = new FuturesWait(futs, n, o);
  const p = promiseFor(run);
  let failure = null;
  const w = withFuturePointers(futs, n, (fs, foreign) => {
    try {
      return new Waiter(fs, n, waiterOptions(o, o.returnWhen, true, foreign), run);
    } catch (e) {
      failure = { e };
      return null;
    }
  });
  if (w === null) run.reject(failure.e);
  else w.begin();
  return p;
}

/**
 * Grouped observation, as gather does: a wait for ALL_COMPLETED with neither
 * deadline nor progress needs no event per promise; the core has to learn
 * that every promise settled. The native promises are slots of the waitset
 * (entries without a C future), watched as one group (Inputs, GROUP_ALL),
 * whose engine fast path observes each (rejections handled) for less than
 * a reaction of our own per promise; with no signal and only promises the
 * core is asked once they have all settled, with no Waiter. Their futures
 * are made at the end, done from the start (Inputs.futures): no C future,
 * no reaction each. Other leaves are futures as in waitFutures.
 */
class GroupedWait extends InputsRun {
  /** @param {number} n @param {import('./options.js').WaitOptions} o */
  constructor(n, o) { super(n, o, RETURN_WHEN_CODE.ALL_COMPLETED, true); }

  /** Every slot has settled when a deferred wait is woken: the core decides on them. */
  decides() { return true; }

  outcome() {
    return { done: this.inp.futures(new Set()), notDone: new Set() };
  }

  /** No deadline and no progress: the core answers 0, once every entry is done. */
  onPoll() { this.end(this.outcome(), false); }
}

/**
 * Throws what a future's _cptr() throws, as waitFutures does; the inputs
 * are observed (watched) on every way out.
 */
function waitGrouped(leaves, n, o) {
  if (o.signal !== null && o.signal.aborted) {
    // Rejected before any wait: the inputs are still observed, so that their
    // later rejections are handled, as Promise.all's are.
    new Inputs(leaves, GROUP_ALL).close();
    return Promise.reject(o.signal.reason);
  }
  return new GroupedWait(n, o).begin(leaves, GROUP_ALL, true);
}

/*
 * wait([p]) / wait(p) with no options (one-promise.js): the handlers of the
 * one reaction, shared by every such call. The wait is for ALL_COMPLETED;
 * the core decides over the settled slot, and the outcome is the grouped
 * path's: the promise's future, done from the start (settledPromiseFuture),
 * in `done`.
 */
function waitOneFulfilled(v) { return waitOneSettled(v, false); }

function waitOneRejected(e) { return waitOneSettled(e, true); }

function waitOneSettled(x, failed) {
  const f = settledPromiseFuture(x, failed);
  if (decideOne(failed ? STATE_FAILED : STATE_SUCCEEDED, ALL_COMPLETED) !== 0) return wait(f);
  const done = new Set();
  done.add(f);
  return { done, notDone: new Set() };
}
