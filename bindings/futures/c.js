/**
 * CFuture: a future of the C core (a cy_future*, e.g. from cy_submit on a
 * pthread pool). Pure delegation to the core, which owns every bit of state;
 * completions on other threads wake waits through Atomics.waitAsync.
 *
 * A raw pointer cannot be checked from JS (a wrong one reads or frees
 * another object, or traps), so user code cannot make a CFuture from a
 * number: the package makes them from pointers its own core calls return,
 * through `adoptCFuture` (not exported by the package's entry point).
 * @module concurry-wasm/futures/c
 */
import { BaseFuture, cancelledError } from './base.js';
import { C, heap, withStack, CY_ECANCELED, STATE_SUCCEEDED, STATE_FAILED, STATE_CANCELLED, errName } from '../core.js';
import { CoreError } from '../errors.js';

const registry = new FinalizationRegistry((ptr) => C.cy_future_release(ptr));

/** Module-private: only adoptCFuture constructs a CFuture. */
const kAdopt = Symbol('CFuture.adopt');

/**
 * @extends {BaseFuture<number>}
 */
export class CFuture extends BaseFuture {
  static UUID_PREFIX = 'c-future-';

  /**
   * Not for user code: C futures are made by the package (adoptCFuture).
   * @param {symbol} token @param {number} ptr @param {boolean} owned
   * @private
   */
  constructor(token, ptr, owned) {
    if (token !== kAdopt) {
      throw new TypeError('CFuture: not constructible from user code: a raw cy_future pointer cannot be ' +
        'checked from JS, so the package makes its CFutures itself (for C tasks); use instanceof CFuture to recognise one');
    }
    super();
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
    let value = 0;
    const rc = withStack(4, (out) => {
      const r = C.cy_future_result(this._c, 0, out);
      value = heap().u32[out >> 2];
      return r;
    });
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

/**
 * A CFuture over a cy_future* that a call of this package's core returned:
 * the one door from a raw pointer to a CFuture, for the bindings and tests
 * (not exported by index.js). The pointer is trusted to be a live future of
 * this core; what can be checked (a wasm32 address, not NULL) is.
 * @param {number} ptr  a cy_future*
 * @param {{ owned?: boolean, kind?: typeof CFuture }} [options]  owned (default
 *   true): the CFuture takes over one reference, released when it is
 *   garbage-collected; false: it takes a reference of its own. kind: a
 *   subclass of CFuture to make instead (the C tasks of modes/c.js), whose
 *   constructor passes its arguments on to CFuture's.
 * @returns {CFuture}
 * @internal
 */
export function adoptCFuture(ptr, options = undefined) {
  if (!Number.isInteger(ptr) || ptr <= 0 || ptr >= 2 ** 32) {
    throw new TypeError(`adoptCFuture: 'ptr' must be a cy_future pointer (an integer in [1, 2**32)); got ${typeof ptr === 'number' ? ptr : typeof ptr}`);
  }
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`adoptCFuture: 'options' must be an object; got ${options === null ? 'null' : typeof options}`);
  }
  const Kind = options && options.kind !== undefined ? options.kind : CFuture;
  if (Kind !== CFuture && !(typeof Kind === 'function' && Kind.prototype instanceof CFuture)) {
    throw new TypeError("adoptCFuture: 'options.kind' must be CFuture or a subclass of it");
  }
  return new Kind(kAdopt, ptr, !(options && options.owned === false));
}
