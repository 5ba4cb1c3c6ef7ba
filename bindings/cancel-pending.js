/**
 * `cancelPending: true` of wait() and gather() (DESIGN.md, "cancel() and
 * timeouts"): once the result is decided, the timeout passes or the wait is
 * left early (an abort; for `gather({ iter: true })` also break, return() or
 * an error), what is still pending is cancelled, so the work behind it stops
 * (a worker call's task sees its signal fire; a queued call is removed).
 *
 * Only futures can be cancelled: BaseFuture inputs and worker handles (their
 * future). A plain Promise among the inputs has no work we could stop and is
 * left alone.
 * @module concurry-wasm/cancel-pending
 */
import { BaseFuture, kFutureOf } from './futures/base.js';
import { wrapFuture } from './wrap.js';

/**
 * The futures among `leaves` (BaseFutures, and the futures of worker
 * handles), taken at the call: the caller may change its array afterwards.
 * @param {ArrayLike<unknown>} leaves
 * @returns {BaseFuture[]}
 */
export function cancellableFutures(leaves) {
  const out = [];
  for (let i = 0; i < leaves.length; i++) {
    const x = leaves[i];
    if (x instanceof BaseFuture) out.push(x);
    else if (x !== null && typeof x === 'object') {
      try {
        if (/** @type {any} */ (x)[kFutureOf] !== undefined) out.push(wrapFuture(x));
      } catch { /* a handle whose future cannot be had: nothing to cancel */ }
    }
  }
  return out;
}

/**
 * Cancels each future of `futs` that is not done. Never throws: a cancel()
 * that throws is reported and the others are still cancelled (the wait's
 * own outcome stands).
 * @param {Iterable<BaseFuture>} futs
 */
export function cancelPendingFutures(futs) {
  for (const f of futs) cancelOne(f);
}

function cancelOne(f) {
  try {
    if (!f.done()) f.cancel();
  } catch (e) {
    // eslint-disable-next-line no-console
    console.error('concurry-wasm: cancelPending: cancel() of a pending future threw:', e);
  }
}
