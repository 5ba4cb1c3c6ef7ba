/**
 * The refusals a queueing backend (the thread and process pools, pool.js;
 * remote mode, remote.js) makes at the call, before it takes one: the same
 * errors in every mode that queues calls.
 * @module concurry-wasm/modes/admit
 */
import { QueueFullError, InvalidStateError } from '../errors.js';

/**
 * Throws when `b` takes no more calls: InvalidStateError once it is stopping,
 * QueueFullError when one more call would queue beyond maxQueued.
 * @param {{ stopping: boolean, o: { maxQueued: number }, queuedCount(extra?: number): number }} b
 * @param {string} method the call's method, for the message
 * @returns {void}
 */
export function refuseCall(b, method) {
  if (b.stopping) throw new InvalidStateError(`call('${method}'): the worker is stopped`);
  const max = b.o.maxQueued;
  if (max !== Infinity && b.queuedCount(1) > max) {
    const q = b.queuedCount();
    throw new QueueFullError(`call('${method}'): the queue is full (${q} calls waiting; maxQueued is ${max}); await whenAvailable() before calling`,
      { maxQueued: max, queued: q });
  }
}
