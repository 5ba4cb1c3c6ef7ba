/**
 * gather(): the results of futures in the input's shape (array for arrays,
 * Sets, single values and variadic arguments; a plain object with the same
 * keys; a Map), or with `iter: true` an AsyncIterableIterator of
 * `[key, value]` in completion order.
 *
 * The input is read once, at the call (as Promise.all does): changing the
 * array, object, Map or Set afterwards changes nothing. The blocking form is
 * gather/run.js, the iterator gather/iterator.js; both keep their inputs in
 * the one model of gather/inputs.js.
 * @module concurry-wasm/gather
 */
import { splitArgs, flatten } from './shapes.js';
import { parseGatherOptions } from './options.js';
import { runGather } from './gather/run.js';
import { GatherIterator } from './gather/iterator.js';
import { observe } from './observe.js';
import { abortedAtCall } from './aborted-report.js';
import { cancellableFutures, cancelPendingFutures } from './cancel-pending.js';
import { onePromise } from './one-promise.js';
import { decideOne } from './waitset.js';
import { SyncFuture } from './futures/sync.js';
import { STATE_SUCCEEDED, STATE_FAILED, FIRST_EXCEPTION } from './core.js';

/**
 * Gathers the results of futures (or values).
 *
 * `gather(fs, options?)` with fs an array, Set, plain object, Map or a single
 * future/value; or `gather(f1, f2, ..., options?)`. Options:
 * `returnExceptions`, `iter`, `timeout` (ms), `polling`, `progress`,
 * `recurse`, `signal`, `cancelPending` (cancel the futures still pending when it fails fast, times out, aborts or, with `iter`, the loop is left early).
 * @param {...any} args
 * @returns {Promise<any> | AsyncIterableIterator<[any, any]>}
 */
export function gather(...args) {
  const one = onePromise(args);
  if (one !== null) {
    // A `then` that throws rejects the gather, as on the general path.
    try {
      return one.then(gatherOneFulfilled, gatherOneRejected);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  const split = splitArgs(args, 'gather()');
  const o = parseGatherOptions(split.options);
  const shape = flatten(split.input, split.kind, o.recurse);
  if (o.iter) return new GatherIterator(shape, o);
  // cancelPending: the futures among the inputs, taken now (the caller may
  // change its array), cancelled if the gather fails fast, times out or aborts.
  const cancellable = o.cancelPending ? cancellableFutures(shape.leaves) : null;
  if (o.signal && o.signal.aborted) {
    // Rejected before any wait: the inputs are still observed, so that their
    // later rejections are handled, as Promise.all's are.
    observe(shape.leaves);
    if (cancellable !== null) cancelPendingFutures(cancellable);
    return Promise.reject(abortedAtCall(o.progress, shape.leaves, o.signal.reason));
  }
  const p = runGather(shape, o);
  if (cancellable === null) return p;
  return p.catch((e) => {
    cancelPendingFutures(cancellable);
    throw e;
  });
}

/*
 * gather([p]) / gather(p) with no options (one-promise.js): the handlers of
 * the one reaction, shared by every such call. The wait is fail-fast
 * (FIRST_EXCEPTION, as runGather asks without returnExceptions); the core
 * decides over the settled slot, and the outcome is the shape's: [value], or
 * the rejection's reason.
 */
function gatherOneFulfilled(v) {
  if (decideOne(STATE_SUCCEEDED, FIRST_EXCEPTION) !== 0) return gather(new SyncFuture(v));
  return [v];
}

function gatherOneRejected(e) {
  if (decideOne(STATE_FAILED, FIRST_EXCEPTION) !== 0) return gather(SyncFuture.failed(e));
  throw e;
}

export { GatherIterator };
