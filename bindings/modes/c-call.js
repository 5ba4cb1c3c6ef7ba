/**
 * What both cores' mode 'c' share about a call (c.js: kernels on the core's
 * pthreads; c-worker.js: kernels in worker threads, the single-threaded
 * core): the checks it passes before it is accepted, so that their errors
 * stay the same, and the future of a call followed from JavaScript.
 * @module concurry-wasm/modes/c-call
 */

import { QueueFullError } from '../errors.js';
import { PromiseFuture } from '../futures/promise.js';

/**
 * The future of a C kernel call followed from JavaScript (c-worker.js: every
 * call; c.js: a call whose arguments hold futures, while they are awaited and
 * then following the kernel call): a PromiseFuture whose cancel() also runs
 * `onCancel` (removes or stops the call), once, when it cancels the future.
 */
export class KernelCallFuture extends PromiseFuture {
  static UUID_PREFIX = 'c-future-';

  /** @param {Promise<unknown>} promise @param {(() => void)|null} onCancel */
  constructor(promise, onCancel) {
    super(promise);
    /** @private Cleared once run, or by the owner when nothing is left to stop. */
    this._onCancel = onCancel;
  }

  cancel() {
    const r = super.cancel();
    if (r && this._onCancel) {
      const fn = this._onCancel;
      this._onCancel = null;
      fn();
    }
    return r;
  }
}

/**
 * @typedef {object} KernelBackend
 * @property {unknown} stopping  non-null once stop() was called
 * @property {Set<string>|null} set  the kernels this worker may call, or null (every registered one)
 * @property {number} maxQueued
 * @property {(method: string) => TypeError} missing  the error naming the kernels there are
 * @property {() => boolean} wouldAccept  whether one more call stays within maxQueued
 * @property {() => { queued: number }} counts
 */

/**
 * Admits a call of `method`, or refuses it. What the caller did wrong
 * (onProgress, a full queue) or a stopping worker throws at once; an unknown
 * kernel is returned, for the call to fail with (its future is rejected).
 * @param {KernelBackend} b
 * @param {string} method
 * @param {{ onProgress?: unknown }} co  the call's options
 * @returns {TypeError|null} the error the call fails with, or null (accepted)
 */
export function admitCall(b, method, co) {
  if (b.stopping) throw new Error(`C kernel '${method}': the worker is stopping`);
  if (co.onProgress) {
    throw new TypeError(`callWith(): option 'onProgress' does not apply to mode 'c' (C kernels report no progress)`);
  }
  if (b.set && !b.set.has(method)) return b.missing(method);
  if (!b.wouldAccept()) {
    const queued = b.counts().queued;
    throw new QueueFullError(`C kernel '${method}': the queue is full (maxQueued ${b.maxQueued}, ${queued} queued); await worker.whenAvailable() first`,
      { maxQueued: b.maxQueued, queued });
  }
  return null;
}
