/**
 * The blocking form of gather(): one promise for the results in the input's
 * shape.
 *
 * The core decides when: without `returnExceptions` the waitset's condition
 * is FIRST_EXCEPTION (all done, or a failure: the gather then rejects with
 * the first failure in completion order, like Promise.all); with it,
 * ALL_COMPLETED, and failures are values.
 * @module concurry-wasm/gather/run
 */
import { CY_ETIMEDOUT, STATE_SUCCEEDED, ALL_COMPLETED, FIRST_EXCEPTION } from '../core.js';
import { Waiter, decideSettled } from '../waitset.js';
import { waiterOptions, timeoutError } from '../wait.js';
import { Inputs, EACH, GROUP, K_FUTURE } from './inputs.js';

/** The first entry (input order) that keeps the gather from succeeding, or -1. */
function firstBad(states, n) {
  for (let i = 0; i < n; i++) if (states[i] !== STATE_SUCCEEDED) return i;
  return -1;
}

/** The first failed or cancelled entry in completion order, or -1 (drains the order). */
function firstFailure(w, states) {
  for (;;) {
    const idx = w.take(256);
    if (idx === null || idx.length === 0) return -1;
    for (let j = 0; j < idx.length; j++) if (states[idx[j]] !== STATE_SUCCEEDED) return idx[j];
  }
}

/** The values of the future entries, into values. */
function futureValues(inp, states, values) {
  const { kinds, futs, n } = inp;
  for (let i = 0; i < n; i++) if (kinds[i] === K_FUTURE) values[i] = futs[i]._outcome(states[i]);
}

class GatherRun {
  /**
   * @param {import('../shapes.js').Shape} shape
   * @param {import('../options.js').GatherOptions} o
   */
  constructor(shape, o, resolve, reject) {
    this.shape = shape;
    this.o = o;
    this.resolve = resolve;
    this.reject = reject;
    this.n = shape.leaves.length;
    this.inp = null;
    this.waiter = null;
    this.finished = false;
  }

  begin() {
    const o = this.o;
    const perLeaf = o.returnExceptions || o.progress !== null;
    const inp = new Inputs(this.shape.leaves, perLeaf ? EACH : GROUP);
    this.inp = inp;
    if (o.timeout < 0 && o.signal === null && inp.deferrable()) {
      // Nothing to listen to before the group has an outcome: the waiter is
      // made then (ready), so a pending gather holds no waitset.
      inp.defer(this);
      return;
    }
    this.attach();
  }

  /**
   * Deferred: the group fulfilled (ok: every slot succeeded) or a leaf
   * rejected (a promise reaction). When all succeeded, the core is asked
   * once over the slots (decideSettled), with no Waiter; a failure takes the
   * Waiter, whose completion order names the first one.
   * @param {boolean} ok
   */
  ready(ok) {
    try {
      if (ok && decideSettled(this.n, this.inp.kinds, FIRST_EXCEPTION) === 0) {
        this.end(this.shape.build(this.inp.vals), false);
        return;
      }
      this.attach();
    } catch (e) {
      this.end(e, true);
    }
  }

  /** Makes the waiter over the inputs and schedules its first check. */
  attach() {
    const o = this.o;
    const inp = this.inp;
    const handler = {
      onPoll: (rc) => this.onPoll(rc),
      onAbort: (reason) => this.end(reason, true),
      beforePoll: (w) => inp.beforePoll(w),
    };
    const returnWhen = o.returnExceptions ? ALL_COMPLETED : FIRST_EXCEPTION;
    this.waiter = inp.attach((fs, foreign) => new Waiter(fs, this.n, waiterOptions(o, returnWhen, o.returnExceptions, foreign), handler), false);
    // The first check, a microtask on: inputs settled at the call are in by then.
    this.waiter.begin();
  }

  onPoll(rc) {
    const w = this.waiter;
    const inp = this.inp;
    const n = this.n;
    if (rc === CY_ETIMEDOUT) {
      if (inp.census()) return; // the core answers again with every promise settled by now
      const k = w.doneCount();
      if (w.finish()) this.end(timeoutError('gather()', this.o.timeout, k, n), true);
      return;
    }
    if (!w.finish()) return; // the final progress report threw: the wait ended with it
    if (inp.futs === null && w.failedCount() === 0) {
      // Every entry is a slot and none failed: the values are all in place.
      return this.end(this.shape.build(inp.vals), false);
    }
    const states = w.states();
    if (!this.o.returnExceptions) {
      const bad = firstBad(states, n);
      if (bad >= 0) {
        const first = firstFailure(w, states);
        const i = first >= 0 ? first : bad;
        return this.end(inp.outcome(i, states[i]), true);
      }
    }
    const values = inp.vals;
    if (inp.futs !== null) futureValues(inp, states, values);
    return this.end(this.shape.build(values), false);
  }

  /**
   * Settles the gather, after releasing the waitset; with what the signal's
   * removeEventListener threw while releasing, if it did (as wait() does):
   * never left pending.
   */
  end(value, isError) {
    if (this.finished) return;
    this.finished = true;
    if (this.inp !== null) this.inp.close();
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

/**
 * The promise of a blocking gather over `shape` (its leaves read during this call only).
 * @param {import('../shapes.js').Shape} shape
 * @param {import('../options.js').GatherOptions} o
 * @returns {Promise<unknown>}
 */
export function runGather(shape, o) {
  return new Promise((resolve, reject) => {
    const run = new GatherRun(shape, o, resolve, reject);
    try {
      run.begin();
    } catch (e) {
      run.end(e, true);
    }
  });
}
