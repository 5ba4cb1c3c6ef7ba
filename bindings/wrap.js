/**
 * wrapFuture(): any future-like thing as a BaseFuture, in the order DESIGN.md
 * gives (Rule 6 of the original, Concurry's design):
 *   1. a BaseFuture → itself (idempotent);
 *   2. a handle of our thread/process/C/remote workers (an object exposing its
 *      future under the `kFutureOf` symbol) → its future;
 *   3. a thenable (a Promise) → PromiseFuture;
 *   4. anything else → SyncFuture(x).
 * @module concurry-wasm/wrap
 */
import { BaseFuture, kFutureOf } from './futures/base.js';
import { SyncFuture } from './futures/sync.js';
import { PromiseFuture } from './futures/promise.js';

/**
 * @template T
 * @param {T} x
 * @returns {BaseFuture<Awaited<T>>}
 */
export function wrapFuture(x) {
  if (x instanceof BaseFuture) return /** @type {any} */ (x);
  if (x !== null && (typeof x === 'object' || typeof x === 'function')) {
    let then;
    try {
      const own = /** @type {any} */ (x)[kFutureOf];
      if (own !== undefined) {
        const f = typeof own === 'function' ? own.call(x) : own;
        if (f instanceof BaseFuture) return f;
        throw new TypeError('wrapFuture(): a handle\'s [kFutureOf] must be (or return) a BaseFuture');
      }
      if (x instanceof Promise) return new PromiseFuture(/** @type {any} */ (x));
      then = /** @type {any} */ (x).then;
    } catch (e) {
      // A getter that throws: the value is a failed one, as Promise.resolve(x) would reject.
      if (e instanceof TypeError && String(e.message).startsWith('wrapFuture()')) throw e;
      return SyncFuture.failed(e);
    }
    if (typeof then === 'function') return new PromiseFuture(/** @type {any} */ (x));
  }
  return new SyncFuture(/** @type {any} */ (x));
}

/**
 * True when wrapFuture(x) would make a PromiseFuture of x: a thenable that is
 * neither a BaseFuture nor a worker handle. Reads the properties without
 * calling `then` (gather adopts such a thenable once, itself: calling `then`
 * also starts the work of lazy thenables such as query builders). A getter
 * that throws: false (wrapFuture makes a failed future of it).
 * @param {unknown} x
 * @returns {boolean}
 */
export function isPlainThenable(x) {
  if (x === null || (typeof x !== 'object' && typeof x !== 'function') || x instanceof BaseFuture) return false;
  if (x instanceof Promise) return true;
  try {
    return /** @type {any} */ (x)[kFutureOf] === undefined && typeof /** @type {any} */ (x).then === 'function';
  } catch {
    return false;
  }
}
