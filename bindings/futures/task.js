/**
 * TaskFuture: the future of a call on a thread or process pool
 * (`thread-future-`, `process-future-`). Like PromiseFuture it caches no
 * state: the state lives in a C future of the core, which the pool completes
 * in batches (one cy_js_complete per message from a worker, however many
 * results it carries), so done(), cancelled() and every wait/gather read the
 * core. The value or error stays in JS, in the future's one slot (`_v`),
 * written before the completion is pushed: a future is never done before its
 * value can be read.
 *
 * "Running" is JS-side: the core's cy_future_cancel cancels only a pending
 * future, and DESIGN.md lets cancel() cancel a running call at once, so the
 * C future stays pending while the task runs and `_state()` reports running
 * from the pool's record.
 * @module concurry-wasm/futures/task
 */
import { BaseFuture, runCallbacks, cancelledError, whenCallbacksRun } from './base.js';
import {
  C, heap,
  CY_ECANCELED, STATE_PENDING, STATE_RUNNING, STATE_SUCCEEDED, STATE_FAILED, STATE_CANCELLED,
} from '../core.js';
import { takeCFuture, chunkToken, completeInCore } from './chunks.js';
import { notify, futureDone, hasWatchers } from '../waitset.js';

/** Completion codes for `completeTasks`. */
export const OK = 0;
export const FAILED = 1;
export const CANCELLED = CY_ECANCELED;

/**
 * Completes futures[i] with codes[i] (OK, FAILED, CANCELLED) and values[i]
 * (the result, or the error; ignored for CANCELLED) in one core call, then
 * runs their done-callbacks and wakes the waits over them. A future already
 * done keeps its outcome (its value is not overwritten), except, with
 * `external`, one that a worker already completed through the core with this
 * same outcome (the completion ring): it takes its value now.
 * @param {TaskFuture[]} futures @param {number[]} codes @param {unknown[]} values
 * @param {boolean} [external]
 * @returns {number} how many took the outcome given
 */
export function completeTasks(futures, codes, values, external = false) {
  const n = futures.length;
  if (n === 0) return 0;
  const won = completeInCore(futures, codes, n);
  const u8 = heap().u8;
  const watched = hasWatchers();
  let cbs = null;
  let taken = 0;
  for (let i = 0; i < n; i++) {
    const f = futures[i];
    if (u8[won + i] === 0) {
      // Done before: by the ring with this outcome (take the value), or by
      // a cancel or another completion (keep that).
      if (!external || !f._pending || codes[i] === CANCELLED) continue;
      if (ringState(f) !== (codes[i] === OK ? STATE_SUCCEEDED : STATE_FAILED)) continue;
    }
    // Set after the core call and before anything in JS can look: no JS runs
    // in between, and other threads never read it.
    if (codes[i] !== CANCELLED) f._v = values[i];
    settled(f);
    taken++;
    if (f._cb !== undefined) (cbs ??= []).push(f);
    if (watched) futureDone(f._c);
  }
  if (cbs !== null) for (let i = 0; i < cbs.length; i++) runCallbacks(cbs[i]);
  notify();
  return taken;
}

/**
 * The final state of f, whose completion by this thread lost: a pending
 * TaskFuture that a worker also completes through its ring. Besides this
 * thread only the ring's drainer completes these C futures, and its
 * completion is a CAS to "completing" (read as running) and then the store of
 * the final state: a drainer preempted in between (a scheduler slice on a
 * loaded machine) leaves the future not done yet. Skipping it then would drop
 * the value of the message being handled (nothing brings it again), and the
 * future would turn done a moment later without it. So this waits for that
 * store: a few instructions of the drainer's that need nothing of this thread.
 * @param {TaskFuture} f
 * @returns {number}
 */
function ringState(f) {
  let s = C.cy_future_state(f._c);
  while (s < STATE_SUCCEEDED) s = C.cy_future_state(f._c);
  return s;
}

function settled(f) {
  f._pending = false;
  f._task = null;
}

const claimOne = [null];
const claimCode = new Int32Array(1);

