/**
 * CFuture: a future of the C core (a cy_future*, e.g. from cy_submit on a
 * pthread pool). Pure delegation to the core, which owns every bit of state;
 * completions on other threads wake waits through Atomics.waitAsync.
 * @module concurry-wasm/futures/c
 */
import { BaseFuture, cancelledError } from './base.js';
import { C, Module, heap, CY_ECANCELED, STATE_SUCCEEDED, STATE_FAILED, STATE_CANCELLED, errName } from '../core.js';
import { CoreError } from '../errors.js';

const registry = new FinalizationRegistry((ptr) => C.cy_future_release(ptr));

/**
 * @extends {BaseFuture<number>}
 */
export class CFuture extends BaseFuture {
  static UUID_PREFIX = 'c-future-';

  /**
   * @param {number} ptr  a cy_future*
   * @param {{ owned?: boolean }} [options]  owned (default true): this object
   *   takes over one reference, released when it is garbage-collected;
   *   false: it takes a reference of its own.
   */
  constructor(ptr, options = undefined) {
    super();
    if (typeof ptr !== 'number' || !Number.isInteger(ptr) || ptr <= 0) {
      throw new TypeError(`CFuture: 'ptr' must be a cy_future pointer (a positive integer); got ${String(ptr)}`);
    }
    const owned = options && options.owned === false ? false : true;
    if (!owned) C.cy_future_retain(ptr);
    /** @private */ this._c = ptr;
    /** @private */ this._cb = undefined;
    registry.register(this, ptr);
  }

  /** @protected */
  _state() { return C.cy_future_state(this._c); }
  /** @protected */
  _cptr() { return this._c; }
  get _foreign() { return true; }

  /** The pointer (for C interop). @returns {number} */
  get ptr() { return this._c; }

  /**
   * The result (the task's `void *` as a number) or, for a failed task, a
   * CoreError with `code` (the task's non-zero return) and `payload`.
   * @protected
   */
  _outcome(state) {
    if (state === STATE_CANCELLED) return cancelledError(this);
    const sp = Module.stackSave();
    const out = Module.stackAlloc(4);
    const rc = C.cy_future_result(this._c, 0, out);
    const value = heap().u32[out >> 2];
    Module.stackRestore(sp);
    if (state === STATE_SUCCEEDED && rc === 0) return value;
    if (rc === CY_ECANCELED) return cancelledError(this);
    const e = new CoreError(`C task failed with code ${rc}${rc < 0 ? ` (${errName(rc)})` : ''}`, rc, rc < 0 ? errName(rc) : undefined);
    e.payload = value;
    return e;
  }

  /** Cancels the task if it is still queued. @returns {boolean} */
  cancel() {
    if (C.cy_future_cancel(this._c) === 0) return true;
    return this.cancelled();
  }
}

export { STATE_FAILED };
