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
import { EACH, GROUP, K_FUTURE } from './inputs.js';
import { InputsRun, timeoutError } from './inputs-run.js';

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

class GatherRun extends InputsRun {
  /**
   * @param {import('../shapes.js').Shape} shape
   * @param {import('../options.js').GatherOptions} o
   */
  constructor(shape, o) {
    super(shape.leaves.length, o, o.returnExceptions ? ALL_COMPLETED : FIRST_EXCEPTION, o.returnExceptions);
    this.shape = shape;
  }

  /** Deferred: the core is asked over the slots when all succeeded; a failure takes the Waiter, whose completion order names the first. */
  decides(ok) { return ok; }

  outcome() { return this.shape.build(this.inp.vals); }

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
}

/**
 * The promise of a blocking gather over `shape` (its leaves read during this call only).
 * @param {import('../shapes.js').Shape} shape
 * @param {import('../options.js').GatherOptions} o
 * @returns {Promise<unknown>}
 */
export function runGather(shape, o) {
  const run = new GatherRun(shape, o);
  try {
    return run.begin(shape.leaves, o.returnExceptions || o.progress !== null ? EACH : GROUP, false);
  } catch (e) {
    run.finish();
    return Promise.reject(e);
  }
}
