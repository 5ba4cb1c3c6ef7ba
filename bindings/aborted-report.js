/**
 * The final progress report of a wait, gather or iterator whose signal had
 * already aborted at the call: no waitset is made then, but DESIGN.md's rule
 * holds for every way out, this one too: the final report is delivered
 * before the call settles, once, with what was done at the call.
 * @module concurry-wasm/aborted-report
 */
import { BaseFuture, kFutureOf } from './futures/base.js';
import { STATE_SUCCEEDED } from './core.js';

/**
 * Calls the progress callback of `progress` (a ProgressSpec, or null) with a
 * final report over `leaves`, read now: a plain value is done, a done future
 * is done (failed unless it succeeded), a thenable or a pending future is
 * not. Returns what the call must reject with: `reason`, or what the callback
 * threw (as a throw on a final report ends any wait). An async callback's
 * rejection is handled and dropped: the call has already settled.
 * @param {import('./progress.js').ProgressSpec|null} progress
 * @param {unknown[]} leaves
 * @param {unknown} reason the signal's reason
 * @returns {unknown}
 */
export function abortedAtCall(progress, leaves, reason) {
  if (progress === null || !progress.callback) return reason;
  let completed = 0;
  let failed = 0;
  for (let i = 0; i < leaves.length; i++) {
    const s = leafState(leaves[i]);
    if (s === PENDING) continue;
    completed++;
    if (s !== STATE_SUCCEEDED) failed++;
  }
  const report = { completed, failed, total: leaves.length, elapsedMs: 0, final: true };
  try {
    const r = progress.callback(report);
    if (r !== null && (typeof r === 'object' || typeof r === 'function')) {
      const then = r.then;
      if (typeof then === 'function') then.call(r, undefined, ignore);
    }
  } catch (e) {
    return e;
  }
  return reason;
}

const PENDING = -1;

function ignore() {}

/** CY_STATE_* of a done leaf, or PENDING; never throws. */
function leafState(x) {
  if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return STATE_SUCCEEDED;
  try {
    const f = x instanceof BaseFuture ? x : x[kFutureOf];
    if (f instanceof BaseFuture) return f.done() ? f._state() : PENDING;
    return typeof x.then === 'function' ? PENDING : STATE_SUCCEEDED;
  } catch {
    return PENDING;
  }
}
