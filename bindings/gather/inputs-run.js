/**
 * A wait over the inputs of gather/inputs.js, as the blocking gather() and
 * wait()'s grouped path make it: the inputs are classified and watched at the
 * call; the Waiter (and the core's waitset) is made at once, or, when nothing
 * can end the wait before its promises have an outcome (no deadline, no
 * signal), once they do (Inputs.defer): the core is then asked once over the
 * slots as they are (decideSettled), and the Waiter is made only if it says
 * the wait goes on; the promise such a deferred wait hands out is the one
 * its group's reaction derives (Inputs.defer), so a pending call holds no
 * resolving functions of its own. Subclasses say what the outcome is
 * (outcome, onPoll).
 * @module concurry-wasm/gather/inputs-run
 */
import { Waiter, decideSettled } from '../waitset.js';
import { TimeoutError } from '../errors.js';
import { Inputs } from './inputs.js';

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

let capturedResolve = null;
let capturedReject = null;
function capture(resolve, reject) {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * A new Promise whose resolving functions go to `owner.resolve` and
 * `owner.reject`: made without an executor closure per call (N concurrent
 * waits hold N fewer closures and contexts).
 * @param {{ resolve: Function|null, reject: Function|null }} owner
 * @returns {Promise<any>}
 */
export function promiseFor(owner) {
  const p = new Promise(capture);
  owner.resolve = capturedResolve;
  owner.reject = capturedReject;
  capturedResolve = null;
  capturedReject = null;
  return p;
}

/**
 * One wait over Inputs, settling one promise (`promiseFor(run)`). It is its
 * Waiter's handler (onPoll, onAbort, beforePoll), so a pending wait holds no
 * closures of its own.
 */
export class InputsRun {
  /**
   * @param {number} n  the number of leaves
   * @param {import('../options.js').WaitOptions|import('../options.js').GatherOptions} o
   * @param {number} returnWhen  the core's return condition
   * @param {boolean} returnExceptions
   */
  constructor(n, o, returnWhen, returnExceptions) {
    this.n = n;
    this.o = o;
    this.returnWhen = returnWhen;
    this.returnExceptions = returnExceptions;
    /** @type {Function|null} */ this.resolve = null; // set by promiseFor
    /** @type {Function|null} */ this.reject = null;
    this.inp = null;
    this.waiter = null;
    this.finished = false;
  }

  /**
   * Classifies and watches `leaves` (read during this call only) in `mode`;
   * defers the Waiter when it can, else makes it. Returns the promise of
   * the wait. Throws what classifying throws (a bad handle); what making the
   * waiter throws (a future's _cptr(), the core) rejects the wait, or, when
   * `throwing`, is thrown too (everything made released).
   * @param {unknown[]} leaves
   * @param {number} mode  GROUP, GROUP_ALL or EACH (gather/inputs.js)
   * @param {boolean} throwing
   * @returns {Promise<unknown>}
   */
  begin(leaves, mode, throwing) {
    const inp = new Inputs(leaves, mode);
    this.inp = inp;
    if (this.o.timeout < 0 && this.o.signal === null && inp.deferrable()) {
      // Nothing to listen to before the group has an outcome: the waiter is
      // made then (ready), so a pending wait holds no waitset.
      return inp.defer(this);
    }
    const p = promiseFor(this);
    try {
      this.attach();
    } catch (e) {
      if (!throwing) {
        this.end(e, true);
        return p;
      }
      // p is dropped unsettled: the caller hears of e by the throw alone.
      this.finish();
      if (this.waiter !== null) this.waiter.free();
      throw e;
    }
    return p;
  }

  /**
   * The promise of the wait, made now if it was deferred (see Inputs.defer);
   * undefined when it was made already.
   * @returns {Promise<unknown>|undefined}
   */
  later() {
    if (this.resolve !== null) return undefined;
    return promiseFor(this);
  }

  /**
   * Deferred: the group has an outcome (ok: every slot succeeded). When
   * `decides(ok)`, the core is asked once over the slots, with no Waiter;
   * if its condition holds, the wait ends with outcome(). Otherwise the
   * Waiter is made, whose first check settles every slot densely. Returns
   * what the group's reaction settles the deferred promise with (Inputs.defer):
   * the outcome, or the promise of it; throws the failure.
   * @param {boolean} ok
   * @returns {unknown}
   */
  ready(ok) {
    const deferred = this.resolve === null;
    if (this.decides(ok)) {
      let value;
      try {
        if (decideSettled(this.n, this.inp.kinds, this.returnWhen) !== 0) value = this;
        else value = this.outcome();
      } catch (e) {
        if (!deferred) return this.end(e, true);
        this.finish();
        throw e;
      }
      if (value !== this) {
        if (!deferred) return this.end(value, false);
        this.finish();
        return value;
      }
    }
    const p = deferred ? promiseFor(this) : undefined;
    try {
      this.attach();
    } catch (e) {
      this.end(e, true);
    }
    return p;
  }

  /**
   * Whether the slots' states alone give the outcome once the core agrees
   * (no completion order needed). @param {boolean} ok @returns {boolean}
   */
  decides(ok) { return ok; }

  /** The value the wait resolves with once the core's condition holds over settled slots (subclasses). */
  outcome() { throw new Error('InputsRun.outcome: not implemented'); }

  /** The core answered (0 or CY_ETIMEDOUT): end the wait (subclasses). @param {number} rc */
  onPoll(rc) { throw new Error(`InputsRun.onPoll(${rc}): not implemented`); }

  /** The signal aborted, or a progress callback threw. */
  onAbort(reason) { this.end(reason, true); }

  /** @param {import('../waitset.js').Waiter} w */
  beforePoll(w) { this.inp.beforePoll(w); }

  /** Makes the waiter over the inputs and schedules its first check. */
  attach() {
    const o = this.o;
    const n = this.n;
    this.waiter = this.inp.attach(
      (fs, foreign) => new Waiter(fs, n, waiterOptions(o, this.returnWhen, this.returnExceptions, foreign), this), false);
    // The first check, a microtask on: inputs settled at the call are in by then.
    this.waiter.begin();
  }

  /** Marks the wait finished and releases its inputs; false if it already was. */
  finish() {
    if (this.finished) return false;
    this.finished = true;
    if (this.inp !== null) this.inp.close();
    return true;
  }

  /**
   * Settles the wait, after releasing the inputs and the waitset; with what
   * the signal's removeEventListener threw while releasing, if it did: never
   * left pending.
   * @param {unknown} value
   * @param {boolean} isError
   */
  end(value, isError) {
    if (!this.finish()) return;
    const w = this.waiter;
    if (w !== null) {
      w.free();
      if (w.cleanupError !== undefined) {
        this.reject(w.cleanupError);
        return;
      }
    }
    if (isError) this.reject(value);
    else this.resolve(value);
  }
}
