/**
 * SyncFuture: an already-computed value (or error). Done at creation and
 * immutable, so it caches its outcome (Concurry's Rule 1) and never calls into
 * wasm: in a wait it stands in with the core's shared, already-done future.
 * @module concurry-wasm/futures/sync
 */
import { BaseFuture, invokeCallback } from './base.js';
import { DONE_FUTURE, STATE_SUCCEEDED, STATE_FAILED } from '../core.js';

/**
 * @template T
 * @extends {BaseFuture<T>}
 */
export class SyncFuture extends BaseFuture {
  static UUID_PREFIX = 'sync-future-';

  /**
   * A done future holding `value`.
   * @param {T} value
   */
  constructor(value) {
    super();
    /** @private */ this._v = value;
    /** @private */ this._failed = false;
    /** @private */ this._cb = undefined;
  }

  /**
   * A done future that failed with `error`.
   * @param {unknown} error
   * @returns {SyncFuture<never>}
   */
  static failed(error) {
    const f = new SyncFuture(/** @type {never} */ (error));
    f._failed = true;
    return f;
  }

  /** @returns {boolean} always true */
  done() { return true; }
  /** @returns {boolean} always false */
  cancelled() { return false; }
  /** @returns {boolean} always false */
  running() { return false; }
  /** @returns {boolean} always false: a done future cannot be cancelled */
  cancel() { return false; }

  /** @protected */
  _state() { return this._failed ? STATE_FAILED : STATE_SUCCEEDED; }
  /** @protected */
  _outcome() { return this._v; }
  /** @protected */
  _cptr() { return this._failed ? DONE_FUTURE[1] : DONE_FUTURE[0]; }

  /** @returns {T} */
  resultNow() {
    if (this._failed) throw this._v;
    return this._v;
  }

  /** @returns {unknown} */
  exceptionNow() { return this._failed ? this._v : null; }

  /** @returns {Promise<T>} */
  result(options) {
    if (options !== undefined) return super.result(options);
    return this._failed ? Promise.reject(this._v) : Promise.resolve(this._v);
  }

  /** @param {(future: this) => void} fn */
  addDoneCallback(fn) {
    if (typeof fn !== 'function') throw new TypeError(`addDoneCallback(): 'fn' must be a function; got ${fn === null ? 'null' : typeof fn}`);
    invokeCallback(fn, this);
  }
}