/**
 * Decides one future's outcome in the core (the single CAS), without
 * running anything in JS yet: true when this completion won. Pair a win
 * with finishClaim().
 * @param {TaskFuture} f @param {number} code OK, FAILED or CANCELLED
 * @returns {boolean}
 */
export function claimTask(f, code) {
  claimOne[0] = f;
  claimCode[0] = code;
  const won = completeInCore(claimOne, claimCode, 1);
  claimOne[0] = null;
  return heap().u8[won] === 1;
}

/**
 * After a winning claimTask(): the value, done-callbacks and waits.
 * @param {TaskFuture} f @param {unknown} value (ignored for a cancel)
 * @param {number} code
 */
export function finishClaim(f, code, value) {
  if (code !== CANCELLED) f._v = value;
  settled(f);
  if (f._cb !== undefined) runCallbacks(f);
  if (hasWatchers()) futureDone(f._c);
  notify();
}

/**
 * The future of one pool call. Made by the pools; `cancel()` asks the pool,
 * which removes a queued call or stops a running one (DESIGN.md, "cancel()
 * and timeouts").
 * @template T
 * @extends {BaseFuture<T>}
 */
export class TaskFuture extends BaseFuture {
  static UUID_PREFIX = 'task-future-';

  /**
   * @param {{ cancel(reason?: unknown): boolean, started: boolean } } task  the pool's record
   * @internal
   */
  constructor(task) {
    super();
    /** @private the cy_future* */ this._c = takeCFuture();
    /** @private the pool chunk, kept alive while this future is */ this._k = chunkToken();
    /** @private the value or error, once done */ this._v = undefined;
    /** @private done-callbacks */ this._cb = undefined;
    /** @private not completed by this file yet (the value slot is free) */ this._pending = true;
    /** @private the pool's record while pending */ this._task = task;
  }

  /** @protected */
  _state() {
    const s = C.cy_future_state(this._c);
    if (s === STATE_PENDING && this._task !== null && this._task.started) return STATE_RUNNING;
    return s;
  }

  /** @protected */
  _cptr() { return this._c; }

  /**
   * A worker that completes through the core (the ring) can make the future
   * done before the pool handled the message with its value: the pool reads
   * it now, synchronously (it was posted before the completion).
   * @protected
   */
  _outcome(state) {
    if (state === STATE_CANCELLED) return cancelledError(this);
    if (this._pending && this._task !== null) this._task.pool._drainSync();
    return this._v;
  }

  /**
   * For waitSync/gatherSync: true when this call can complete while the
   * thread that made it blocks (a Node thread pool, which the blocked thread
   * runs through _syncPump()), else why not.
   * @returns {true|string}
   * @protected
   */
  _blockable() { return this._task === null ? true : this._task.pool.blockable(this._task); }

  /**
   * What a blocked thread runs between its sleeps so that this call makes
   * progress (pool.pumpSync), or null.
   * @returns {{ pumpSync(): void } | null}
   * @protected
   */
  _syncPump() { return this._task !== null && this._task.pool.syncPump ? this._task.pool : null; }

  /** Completed by a worker thread through the core when the pool has a ring (and no onProgress). */
  get _foreign() { return this._task !== null && this._task.pool.ring === true && this._task.onProgress === null; }

  /**
   * Cancels the call: a queued call is removed, a running one is told to stop
   * (its signal fires; its worker is replaced if it does not stop within
   * cancelGraceMs). True if the future is cancelled now.
   * @returns {boolean}
   */
  cancel() {
    if (!this._pending) return this.cancelled();
    const t = this._task;
    if (t !== null) return t.cancel();
    return this.cancelled();
  }

  /** @protected: callbacks run from completeTasks. */
  _watch() {}

  /**
   * Without a timeout, a done-callback (no waitset); with one, the core's
   * waitset decides (as PromiseFuture does).
   * @protected
   */
  _settled(timeout, where) {
    if (timeout >= 0 || this.done()) return super._settled(timeout, where);
    return whenCallbacksRun(this);
  }
}

/** A call on a thread pool. */
export class ThreadFuture extends TaskFuture {
  static UUID_PREFIX = 'thread-future-';
}

/** A call on a process pool. */
export class ProcessFuture extends TaskFuture {
  static UUID_PREFIX = 'process-future-';
}
