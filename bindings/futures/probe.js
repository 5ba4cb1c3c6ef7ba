/**
 * ProbeFuture: work that cannot notify, only be asked ("are you done?"). Its
 * C future is probe-only (cy_future_new_probe): waits call the probe when
 * the polling strategy says a round is due (the only futures that polling
 * paces); done() asks once. Remote jobs build on this.
 *
 * The probe is a function called with no arguments that returns a falsy value
 * while the work is pending, and once it is done `{ value }` (success) or
 * `{ error }` (failure); throwing also fails the future with what was thrown.
 * It answers synchronously: a probe that returns a Promise (or any thenable)
 * fails the future at its first call with a TypeError that says so (a wait
 * cannot tell "pending" from "done" by a promise it would have to await; for
 * work that is a promise, wait on the promise itself). Any other truthy
 * answer (42, true, an object with neither key) fails it likewise.
 * @module concurry-wasm/futures/probe
 */
import { BaseFuture, cancelledError, runCallbacks } from './base.js';
import { C, heap, addFunction, coreFailure, CY_ENOMEM, STATE_CANCELLED } from '../core.js';

const live = new Map(); // id -> WeakRef<ProbeFuture>
let nextId = 1;

const ASYNC_PROBE = 'ProbeFuture: the probe returned a Promise (a thenable), which cannot be an answer: a probe ' +
  'answers synchronously with a falsy value while the work is pending, then { value } or { error }. For work ' +
  'that is a promise, wait on the promise itself (wrapFuture(promise))';

const BAD_RESULT = 'ProbeFuture: the probe must return a falsy value while the work is pending, then { value } ' +
  '(success) or { error } (failure)';

function describe(r) {
  if (typeof r === 'object') return Array.isArray(r) ? 'an array' : 'an object without \'value\' or \'error\'';
  if (typeof r === 'string') return `the string ${JSON.stringify(r.length > 40 ? `${r.slice(0, 40)}...` : r)}`;
  if (typeof r === 'function') return 'a function';
  return `${typeof r} ${String(r)}`;
}

/** True when r has a callable `then` (read once; a throwing getter counts as a thenable's failure). */
function isThenable(r) {
  if (r === null || (typeof r !== 'object' && typeof r !== 'function')) return false;
  try {
    return typeof r.then === 'function';
  } catch {
    return true;
  }
}

const registry = new FinalizationRegistry(({ ptr, id }) => {
  live.delete(id);
  C.cy_future_release(ptr);
});

// int probe(void *arg, int *code, void **value): 0 pending, 1 done.
const trampoline = addFunction((id, codePtr, valuePtr) => {
  const ref = live.get(id);
  const f = ref && ref.deref();
  if (!f) return 0;
  let r;
  try {
    r = f._probe();
  } catch (e) {
    f._v = e;
    heap().i32[codePtr >> 2] = 1;
    return 1;
  }
  if (!r) return 0;
  if (isThenable(r)) {
    // Its outcome is not this future's: a rejection is not left unhandled.
    if (r instanceof Promise) r.then(undefined, () => {});
    f._v = new TypeError(ASYNC_PROBE);
    heap().i32[codePtr >> 2] = 1;
    heap().u32[valuePtr >> 2] = 0;
    return 1;
  }
  if (typeof r === 'object' && 'error' in r) {
    f._v = r.error;
    heap().i32[codePtr >> 2] = 1;
  } else if (typeof r === 'object' && 'value' in r) {
    f._v = r.value;
    heap().i32[codePtr >> 2] = 0;
  } else {
    // A truthy answer that is neither { value } nor { error } (42, true, {}):
    // counting it as done with undefined would be a silent wrong answer.
    f._v = new TypeError(`${BAD_RESULT}; got ${describe(r)}`);
    heap().i32[codePtr >> 2] = 1;
  }
  heap().u32[valuePtr >> 2] = 0;
  return 1;
}, 'iiii');

/**
 * @template T
 * @extends {BaseFuture<T>}
 */
export class ProbeFuture extends BaseFuture {
  static UUID_PREFIX = 'probe-future-';

  /**
   * @param {() => (null | undefined | false | { value: T } | { error: unknown })} probe
   */
  constructor(probe) {
    super();
    if (typeof probe !== 'function') throw new TypeError(`ProbeFuture: 'probe' must be a function; got ${probe === null ? 'null' : typeof probe}`);
    const id = nextId++;
    // NULL only when out of memory (trampoline is never NULL).
    const ptr = C.cy_future_new_probe(trampoline, id);
    if (!ptr) throw coreFailure('cy_future_new_probe', CY_ENOMEM);
    /** @private */ this._c = ptr;
    /** @private */ this._probe = probe;
    /** @private */ this._v = undefined;
    /** @private */ this._cb = undefined;
    live.set(id, new WeakRef(this));
    registry.register(this, { ptr, id });
  }

  /** Asks the probe once (unless already done). @returns {boolean} */
  done() {
    const d = C.cy_future_probe(this._c) === 1;
    if (d && this._cb !== undefined) queueMicrotask(() => runCallbacks(this));
    return d;
  }

  /** @protected */
  _state() { return C.cy_future_state(this._c); }
  /** @protected */
  _cptr() { return this._c; }
  /** @protected */
  _outcome(state) { return state === STATE_CANCELLED ? cancelledError(this) : this._v; }

  /** Cancels the future unless done; the probe is not called again. @returns {boolean} */
  cancel() {
    if (C.cy_future_cancel(this._c) !== 0) return this.cancelled();
    runCallbacks(this);
    return true;
  }
}
