/**
 * RemoteFuture: the future of a call in remote mode (`remote-future-`), a job
 * on Redis through BullMQ. Follows the original's RayFuture rules:
 *   - its state lives in a probe-only C future of the core, so once known it
 *     is cached there (done, cancelled and every wait read the core, never
 *     Redis again);
 *   - done() never says done without the result: the value or error is
 *     written to the future's slot before the core is told (one completion
 *     per batch of outcomes, completeTasks in futures/task.js);
 *   - TimeoutError / CancelledError as everywhere; done-callbacks run once.
 *
 * How it completes: the handle's one shared event subscription (BullMQ
 * QueueEvents) settles it when the job's `completed` event arrives, with no
 * further round trip. Missed events are caught by the core's polling: the
 * C future is probe-only, so a wait over it runs probe rounds paced by the
 * wait's polling strategy; the probe never blocks, it asks the handle for a
 * batch check (coalesced over every future probed in that round: one Redis
 * round trip per chunk, modes/remote-check.js) and answers "not yet"; the
 * check's answer completes the futures it finds finished.
 * @module concurry-wasm/futures/remote
 */
import { ProbeFuture } from './probe.js';
import { C, STATE_PENDING, STATE_RUNNING } from '../core.js';

/**
 * @template T
 * @extends {ProbeFuture<T>}
 */
export class RemoteFuture extends ProbeFuture {
  static UUID_PREFIX = 'remote-future-';

  /**
   * @param {{ probe(): void, cancel(): boolean, active: boolean }} call the handle's record of the call
   * @internal
   */
  constructor(call) {
    // The probe asks the handle to check this job in its next batch and
    // answers "pending": outcomes reach the core through completeTasks only.
    super(() => { if (this._task !== null) this._task.probe(); return null; });
    /** @private the handle's record while pending (null once settled) */ this._task = call;
    /** @private not completed yet (the value slot is free) */ this._pending = true;
  }

  /**
   * Never while this thread blocks (waitSync refuses it): its outcome comes
   * in Redis replies that this thread's event loop reads.
   * @returns {string}
   * @protected
   */
  _blockable() { return "a remote job's outcome comes in Redis replies that this thread's event loop reads"; }

  /** @protected running = the job was seen active (the C future stays pending until the outcome). */
  _state() {
    const s = C.cy_future_state(this._c);
    if (s === STATE_PENDING && this._task !== null && this._task.active) return STATE_RUNNING;
    return s;
  }

  /**
   * Cancels the call: a queued job is removed from Redis, a running one is
   * told to stop (its signal fires on whichever machine runs it). True if
   * the future is cancelled now.
   * @returns {boolean}
   */
  cancel() {
    const t = this._task;
    if (!this._pending || t === null) return this.cancelled();
    return t.cancel();
  }
}
