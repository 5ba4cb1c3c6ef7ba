/**
 * The checks every mode 'c' call passes before it is accepted, shared by
 * both cores (c.js: kernels on the core's pthreads; c-worker.js: kernels in
 * worker threads, the single-threaded core), so that their errors stay the same.
 * @module concurry-wasm/modes/c-call
 */

import { QueueFullError } from '../errors.js';

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
